"""What needs me: one list, across my plans, of what waits for me, derived from the state (it
clears itself once done), on the home page, its own page, the easy-read pages and the API; in
a fixed number of queries however many plans."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from parcours.accounts.models import User
from parcours.alliance.operations import approve_version, propose_version
from parcours.core.models import today
from parcours.demo import load_demo
from parcours.extensions import db
from parcours.inbox.news import NEWS_KINDS, news_for
from parcours.plans.models import Member, Role
from parcours.plans.operations import close_parcours, create_invitation, designate_pilot
from parcours.timeline.awaiting import (
    ANSWER_HANDOFF,
    APPROVE_OBJECTIVE,
    COMMITMENT_DUE,
    CONFIRM_CLOSING,
    GIVE_CONSENT,
    GIVE_STANCE,
)
from parcours.timeline.models import EpisodeKind
from parcours.timeline.snapshots import refresh_snapshots, stale_parcours
from tests.helpers import access_log_size
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory


def _kinds(client) -> list[str]:
    """The kinds of the things to do (the news apart)."""
    items = client.get("/api/v1/me/inbox").json["items"]
    return [item["kind"] for item in items if item["kind"] not in NEWS_KINDS]


def _m(member: Member) -> Member:
    return db.session.get(Member, member.id)


@pytest.fixture
def alliance(make):
    return MeansFactory(make).alliance()


def test_a_new_version_and_a_proposal_wait_for_me_then_leave_once_answered(api, make, alliance):
    mk = MeansFactory(make)
    family = api(alliance["family"].user)
    assert _kinds(family) == []
    version = make._run(
        lambda: propose_version(_m(alliance["professional"]), text="Un autre texte", base_number=1)
    )
    means = mk.means(alliance["professional"])
    items = family.get("/api/v1/me/inbox").json["items"]
    assert [i["kind"] for i in items if i["kind"] not in NEWS_KINDS] == [
        APPROVE_OBJECTIVE,
        GIVE_STANCE,
    ]
    approve, stance = items[:2]  # the things to do come first
    pid = alliance["family"].parcours_id
    assert approve["url"] == f"/parcours/{pid}/objective"
    assert stance["url"] == f"/parcours/{pid}/means/{means.id}"
    assert approve["text"] == "Version 2 of the shared objective waits for your approval."
    assert approve["parcours_id"] == pid and approve["read"] is False
    assert approve["id"] == f"approve_objective-{pid}-2"
    make._run(lambda: approve_version(_m(alliance["family"]), version.number))
    mk.stance(alliance["family"], means)
    assert _kinds(family) == []


def test_a_hand_off_waits_for_the_receiving_organisation_only(api, app, make, alliance):
    tl = TimelineFactory(app)
    ime = make.member(
        alliance["professional"],
        Role.professional,
        user=make.user(professional=True, organisation="IME Les Tilleuls"),
        organisation="IME Les Tilleuls",
    )
    first = tl.episode(alliance["professional"], start=-60, end=-5)
    handoff = tl.handoff(
        alliance["professional"], first, receiving_organisation="IME Les Tilleuls", proposed_on=-6
    )
    receiving = api(ime.user)
    assert ANSWER_HANDOFF in _kinds(receiving)
    assert ANSWER_HANDOFF not in _kinds(api(alliance["professional"].user))
    tl.answer(ime, handoff, "accepted")
    assert ANSWER_HANDOFF not in _kinds(receiving)


def test_my_commitments_wait_from_three_days_before_and_say_when_late(api, make, alliance):
    mk = MeansFactory(make)
    means = mk.adopted(alliance)
    family = alliance["family"]
    mk.commitment(alliance["pilot"], means, family, due_on=today() + timedelta(days=2))
    mk.commitment(alliance["pilot"], means, family, due_on=today() + timedelta(days=10))
    late = mk.commitment(alliance["pilot"], means, family, action="Écrire à la MDPH")
    mk.set_due(late, today() - timedelta(days=4))
    items = api(family.user).get("/api/v1/me/inbox").json["items"]
    due = [i for i in items if i["kind"] == COMMITMENT_DUE]
    assert len(due) == 2
    assert any("overdue" in i["text"] for i in due) and any("overdue" not in i["text"] for i in due)


def test_the_person_confirms_a_closing_and_gives_consent_from_their_list(api, make, alliance):
    person = api(alliance["person"].user)
    make._run(
        lambda: close_parcours(_m(alliance["pilot"]), today() + timedelta(days=7), "Fin du suivi.")
    )
    assert CONFIRM_CLOSING in _kinds(person)
    assert CONFIRM_CLOSING not in _kinds(api(alliance["family"].user))
    make._run(
        lambda: create_invitation(
            _m(alliance["pilot"]), role=Role.professional, organisation="SAVS Les Passerelles"
        )
    )
    items = person.get("/api/v1/me/inbox").json["items"]
    consent = next(i for i in items if i["kind"] == GIVE_CONSENT)
    assert consent["url"] == f"/parcours/{alliance['person'].parcours_id}/members"


def test_the_home_page_the_inbox_page_and_the_easy_read_page_list_it(
    client, sign_in, make, alliance
):
    MeansFactory(make).means(alliance["professional"])
    sign_in(alliance["family"].user)
    home = client.get("/").text
    assert "For me: 1 thing waits for you" in home
    assert "A proposal waits for your stance." in home
    page = client.get("/inbox").text
    assert "A proposal waits for your stance." in page
    assert '<span class="badge">1<span class="visually-hidden"> waiting</span></span>' in page
    sign_in(alliance["person"].user)
    easy = client.get(f"/easy/parcours/{alliance['person'].parcours_id}").text
    assert "thing waits for you" in easy and "Give your opinion on an idea." in easy
    assert f'href="/easy/parcours/{alliance["person"].parcours_id}/means/' in easy


def test_nothing_waits_and_the_page_says_so(client, sign_in, make):
    sign_in(make.parcours().user)
    assert "Nothing waits for you." in client.get("/inbox").text


def test_reading_the_inbox_is_logged_in_each_plan_it_shows(client, sign_in, make, alliance):
    MeansFactory(make).means(alliance["professional"])
    pid = alliance["family"].parcours_id
    with make.app.app_context():
        before = access_log_size(pid)
    sign_in(alliance["family"].user)
    client.get("/inbox")
    with make.app.app_context():
        assert access_log_size(pid) == before + 1


def test_the_inbox_reads_as_much_for_two_plans_as_for_twenty(api, make, count_queries):
    mk = MeansFactory(make)
    user = make.user()

    def plans(n):
        for _ in range(n):
            members = mk.alliance(person=False)
            member = make.member(members["professional"], Role.family, user=user)
            mk.means(members["professional"])
            assert member

    plans(2)
    client = api(user)
    client.get("/api/v1/me/inbox")
    with count_queries() as small:
        # In each plan: the objective (agreed before they joined) and the proposal.
        assert len(client.get("/api/v1/me/inbox").json["items"]) == 4
    plans(18)
    client.get("/api/v1/me/inbox")
    with count_queries() as large:
        assert len(client.get("/api/v1/me/inbox").json["items"]) == 40
    assert large.count == small.count


def test_a_visitor_is_asked_to_sign_in(client, app):
    assert client.get("/inbox").status_code == 302
    assert app.test_client().get("/api/v1/me/inbox").status_code == 401


def test_days_are_inclusive_of_the_third_day(api, make, alliance):
    mk = MeansFactory(make)
    means = mk.adopted(alliance)
    mk.commitment(alliance["pilot"], means, alliance["family"], due_on=today() + timedelta(days=3))
    assert _kinds(api(alliance["family"].user)) == [COMMITMENT_DUE]
    assert isinstance(today(), date)


def test_nothing_of_a_plan_waits_for_someone_outside_it(api, make, alliance):
    MeansFactory(make).means(alliance["professional"])
    outsider = make.parcours(person_name="Zoé").user
    items = api(outsider).get("/api/v1/me/inbox").json["items"]
    assert all(item["parcours_id"] != alliance["family"].parcours_id for item in items)


# --- News ----------------------------------------------------------------------------------


def test_news_say_who_joined_and_what_was_decided_unread_until_opened(
    api, client, sign_in, make, alliance
):
    mk = MeansFactory(make)
    family = alliance["family"]
    client_api = api(family.user)
    make.member(alliance["professional"], Role.professional)
    before = {i["id"] for i in client_api.get("/api/v1/me/inbox").json["items"]}
    newcomer = make.member(alliance["professional"], Role.professional)
    means = mk.adopted(alliance)
    items = client_api.get("/api/v1/me/inbox").json["items"]
    news = [i for i in items if i["kind"] in NEWS_KINDS and i["id"] not in before]
    assert [n["kind"] for n in news] == ["decision", "member_joined"]  # newest first
    assert news[1]["text"] == f"{newcomer.user.name} joined the plan."
    assert means.title in news[0]["text"] and all(n["read"] is False for n in news)
    sign_in(family.user)
    page = client.get("/inbox").text
    assert "unread" in page and f"{newcomer.user.name} joined the plan." in page
    opened = client.get(f"/inbox/news/{news[1]['id']}")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/parcours/{family.parcours_id}/members")
    read = {i["id"]: i["read"] for i in client_api.get("/api/v1/me/inbox").json["items"]}
    assert read[news[1]["id"]] is True and read[news[0]["id"]] is False
    assert client.post("/inbox/read", data={}).status_code == 302  # no CSRF in tests
    after = client_api.get("/api/v1/me/inbox").json["items"]
    assert all(item["read"] for item in after if item["kind"] in NEWS_KINDS)
    assert "Nothing new." not in client.get("/inbox").text


def test_my_own_changes_and_news_before_i_joined_are_not_news(api, make, alliance):
    newcomer = make.member(alliance["professional"], Role.family)
    items = api(newcomer.user).get("/api/v1/me/inbox").json["items"]
    # The others joined before them, and their own joining is not news to them.
    assert [i for i in items if i["kind"] in NEWS_KINDS] == []


def test_the_person_sees_a_legal_representative_named(api, make, alliance):
    """Issue 11, item 3: only the pilot names a legal representative, and the person sees
    it in their inbox."""
    pilot = alliance["pilot"]
    representative = make.member(pilot, Role.family, is_legal_representative=True)
    items = api(alliance["person"].user).get("/api/v1/me/inbox").json["items"]
    [named] = [i for i in items if i["kind"] == "legal_representative"]
    assert named["text"] == (
        f"{representative.user.name} joined as the legal representative of Léa."
    )


def test_marking_news_read_through_the_api(api, make, alliance):
    make.member(alliance["professional"], Role.professional)
    client = api(alliance["family"].user)
    items = client.get("/api/v1/me/inbox").json["items"]
    news = next(i for i in items if i["kind"] == "member_joined")
    marked = client.post("/api/v1/me/inbox/read", json={"ids": [news["id"], "news-999999"]})
    assert marked.status_code == 204
    again = {i["id"]: i["read"] for i in client.get("/api/v1/me/inbox").json["items"]}
    assert again[news["id"]] is True
    assert client.post("/api/v1/me/inbox/read", json={"ids": "x"}).status_code == 422


def test_a_news_item_of_someone_else_is_a_404(client, sign_in, make, alliance):
    make.member(alliance["professional"], Role.professional)
    sign_in(make.parcours(person_name="Zoé").user)
    assert client.get("/inbox/news/news-1").status_code == 404


def _flag_news(api, member) -> list[dict]:
    return [
        i for i in api(member.user).get("/api/v1/me/inbox").json["items"] if i["kind"] == "flag"
    ]


def test_a_new_flag_is_news_for_the_pilot_once(app, api, client, sign_in, make, alliance):
    """A flag found open for the first time (here when a caseload stores the snapshots) is
    news for the pilot of the plan, and for them only; it is not raised twice."""
    pilot, family = alliance["pilot"], alliance["family"]
    tl = TimelineFactory(app)
    episode = tl.episode(alliance["professional"], start=-100, end=-40)  # an ongoing rupture
    assert _flag_news(api, pilot) == []  # not found yet: no caseload has been computed
    sign_in(family.user)
    assert client.get("/caseload").status_code == 200  # stores the snapshots
    news = {f["text"]: f for f in _flag_news(api, pilot)}
    # The episode ended without a hand-off, and nobody has followed since.
    assert sorted(news) == [
        "A new check on the plan of Léa: Missing hand-off.",
        "A new check on the plan of Léa: Ongoing rupture.",
    ]
    flag = news["A new check on the plan of Léa: Ongoing rupture."]
    assert flag["url"].endswith(
        f"/parcours/{pilot.parcours_id}/timeline#flag-rupture-e{episode.id}"
    )
    assert flag["read"] is False
    assert _flag_news(api, family) == []  # the pilot's news only
    # Recomputed (a change, then the caseload again): the same flag is not news again.
    tl.episode(alliance["professional"], "IME Les Tilleuls", kind=EpisodeKind.ime, start=-10)
    client.get("/caseload")
    kinds = [f["text"] for f in _flag_news(api, pilot)]
    assert kinds.count(flag["text"]) == 1
    sign_in(pilot.user)
    opened = client.get(f"/inbox/news/{flag['id']}")
    assert opened.status_code == 302 and opened.headers["Location"] == flag["url"]
    assert next(f for f in _flag_news(api, pilot) if f["id"] == flag["id"])["read"] is True
    assert f'id="flag-rupture-e{episode.id}"' in client.get(flag["url"]).text


def test_a_flag_a_new_day_raises_is_news_once_the_snapshots_are_refreshed(app, api, make, alliance):
    """`flask timeline refresh` (and `notifications send`, before the digests) recompute the
    snapshots of the day: a rupture that a new day makes is the pilot's news."""
    tl = TimelineFactory(app)
    tl.episode(alliance["professional"], start=-100, end=-14)  # 14 days: not yet a rupture
    runner = app.test_cli_runner()
    assert runner.invoke(args=["timeline", "refresh"]).exit_code == 0
    before = {f["id"] for f in _flag_news(api, alliance["pilot"])}  # the missing hand-off
    with app.app_context():
        stale, revisions = stale_parcours(today() + timedelta(days=1))
        refresh_snapshots(stale, revisions, today() + timedelta(days=1))
        db.session.commit()
    news = [f["text"] for f in _flag_news(api, alliance["pilot"]) if f["id"] not in before]
    assert news == ["A new check on the plan of Léa: Ongoing rupture."]


