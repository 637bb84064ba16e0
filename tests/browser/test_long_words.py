"""Long texts wrap everywhere: a plan whose every text is one long unbroken word (a pasted URL)
still fits a 360 px wide screen on every page, and so does every form once each of its text
fields holds such a word."""

from datetime import date, timedelta
from urllib.parse import urlsplit

from parcours.accounts.operations import create_user
from parcours.alliance.operations import approve_version, propose_version, save_voice
from parcours.discussions.operations import edit_comment, write_comment
from parcours.extensions import db
from parcours.means.models import Outcome, StanceValue
from parcours.means.operations import add_commitment, decide_means, propose_means, take_stance
from parcours.plans.models import Role
from parcours.plans.operations import (
    accept_invitation,
    create_invitation,
    create_parcours,
    current_members,
    designate_pilot,
)
from parcours.timeline.models import EpisodeKind
from parcours.timeline.operations import add_episode, propose_handoff
from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.browser.test_accessibility import pattern

# What a phone user pastes: a link with no space in it.
WORD = ("https://exemple.org/dossier/" + "ceciestunadressesansaucuneespace" * 10)[:300]
EMAIL = "long.words@example.org"
WIDTH = 360


def _long_plan(app) -> int:
    """A plan made by a professional with the person, every text of it one long word (each
    cut to its field's limit)."""
    with app.app_context():
        user = create_user(
            name=WORD[:60],
            password=DEMO_PASSWORD,
            email=EMAIL,
            is_professional=True,
            organisation=WORD[:120],
            function=WORD[:60],
        )
        member = create_parcours(user, person_name=WORD[:60], role=Role.professional)
        _invitation, token = create_invitation(member, role=Role.person)
        person = accept_invitation(
            token, create_user(name=WORD[:60], password=DEMO_PASSWORD, login_name="longwords")
        )
        save_voice(
            member, person, matters=WORD, hopes=WORD, worries=WORD, help_me=WORD, base_number=0
        )
        version = propose_version(
            member,
            text=WORD,
            perimeter_in=WORD,
            perimeter_out=WORD,
            indicators=WORD,
            base_number=0,
        )
        for each in (member, person):
            approve_version(each, version.number)
        means = propose_means(member, title=WORD[:120], description=WORD, carried_by=WORD[:120])
        for each in (member, person):
            take_stance(each, means, value=StanceValue.support, comment=WORD)
        designate_pilot(member, member)
        decide_means(member, means, outcome=Outcome.adopted, rationale=WORD)
        day = date.today()
        add_commitment(member, means, member=member, action=WORD, due_on=day + timedelta(days=9))
        first = add_episode(
            member,
            kind=EpisodeKind.ime,
            organisation=WORD[:120],
            label=WORD[:120],
            start_date=day - timedelta(days=400),
            end_date=day - timedelta(days=100),
        )
        add_episode(
            member,
            kind=EpisodeKind.esat,
            organisation=WORD[:100] + "autre",
            label=WORD[:100] + "autre",
            start_date=day - timedelta(days=60),
        )
        propose_handoff(
            member,
            from_episode_id=first.id,
            receiving_organisation=WORD[:110],
            meaning_note=WORD,
            proposed_on=day - timedelta(days=110),
        )
        pid = member.parcours_id
        # A discussion under the proposal: a message, edited (its earlier text kept), and the
        # person's reply mentioning the professional.
        members = current_members(pid)
        about = f"means:{means.id}"
        message = write_comment(member, about, text=WORD, members=members)
        edit_comment(member, message, text=WORD[:-1], revision=0)
        write_comment(
            person,
            about,
            text=WORD,
            members=members,
            reply_to_id=message.id,
            mention_ids=[member.id],
        )
        db.session.commit()
    return pid


def _plan_pages(page, pid: int) -> list[str]:
    """The plan's pages, one per URL pattern, reached by links from its overview."""
    prefix = f"/parcours/{pid}"
    seen, queue, pages = set(), [prefix, "/", "/caseload"], []
    while queue:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        response = page.goto(path)
        if response is None or response.status != 200:
            continue
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        pages.append(path)
        for href in page.eval_on_selector_all(
            "a[href]:not([download])", "els => els.map(e => e.href)"
        ):
            parts = urlsplit(href)
            target = parts.path + ("?" + parts.query if parts.query else "")
            if parts.path.startswith(prefix) and not parts.fragment and pattern(target) not in seen:
                queue.append(target)
    return pages


FILL = """word => {
  const text = 'input[type=text], input[type=email], input[type=search], input[type=url]';
  for (const field of document.querySelectorAll(text + ', input:not([type]), textarea')) {
    field.value = word;
  }
  return document.documentElement.scrollWidth;
}"""


def test_every_page_of_a_plan_of_long_words_fits_a_small_screen(live_server, new_page):
    pid = _long_plan(live_server["app"])
    page = new_page(login=EMAIL, width=WIDTH)
    pages = _plan_pages(page, pid)
    assert len(pages) >= 8, pages
    too_wide = {}
    for path in pages:
        page.goto(path)
        if path == f"/parcours/{pid}":
            screenshot(page, "long-words-overview-360")
        width = page.evaluate("document.documentElement.scrollWidth")
        filled = page.evaluate(FILL, WORD)
        if width > WIDTH or filled > WIDTH:
            too_wide[path] = (width, filled)
    assert not too_wide, f"wider than {WIDTH} px (as shown, with its fields filled): {too_wide}"
