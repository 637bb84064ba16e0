/* Read-aloud: adds a "Listen" button to every block marked data-read-aloud, which reads the
   block's text with the browser's speech synthesis. Progressive enhancement: without
   JavaScript or speech synthesis, the page simply has no such buttons. */
(function () {
  "use strict";
  if (!("speechSynthesis" in window) || !("SpeechSynthesisUtterance" in window)) {
    return;
  }
  var lang = document.documentElement.lang || "fr";
  var current = null;

  function textOf(block) {
    var clone = block.cloneNode(true);
    clone.querySelectorAll(".read-aloud-button, [aria-hidden='true']").forEach(function (el) {
      el.remove();
    });
    // A list item or a paragraph ends a phrase: its text must not run into the next one's.
    clone.querySelectorAll("li, p, h1, h2, h3").forEach(function (el) {
      el.append(" ");
    });
    return clone.textContent.replace(/\s+/g, " ").trim();
  }

  function stop() {
    window.speechSynthesis.cancel();
    if (current) {
      current.setAttribute("aria-pressed", "false");
      current = null;
    }
  }

  document.querySelectorAll("[data-read-aloud]").forEach(function (block) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "read-aloud-button";
    button.setAttribute("aria-pressed", "false");
    var icon = document.createElement("img");
    icon.src = block.getAttribute("data-read-aloud-icon") || "";
    icon.alt = "";
    icon.width = 32;
    icon.height = 32;
    if (icon.src) {
      button.appendChild(icon);
    }
    button.appendChild(document.createTextNode(" " + (block.getAttribute("data-read-aloud") || "Listen")));
    button.addEventListener("click", function () {
      var wasPlaying = current === button;
      stop();
      if (wasPlaying) {
        return;
      }
      var utterance = new SpeechSynthesisUtterance(textOf(block));
      utterance.lang = lang === "fr" ? "fr-FR" : "en-GB";
      utterance.rate = 0.9;
      utterance.onend = stop;
      current = button;
      button.setAttribute("aria-pressed", "true");
      window.speechSynthesis.speak(utterance);
    });
    block.insertBefore(button, block.firstChild);
  });
})();