def test_a_flag_raised_before_the_pilot_joined_is_not_their_news(app, api, make, alliance):
    tl = TimelineFactory(app)
    tl.episode(alliance["professional"], start=-100, end=-40)
    with app.app_context():
        stale, revisions = stale_parcours(today())
        refresh_snapshots(stale, revisions, today())
        db.session.commit()
    newcomer = make.member(alliance["pilot"], Role.professional)
    with app.app_context():
        designate_pilot(
            db.session.get(Member, alliance["pilot"].id), db.session.get(Member, newcomer.id)
        )
        db.session.commit()
    assert _flag_news(api, newcomer) == []


def test_in_the_demo_claire_hears_of_the_flags_on_leos_plan_she_pilots(app):
    """The demo computes the caseloads as the nightly job does: the open flags found are the
    pilots' news (Claire pilots Léo's plan, Marc Thomas's)."""
    with app.app_context():
        load_demo()
        db.session.commit()
        claire = db.session.scalar(select(User).where(User.email == "claire@demo.parcours.test"))
        with force_locale("en"):
            flags = sorted(n.text for n in news_for(claire) if n.kind == "flag")
    assert flags == [
        "A new check on the plan of Léo: Commitment overdue.",
        "A new check on the plan of Léo: Missing relais de sens.",
    ]


def test_the_news_go_straight_to_the_changes_past_the_reads(app, make, alliance):
    """A read is logged for every page seen: the news (changes) are found by the index of a
    plan's changes, not by going through its reads (whose number grows with every visit)."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM access_log_entries" in statement and "JOIN" in statement:
            captured.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            pytest.skip("the query plan is read with SQLite's EXPLAIN QUERY PLAN")
        event.listen(engine, "before_cursor_execute", capture)
        try:
            news_for(db.session.get(User, alliance["family"].user_id))
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        [(statement, parameters)] = captured
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters
        )
        details = " ".join(row[-1] for row in plan)
    assert "ix_access_log_entries_parcours_access_time" in details, details
