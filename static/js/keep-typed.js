/* What was typed survives a change of language or of page style: when one of the header's
   switches is used, the fields of the page's forms that were changed are kept in this tab's
   sessionStorage while the page comes back in the new language, then put back, and the page
   says so. Passwords and the forms' hidden fields are never kept. Progressive enhancement:
   without JavaScript the switch works as before. */
(function () {
  "use strict";
  var key = "parcours-typed:" + location.pathname + location.search;
  var SWITCHES = ".language-switch, .easy-switch";
  var SKIPPED = ["hidden", "password", "submit", "button", "file", "reset", "image"];

  function fields() {
    return Array.prototype.slice.call(
      document.querySelectorAll("main form input, main form textarea, main form select")
    );
  }

  function changed(field) {
    if (!field.name || SKIPPED.indexOf((field.type || "").toLowerCase()) >= 0) {
      return false;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return field.value !== field.defaultValue;
  }

  document.addEventListener("submit", function (event) {
    if (!event.target.matches || !event.target.matches(SWITCHES)) {
      return;
    }
    var kept = [];
    fields().forEach(function (field, index) {
      if (changed(field)) {
        kept.push({ index: index, name: field.name, value: field.value, checked: field.checked });
      }
    });
    try {
      if (kept.length) {
        sessionStorage.setItem(key, JSON.stringify(kept));
      }
    } catch (error) {
      /* no storage (private mode, full): the switch goes on without keeping */
    }
  });

  var stored = null;
  try {
    stored = sessionStorage.getItem(key);
    sessionStorage.removeItem(key);
  } catch (error) {
    return;
  }
  if (!stored) {
    return;
  }
  var all = fields();
  var restored = 0;
  JSON.parse(stored).forEach(function (entry) {
    var field = all[entry.index];
    if (!field || field.name !== entry.name) {
      return;
    }
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = entry.checked;
    } else {
      field.value = entry.value;
    }
    restored += 1;
  });
  var main = document.querySelector("main");
  if (restored && main && main.dataset.keptMessage) {
    var notice = document.createElement("p");
    notice.className = "flash flash--info";
    notice.setAttribute("role", "status");
    notice.textContent = main.dataset.keptMessage;
    main.insertBefore(notice, main.firstChild);
  }
})();
