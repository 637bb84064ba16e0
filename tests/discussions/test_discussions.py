"""Discussions under the objective, a proposal and a hand-off: pages and API, who may write
and edit, the earlier texts kept, a reply or a mention as news for that member only, a former
member, "my data", a closed plan, and query counts that stay put as a thread grows."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from parcours.core.audit import AccessLogEntry
from parcours.core.models import TEXT_MAX, today
from parcours.discussions.models import Comment
from parcours.discussions.operations import write_comment
from parcours.extensions import db
from parcours.plans.models import Member, Parcours
from parcours.plans.operations import current_members, leave_parcours
from tests.factories import PASSWORD
from tests.means.factories import MeansFactory
from tests.test_page_queries import reads
from tests.timeline.conftest import TimelineFactory


def _m(member: Member) -> Member:
    return db.session.get(Member, member.id)


@pytest.fixture
def alliance(make):
    return MeansFactory(make).alliance()


def _url(member: Member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/comments"


def _write(make, author: Member, about="objective", text="Un message.", **kw) -> Comment:
    def build():
        me = _m(author)
        return write_comment(me, about, text=text, members=current_members(me.parcours_id), **kw)

    return make._run(build)


def _news(client, kind=None) -> list[dict]:
    items = client.get("/api/v1/me/inbox").json["items"]
    return [i for i in items if i["kind"] in (("reply", "mention") if kind is None else (kind,))]


# --- API -----------------------------------------------------------------------------------


def test_members_write_and_read_a_thread_oldest_first(api, alliance):
    pro, family = alliance["professional"], alliance["family"]
    writer = api(pro.user)
    first = writer.post(_url(pro), json={"about": "objective", "text": "  Qu'en pensez-vous ?  "})
    assert first.status_code == 201, first.json
    body = first.json
    assert body["text"] == "Qu'en pensez-vous ?" and body["about"] == "objective"
    assert body["author"]["id"] == pro.id and body["on_behalf_of"] is None
    assert body["revision"] == 0 and body["history"] == [] and body["reply_to"] is None
    reply = api(family.user).post(
        _url(pro),
        json={"about": "objective", "text": "D'accord.", "reply_to": body["id"]},
    )
    assert reply.status_code == 201 and reply.json["reply_to"] == body["id"]
    listed = writer.get(_url(pro), query_string={"about": "objective"})
    assert listed.status_code == 200
    assert [c["text"] for c in listed.json["comments"]] == ["Qu'en pensez-vous ?", "D'accord."]


def test_a_proposal_and_a_hand_off_have_their_own_threads(api, app, make, alliance):
    pro = alliance["professional"]
    means = MeansFactory(make).means(pro)
    tl = TimelineFactory(app)
    handoff = tl.handoff(
        pro,
        tl.episode(pro, start=-60, end=-5),
        proposed_on=-6,
        receiving_organisation="IME Les Tilleuls",
    )
    client = api(pro.user)
    for about in (f"means:{means.id}", f"handoff:{handoff.id}"):
        assert client.post(_url(pro), json={"about": about, "text": about}).status_code == 201
    assert [
        c["text"]
        for c in client.get(_url(pro), query_string={"about": f"means:{means.id}"}).json["comments"]
    ] == [f"means:{means.id}"]
    assert client.get(_url(pro), query_string={"about": "objective"}).json["comments"] == []


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"about": "nothing", "text": "x"}, "about", "unknown_about"),
        ({"about": "means:999999", "text": "x"}, "about", "unknown_about"),
        ({"about": "handoff:999999", "text": "x"}, "about", "unknown_about"),
        ({"about": "objective", "text": "   "}, "text", "missing_text"),
        ({"about": "objective", "text": ""}, "text", "invalid"),
        ({"about": "objective", "text": "x" * (TEXT_MAX + 1)}, "text", "invalid"),
        ({"about": "objective", "text": "x", "mentions": [999999]}, "mentions", "invalid_mention"),
        ({"about": "objective", "text": "x", "reply_to": 999999}, "reply_to", "invalid_reply_to"),
        ({"about": "objective"}, "text", "invalid"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, alliance, body, field, code):
    pro = alliance["professional"]
    response = api(pro.user).post(_url(pro), json=body)
    assert response.status_code == 422, response.json
    assert response.json["error"] == code
    assert field in response.json["fields"]


def test_a_reply_to_another_thread_and_a_mention_of_a_non_member_are_refused(api, make, alliance):
    pro = alliance["professional"]
    means = MeansFactory(make).means(pro)
    elsewhere = _write(make, pro, f"means:{means.id}")
    client = api(pro.user)
    reply = client.post(
        _url(pro), json={"about": "objective", "text": "x", "reply_to": elsewhere.id}
    )
    assert reply.status_code == 422 and reply.json["error"] == "invalid_reply_to"
    other = make.parcours()
    mention = client.post(
        _url(pro), json={"about": "objective", "text": "x", "mentions": [other.id]}
    )
    assert mention.status_code == 422 and "mentions" in mention.json["fields"]
    left = alliance["family"]
    make._run(lambda: leave_parcours(_m(left)))
    gone = client.post(_url(pro), json={"about": "objective", "text": "x", "mentions": [left.id]})
    assert gone.status_code == 422 and gone.json["error"] == "invalid_mention"


def test_only_the_author_edits_and_each_earlier_text_is_kept(api, make, alliance):
    pro, family = alliance["professional"], alliance["family"]
    comment = _write(make, pro, text="Premier texte.")
    url = f"{_url(pro)}/{comment.id}"
    client = api(pro.user)
    other = api(family.user).patch(url, json={"text": "Pas à moi.", "revision": 0})
    assert other.status_code == 403 and other.json["error"] == "not_author"
    first = client.patch(url, json={"text": "Deuxième texte.", "revision": 0})
    assert first.status_code == 200, first.json
    assert first.json["revision"] == 1 and first.json["edited_at"]
    second = client.patch(url, json={"text": "Troisième texte.", "revision": 1})
    assert [h["text"] for h in second.json["history"]] == ["Premier texte.", "Deuxième texte."]
    assert [h["revision"] for h in second.json["history"]] == [0, 1]
    listed = client.get(_url(pro), query_string={"about": "objective"}).json["comments"]
    assert listed[0]["text"] == "Troisième texte." and len(listed[0]["history"]) == 2


def test_a_stale_edit_is_refused_and_loses_nothing(api, make, alliance):
    pro = alliance["professional"]
    comment = _write(make, pro, text="Premier texte.")
    url = f"{_url(pro)}/{comment.id}"
    client = api(pro.user)
    assert (
        client.patch(url, json={"text": "Depuis un autre onglet.", "revision": 0}).status_code
        == 200
    )
    stale = client.patch(url, json={"text": "Depuis ce téléphone.", "revision": 0})
    assert stale.status_code == 409 and stale.json["error"] == "stale_version"
    assert stale.json["current"]["text"] == "Depuis un autre onglet."
    assert stale.json["current"]["revision"] == 1
    missing = client.patch(url, json={"text": "Sans révision."})
    assert missing.status_code == 428


def test_a_non_member_gets_a_404_everywhere(api, app, make, alliance, client, sign_in):
    pro = alliance["professional"]
    comment = _write(make, pro)
    stranger = make.user()
    outsider = api(stranger)
    assert outsider.get(_url(pro), query_string={"about": "objective"}).status_code == 404
    assert outsider.post(_url(pro), json={"about": "objective", "text": "x"}).status_code == 404
    patched = outsider.patch(f"{_url(pro)}/{comment.id}", json={"text": "x", "revision": 0})
    assert patched.status_code == 404
    sign_in(stranger)
    p = pro.parcours_id
    for url in (
        f"/parcours/{p}/discussions/objective",
        f"/parcours/{p}/comments/{comment.id}",
        f"/parcours/{p}/comments/{comment.id}/history",
        f"/parcours/{p}/comments/{comment.id}/edit",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/parcours/{p}/discussions/objective", data={"text": "x"}).status_code == 404
    )


def test_a_comment_of_another_plan_is_a_404(api, make, alliance):
    pro = alliance["professional"]
    mine = make.parcours()
    theirs = _write(make, pro)
    client = api(mine.user)
    response = client.patch(
        f"/api/v1/parcours/{mine.parcours_id}/comments/{theirs.id}",
        json={"text": "x", "revision": 0},
    )
    assert response.status_code == 404


def test_a_closed_plan_is_read_not_written(api, app, make, alliance):
    pro = alliance["professional"]
    comment = _write(make, pro, text="Avant la fermeture.")

    def close():
        parcours = db.session.get(Parcours, pro.parcours_id)
        parcours.closed_on = today() - timedelta(days=1)

    make._run(close)
    client = api(pro.user)
    listed = client.get(_url(pro), query_string={"about": "objective"})
    assert listed.status_code == 200 and listed.json["comments"][0]["text"] == "Avant la fermeture."
    written = client.post(_url(pro), json={"about": "objective", "text": "Après."})
    assert written.status_code == 409 and written.json["error"] == "plan_closed"
    assert "closed" in written.json["message"]
    edited = client.patch(f"{_url(pro)}/{comment.id}", json={"text": "Après.", "revision": 0})
    assert edited.status_code == 409 and edited.json["error"] == "plan_closed"


def test_the_idempotency_key_makes_one_comment(api, app, alliance):
    pro = alliance["professional"]
    client = api(pro.user)
    body = {"about": "objective", "text": "Une seule fois."}
    first = client.post(_url(pro), json=body, headers={"Idempotency-Key": "c-1"})
    again = client.post(_url(pro), json=body, headers={"Idempotency-Key": "c-1"})
    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 1


def test_on_behalf_of_the_person_says_so(api, alliance):
    pro, person, family = alliance["professional"], alliance["person"], alliance["family"]
    client = api(pro.user)
    written = client.post(
        _url(pro),
        json={"about": "objective", "text": "Je veux l'école.", "on_behalf_of": person.id},
    )
    assert written.status_code == 201
    assert (
        written.json["on_behalf_of"]["id"] == person.id and written.json["author"]["id"] == pro.id
    )
    refused = client.post(
        _url(pro), json={"about": "objective", "text": "x", "on_behalf_of": family.id}
    )
    assert refused.status_code == 422 and "on_behalf_of" in refused.json["fields"]


# --- News ----------------------------------------------------------------------------------


def test_a_reply_and_a_mention_are_news_for_that_member_only(api, make, alliance):
    pro, family, pilot, person = (
        alliance["professional"],
        alliance["family"],
        alliance["pilot"],
        alliance["person"],
    )
    question = _write(make, family, text="Une question.")
    before = {member: _news(api(m.user)) for member, m in alliance.items()}
    assert all(n == [] for n in before.values())
    answer = api(pro.user).post(
        _url(pro),
        json={
            "about": "objective",
            "text": "Une réponse.",
            "reply_to": question.id,
            "mentions": [pilot.id],
        },
    )
    assert answer.status_code == 201
    replied = _news(api(family.user))
    assert [n["kind"] for n in replied] == ["reply"]
    assert replied[0]["text"] == f"{pro.user.name} replied to your message in a discussion."
    assert replied[0]["url"] == f"/parcours/{pro.parcours_id}/comments/{answer.json['id']}"
    mentioned = _news(api(pilot.user))
    assert [n["kind"] for n in mentioned] == ["mention"]
    assert mentioned[0]["text"] == f"{pro.user.name} mentioned you in a discussion."
    assert _news(api(person.user)) == [] and _news(api(pro.user)) == []


def test_replying_to_oneself_or_mentioning_oneself_is_no_news(api, make, alliance):
    pro = alliance["professional"]
    mine = _write(make, pro)
    _write(make, pro, reply_to_id=mine.id, mention_ids=[pro.id])
    assert _news(api(pro.user)) == []


def test_a_reply_to_a_message_written_for_the_person_is_news_for_the_person(api, make, alliance):
    pro, person, family = alliance["professional"], alliance["person"], alliance["family"]
    for_person = _write(make, pro, on_behalf_of_id=person.id)
    _write(make, family, reply_to_id=for_person.id)
    assert [n["kind"] for n in _news(api(person.user))] == ["reply"]
    assert _news(api(pro.user)) == []


def test_the_news_link_opens_the_message_in_its_discussion(client, sign_in, make, alliance):
    pro, family = alliance["professional"], alliance["family"]
    question = _write(make, family, text="Une question.")
    answer = _write(make, pro, text="Une réponse.", reply_to_id=question.id)
    sign_in(family.user)
    opened = client.get(f"/parcours/{pro.parcours_id}/comments/{answer.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(
        f"/parcours/{pro.parcours_id}/discussions/objective#comment-{answer.id}"
    )
    inbox = client.get("/inbox").text
    assert f"{pro.user.name} replied to your message in a discussion." in inbox


def test_the_inbox_reads_as_much_with_many_replies_and_mentions(api, make, alliance, count_queries):
    family, pro, pilot = alliance["family"], alliance["professional"], alliance["pilot"]
    client = api(family.user)
    question = _write(make, family)
    _write(make, pro, reply_to_id=question.id, mention_ids=[family.id])
    client.get("/api/v1/me/inbox")
    with count_queries() as few:
        client.get("/api/v1/me/inbox")
    for n in range(6):
        _write(
            make,
            pilot if n % 2 else pro,
            text=f"R{n}",
            reply_to_id=question.id,
            mention_ids=[family.id],
        )
    with count_queries() as many:
        items = client.get("/api/v1/me/inbox").json["items"]
    assert many.count == few.count
    assert len([i for i in items if i["kind"] in ("reply", "mention")]) > 6


# --- Pages ---------------------------------------------------------------------------------


def _hidden(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no {name} field"
    return re.search(r'value="([^"]*)"', tag.group(0)).group(1)


def test_the_thread_page_writes_a_reply_with_a_mention_once(app, client, sign_in, make, alliance):
    pro, family, pilot = alliance["professional"], alliance["family"], alliance["pilot"]
    question = _write(make, family, text="Une question ?")
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/discussions/objective"
    page = client.get(url, query_string={"reply_to": question.id})
    assert page.status_code == 200
    assert "Une question ?" in page.text and "Discussion: The shared objective" in page.text
    assert f'<option selected value="{question.id}">' in page.text
    data = {
        "once": _hidden(page.text, "once"),
        "text": "Une réponse.",
        "reply_to": str(question.id),
        "mentions": [str(pilot.id)],
        "on_behalf_of": "0",
    }
    sent = client.post(url, data=data)
    assert sent.status_code == 302, sent.text
    again = client.post(url, data=data)
    assert again.status_code in (302, 303)
    shown = client.get(url).text
    assert "Une réponse." in shown and "in reply to" in shown
    assert f"Mentions: {pilot.user.name}" in shown
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 2


def test_the_thread_page_shows_the_errors_and_keeps_the_text(client, sign_in, alliance):
    pro = alliance["professional"]
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/discussions/objective"
    page = client.get(url)
    sent = client.post(url, data={"once": _hidden(page.text, "once"), "text": "   "})
    assert sent.status_code == 422
    assert "Please write your message." in sent.text


def test_an_unknown_subject_is_a_404_page(client, sign_in, alliance):
    pro = alliance["professional"]
    sign_in(pro.user)
    for about in ("nothing", "means:999999", "handoff:1x"):
        assert client.get(f"/parcours/{pro.parcours_id}/discussions/{about}").status_code == 404


def test_the_subject_pages_link_to_their_discussion_with_its_count(
    app, client, sign_in, make, alliance
):
    pro = alliance["professional"]
    means = MeansFactory(make).means(pro)
    tl = TimelineFactory(app)
    handoff = tl.handoff(
        pro,
        tl.episode(pro, start=-60, end=-5),
        proposed_on=-6,
        receiving_organisation="IME Les Tilleuls",
    )
    _write(make, pro)
    _write(make, pro)
    _write(make, pro, f"means:{means.id}")
    sign_in(pro.user)
    p = pro.parcours_id
    objective = client.get(f"/parcours/{p}/objective").text
    assert f'href="/parcours/{p}/discussions/objective"' in objective
    assert "Discussion: 2 messages" in objective
    proposal = client.get(f"/parcours/{p}/means/{means.id}").text
    assert f'href="/parcours/{p}/discussions/means:{means.id}"' in proposal
    assert "Discussion: 1 message" in proposal
    page = client.get(f"/parcours/{p}/timeline/handoffs/{handoff.id}").text
    assert f'href="/parcours/{p}/discussions/handoff:{handoff.id}"' in page
    assert "Discussion: no message yet" in page
    thread = client.get(f"/parcours/{p}/discussions/handoff:{handoff.id}")
    assert thread.status_code == 200 and "The hand-off from" in thread.text


def test_the_edit_page_keeps_the_earlier_text_and_refuses_a_stale_form(
    client, sign_in, make, alliance
):
    pro, family = alliance["professional"], alliance["family"]
    comment = _write(make, pro, text="Premier texte.")
    sign_in(pro.user)
    p = pro.parcours_id
    url = f"/parcours/{p}/comments/{comment.id}/edit"
    page = client.get(url)
    assert page.status_code == 200 and "Premier texte." in page.text
    saved = client.post(url, data={"text": "Deuxième texte.", "revision": "0"})
    assert saved.status_code == 302
    stale = client.post(url, data={"text": "Depuis un vieil onglet.", "revision": "0"})
    assert stale.status_code == 409
    assert "Depuis un vieil onglet." in stale.text and "Deuxième texte." in stale.text
    history = client.get(f"/parcours/{p}/comments/{comment.id}/history")
    assert history.status_code == 200
    assert "Premier texte." in history.text and "Deuxième texte." in history.text
    thread = client.get(f"/parcours/{p}/discussions/objective").text
    assert f"/parcours/{p}/comments/{comment.id}/history" in thread
    assert "Depuis un vieil onglet." not in thread
    sign_in(family.user)
    assert client.get(url).status_code == 403
    refused = client.post(url, data={"text": "Pas à moi.", "revision": "1"})
    assert refused.status_code == 403


def test_a_closed_plan_shows_its_discussion_without_the_form(client, sign_in, make, alliance):
    pro = alliance["professional"]
    mine = _write(make, pro, text="Avant la fermeture.")

    def close():
        db.session.get(Parcours, pro.parcours_id).closed_on = today()

    make._run(close)
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/discussions/objective"
    page = client.get(url)
    assert page.status_code == 200 and "Avant la fermeture." in page.text
    assert "This plan is closed" in page.text and 'name="text"' not in page.text
    refused = client.post(url, data={"text": "Après."})
    assert refused.status_code == 409 and "This plan is closed" in refused.text
    edit = client.get(f"/parcours/{pro.parcours_id}/comments/{mine.id}/edit")
    assert edit.status_code == 409 and "This plan is closed" in edit.text


def test_reading_and_writing_are_in_the_access_log(app, api, make, alliance):
    pro, family = alliance["professional"], alliance["family"]
    client = api(pro.user)
    question = _write(make, family)
    client.get(_url(pro), query_string={"about": "objective"})
    client.post(
        _url(pro),
        json={"about": "objective", "text": "x", "reply_to": question.id, "mentions": [family.id]},
    )
    with app.app_context():
        events = list(
            db.session.scalars(
                select(AccessLogEntry.event)
                .where(AccessLogEntry.parcours_id == pro.parcours_id)
                .order_by(AccessLogEntry.id)
            )
        )
    assert events[-3:] == ["comment.written", "discussion", "comment.reply"]
    # The mention of the member already replied to is one piece of news, not two.
    assert "comment.mention" not in events


def test_the_thread_reads_as_much_with_many_messages(app, client, sign_in, make, alliance):
    pro, family = alliance["professional"], alliance["family"]
    first = _write(make, family)
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/discussions/objective"
    client.get(url)

    def count():
        with reads(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = count()
    for n in range(8):
        _write(
            make,
            pro if n % 2 else family,
            text=f"M{n}",
            reply_to_id=first.id,
            mention_ids=[alliance["pilot"].id],
        )
    assert count() == few


# --- A former member, my data --------------------------------------------------------------


def test_a_closed_account_s_messages_stay_signed_a_former_member(
    app, api, client, sign_in, make, alliance
):
    pro, family = alliance["professional"], alliance["family"]
    name = family.user.name
    comment = _write(make, family, text="Mon message reste.")
    sign_in(family.user, on=app.test_client()).post("/account/close", data={"password": PASSWORD})
    listed = api(pro.user).get(_url(pro), query_string={"about": "objective"})
    assert listed.json["comments"][0]["text"] == "Mon message reste."
    assert listed.json["comments"][0]["author"]["name"] == "a former member"
    sign_in(pro.user)
    page = client.get(f"/parcours/{pro.parcours_id}/discussions/objective").text
    assert "Mon message reste." in page and "a former member" in page and name not in page
    with app.app_context():
        assert db.session.get(Comment, comment.id).author_id == family.id


def test_my_data_holds_my_messages_their_earlier_texts_and_where_i_am_mentioned(
    api, make, alliance
):
    pro, family, person = alliance["professional"], alliance["family"], alliance["person"]
    mine = _write(make, pro, text="Premier.")
    client = api(pro.user)
    client.patch(f"{_url(pro)}/{mine.id}", json={"text": "Second.", "revision": 0})
    for_person = _write(make, pro, text="Pour Léa.", on_behalf_of_id=person.id)
    theirs = _write(make, family, text="Je te cite.", mention_ids=[pro.id])
    _write(make, family, text="Rien à voir.")
    data = client.get("/api/v1/me/data").json
    comments = {c["id"]: c for c in data["comments"]}
    assert set(comments) == {mine.id, for_person.id, theirs.id}
    assert comments[mine.id]["your_part"] == ["author"]
    assert comments[theirs.id]["your_part"] == ["mentioned"]
    assert comments[theirs.id]["mention_ids"] == [pro.id]
    assert [r["text"] for r in data["comment_revisions"]] == ["Premier."]
    person_data = api(person.user).get("/api/v1/me/data").json
    assert [c["your_part"] for c in person_data["comments"]] == [["on_behalf_of"]]
