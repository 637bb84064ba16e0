"""Statements: who writes and signs, when one is sent, what the observer reads (no name, no
plan), grouping and answering, the answer back in the plan (page, API, easy-read, news), the
access log, "my data" and closing."""

import json

import pytest
from sqlalchemy import select

from parcours.accounts.models import User
from parcours.core.audit import AccessLogEntry
from parcours.core.errors import Conflict, DomainError, Forbidden
from parcours.core.models import TEXT_MAX
from parcours.extensions import db
from parcours.observatory.operations import add_observer
from parcours.plans.models import Member, Parcours, Role
from parcours.statements import operations
from parcours.statements.models import Side, Statement, StatementState
from parcours.timeline.awaiting import SIGN_STATEMENT, awaiting_for
from tests.factories import PASSWORD
from tests.helpers import english_client
from tests.statements.conftest import TEXT, loaded, sent, sign, write


def _events(parcours_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AccessLogEntry.event)
            .where(AccessLogEntry.parcours_id == parcours_id)
            .order_by(AccessLogEntry.id)
        )
    )


# The rules -----------------------------------------------------------------------------------


def test_writing_signs_and_the_other_side_sends(plan, make, ctx):
    statement = write(make, plan.members["person"])
    assert [s.side for s in statement.signatures] == [Side.person]
    assert statement.state is StatementState.awaiting_professional and not statement.is_sent
    statement = sign(make, plan.members["professional"], statement)
    assert statement.is_sent and statement.state is StatementState.sent
    events = _events(plan.id)
    assert events[-3:] == ["statement.written", "statement.signed", "statement.sent"]


def test_two_professionals_do_not_send_it(plan, make, ctx):
    from_pro = write(make, plan.members["professional"])
    other = make.member(plan.members["professional"], role=Role.professional)
    statement = sign(make, other, from_pro)
    assert not statement.is_sent
    assert statement.state is StatementState.awaiting_person


def test_the_legal_representative_signs_for_the_person(make, ctx):
    pro = make.pilot(make.parcours())
    representative = make.member(pro, Role.family, is_legal_representative=True)
    statement = write(make, representative)
    assert sign(make, pro, statement).is_sent


def test_a_family_member_who_does_not_speak_for_the_person_cannot_sign(plan, make, ctx):
    family = plan.members["family"]
    with pytest.raises(Forbidden) as refused:
        write(make, family)
    assert refused.value.code == "cannot_sign"
    statement = write(make, plan.members["professional"])
    with pytest.raises(Forbidden) as refused:
        sign(make, family, statement)
    assert refused.value.code == "cannot_sign"


def test_nobody_signs_twice(plan, make, ctx):
    statement = write(make, plan.members["professional"])
    with pytest.raises(Conflict) as refused:
        sign(make, plan.members["professional"], statement)
    assert refused.value.code == "already_signed"


@pytest.mark.parametrize(
    ("text", "to", "code"),
    [
        ("", {"territory": "37"}, "missing_text"),
        ("x" * (TEXT_MAX + 1), {"territory": "37"}, "text_too_long"),
        (TEXT, {"territory": "99"}, "invalid_territory"),
        (TEXT, {"organisation_id": 999999}, "unknown_organisation"),
        (TEXT, {"organisation_id": 1, "territory": "37"}, "statement_addressee"),
        (TEXT, {"territory": " "}, "statement_addressee"),
    ],
)
def test_what_a_statement_needs(plan, make, ctx, text, to, code):
    with pytest.raises(DomainError) as refused:
        write(make, plan.members["professional"], text, **to)
    assert refused.value.code == code


def test_a_closed_plan_writes_and_signs_no_statement(plan, make, api, ctx):
    statement = write(make, plan.members["professional"])

    def close():
        parcours = db.session.get(Parcours, plan.id)
        parcours.closed_on = parcours.created_at.date()

    make._run(close)
    person = api(plan.members["person"].user)
    answer = person.post(f"/api/v1/parcours/{plan.id}/statements/{statement.id}/signature")
    assert answer.status_code == 409 and answer.json["error"] == "plan_closed"
    answer = person.post(
        f"/api/v1/parcours/{plan.id}/statements", json={"text": "x", "territory": "37"}
    )
    assert answer.status_code == 409


# The plan's API --------------------------------------------------------------------------------


def test_the_api_writes_signs_and_lists(plan, api):
    pro, person = api(plan.members["professional"].user), api(plan.members["person"].user)
    written = pro.post(
        f"/api/v1/parcours/{plan.id}/statements",
        json={"text": TEXT, "organisation_id": plan.organisation_id},
    )
    assert written.status_code == 201
    assert written.json["state"] == "awaiting_person"
    assert written.json["addressed_to"]["organisation_id"] == plan.organisation_id
    sid = written.json["id"]
    signed = person.post(f"/api/v1/parcours/{plan.id}/statements/{sid}/signature")
    assert signed.status_code == 201 and signed.json["state"] == "sent"
    listed = person.get(f"/api/v1/parcours/{plan.id}/statements").json["statements"]
    assert [s["id"] for s in listed] == [sid]
    assert [s["side"] for s in listed[0]["signatures"]] == ["professional", "person"]
    assert listed[0]["answers"] == []


def test_the_api_names_the_field_refused(plan, api):
    pro = api(plan.members["professional"].user)
    answer = pro.post(f"/api/v1/parcours/{plan.id}/statements", json={"text": TEXT})
    assert answer.status_code == 422 and "organisation_id" in answer.json["fields"]
    answer = pro.post(
        f"/api/v1/parcours/{plan.id}/statements", json={"text": TEXT, "territory": "AB"}
    )
    assert answer.status_code == 422 and answer.json["error"] == "invalid_territory"


def test_another_plan_s_statement_is_a_404(plan, make, api):
    statement = write(make, plan.members["professional"])
    other = make.alliance()
    answer = api(other["person"].user).post(
        f"/api/v1/parcours/{other['person'].parcours_id}/statements/{statement.id}/signature"
    )
    assert answer.status_code == 404 and answer.json["error"] == "statement_not_found"


# The observer's view ---------------------------------------------------------------------------

OBSERVED_KEYS = {"id", "text", "addressed_to", "sent_on", "group", "answers"}


def test_the_observer_reads_sent_statements_without_names(plan, make, api, observer):
    statement = sent(make, plan)
    write(make, plan.members["professional"], "Pas encore signée par la personne.")
    answer = api(observer).get("/api/v1/observatory/statements?territory=37")
    assert answer.status_code == 200
    [seen] = answer.json["statements"]
    assert set(seen) == OBSERVED_KEYS
    assert seen["id"] == statement.id and seen["text"] == TEXT
    assert seen["addressed_to"] == {"territory": "37"}
    assert len(seen["sent_on"]) == 10  # a day, no time
    text = json.dumps(answer.json)
    for member in plan.members.values():
        assert member.user.name not in text
        assert member.user.email not in text
    assert "parcours" not in text and "member" not in text and "author" not in text
    # Without a parameter: every scope of theirs.
    assert api(observer).get("/api/v1/observatory/statements").json == answer.json


def test_a_territory_sees_its_organisations_and_an_organisation_only_its_own(
    plan, make, api, observer
):
    to_organisation = sent(make, plan, "À la structure.", organisation_id=plan.organisation_id)
    to_territory = sent(make, plan, "Au territoire.")
    seen = api(observer).get("/api/v1/observatory/statements?territory=37").json
    assert {s["id"] for s in seen["statements"]} == {to_organisation.id, to_territory.id}
    director = make.user("Director")
    organisation = db.session.get(Member, plan.members["professional"].id).organisation

    make._run(lambda: add_observer(director.email, organisation=organisation.name))
    seen = (
        api(director)
        .get(f"/api/v1/observatory/statements?organisation={plan.organisation_id}")
        .json
    )
    assert [s["id"] for s in seen["statements"]] == [to_organisation.id]
    refused = api(director).post(
        f"/api/v1/observatory/statements/{to_territory.id}/answer", json={"text": "Non"}
    )
    assert refused.status_code == 404


def test_outside_their_scopes_an_observer_gets_404(plan, make, api, observer, elsewhere):
    statement = sent(make, plan)
    assert api(elsewhere).get("/api/v1/observatory/statements?territory=75").json == {
        "statements": []
    }
    assert api(elsewhere).get("/api/v1/observatory/statements?territory=37").status_code == 404
    for path, body in (("answer", {"text": "Oui"}), ("group", {"with": None})):
        answer = api(elsewhere).post(
            f"/api/v1/observatory/statements/{statement.id}/{path}", json=body
        )
        assert answer.status_code == 404
    # Not sent yet: not there, for its own observer either.
    unsent = write(make, plan.members["professional"])
    answer = api(observer).post(
        f"/api/v1/observatory/statements/{unsent.id}/answer", json={"text": "Oui"}
    )
    assert answer.status_code == 404


@pytest.mark.parametrize("who", ["person", "professional", "stranger"])
def test_the_observer_routes_are_for_observers_only(plan, make, api, sign_in, who):
    statement = sent(make, plan)
    user = make.user(professional=True) if who == "stranger" else plan.members[who].user
    assert api(user).get("/api/v1/observatory/statements").status_code == 404
    answer = api(user).post(
        f"/api/v1/observatory/statements/{statement.id}/answer", json={"text": "x"}
    )
    assert answer.status_code == 404
    assert sign_in(user).get("/observatory/statements").status_code == 404
    assert api().get("/api/v1/observatory/statements").status_code == 401


def test_the_answer_comes_back_into_the_plan(app, plan, make, api, observer, sign_in, ctx):
    statement = sent(make, plan)
    answer = api(observer).post(
        f"/api/v1/observatory/statements/{statement.id}/answer",
        json={"text": "Un atelier ouvre en septembre."},
    )
    assert answer.status_code == 201
    [answered] = answer.json["statements"]
    assert answered["answers"][0]["text"] == "Un atelier ouvre en septembre."
    assert set(answered) == OBSERVED_KEYS
    listed = api(plan.members["family"].user).get(f"/api/v1/parcours/{plan.id}/statements")
    [mine] = listed.json["statements"]
    assert mine["state"] == "answered"
    assert mine["answers"][0]["text"] == "Un atelier ouvre en septembre."
    assert mine["answers"][0]["by"] == "Nadia Roux"
    assert "statement.answered" in _events(plan.id)
    # News for every member, in "For me".
    news = api(plan.members["family"].user).get("/api/v1/me/inbox").json["items"]
    assert any(item["kind"] == "statement_answer" for item in news)
    # The person reads it on their easy-read page.
    client = sign_in(plan.members["person"].user, on=english_client(app))
    page = client.get(f"/easy/parcours/{plan.id}")
    assert "The answer to what you said" in page.text
    assert "Un atelier ouvre en septembre." in page.text
    assert TEXT.replace("'", "&#39;") in page.text


def test_the_answer_goes_to_every_statement_of_the_group(plan, make, api, observer):
    first = sent(make, plan)
    other_plan = make.alliance()
    second = write(make, other_plan["professional"], "Pas d'atelier espaces verts.")
    second = sign(make, other_plan["person"], second)
    grouped = api(observer).post(
        f"/api/v1/observatory/statements/{second.id}/group", json={"with": first.id}
    )
    assert grouped.status_code == 200 and grouped.json["group"] == first.group
    answer = api(observer).post(
        f"/api/v1/observatory/statements/{first.id}/answer",
        json={"text": "Nous ouvrons un atelier."},
    )
    assert {s["id"] for s in answer.json["statements"]} == {first.id, second.id}
    theirs = api(other_plan["person"].user).get(
        f"/api/v1/parcours/{other_plan['person'].parcours_id}/statements"
    )
    assert theirs.json["statements"][0]["answers"][0]["text"] == "Nous ouvrons un atelier."


def test_grouping_and_ungrouping(plan, make, api, observer, ctx):
    a, b, c = (sent(make, plan, f"Texte {n}") for n in range(3))
    post = api(observer).post
    assert (
        post(f"/api/v1/observatory/statements/{b.id}/group", json={"with": a.id}).json["group"]
        == a.id
    )
    assert (
        post(f"/api/v1/observatory/statements/{c.id}/group", json={"with": b.id}).json["group"]
        == a.id
    )
    # The group's first leaves: the others stay together, under the next one.
    alone = post(f"/api/v1/observatory/statements/{a.id}/group", json={"with": None})
    assert alone.json["group"] == a.id
    groups = {
        s["id"]: s["group"]
        for s in api(observer).get("/api/v1/observatory/statements").json["statements"]
    }
    assert groups == {a.id: a.id, b.id: b.id, c.id: b.id}
    itself = post(f"/api/v1/observatory/statements/{b.id}/group", json={"with": b.id})
    assert itself.status_code == 422 and itself.json["error"] == "same_statement"
    missing = post(f"/api/v1/observatory/statements/{b.id}/group", json={"with": 999999})
    assert missing.status_code == 404
    assert post(f"/api/v1/observatory/statements/{b.id}/group", json={}).status_code == 422


def test_an_empty_answer_is_refused(plan, make, api, observer):
    statement = sent(make, plan)
    answer = api(observer).post(
        f"/api/v1/observatory/statements/{statement.id}/answer", json={"text": "   "}
    )
    assert answer.status_code == 422 and answer.json["error"] == "missing_text"


# Pages ---------------------------------------------------------------------------------------


def test_the_plan_s_page_writes_signs_and_shows_the_answer(app, plan, make, sign_in, observer):
    pro = sign_in(plan.members["professional"].user, on=english_client(app))
    page = pro.get(f"/parcours/{plan.id}/statements")
    assert page.status_code == 200 and "Write a statement" in page.text
    assert f'href="/parcours/{plan.id}/statements"' in page.text  # in the plan's tabs
    written = pro.post(
        f"/parcours/{plan.id}/statements",
        data={"text": TEXT, "to": "territory", "territory": "37"},
    )
    assert written.status_code == 302
    page = pro.get(f"/parcours/{plan.id}/statements")
    assert "waiting for the person's signature" in page.text
    assert "Sign this statement" not in page.text
    refused = pro.post(
        f"/parcours/{plan.id}/statements", data={"text": "", "to": "territory", "territory": "37"}
    )
    assert refused.status_code == 422 and "Please write the statement." in refused.text
    [statement] = operations_statements(app, plan.id)
    person = sign_in(plan.members["person"].user, on=english_client(app))
    assert "Sign this statement" in person.get(f"/parcours/{plan.id}/statements").text
    signed = person.post(f"/parcours/{plan.id}/statements/{statement.id}/signature", data={})
    assert signed.status_code == 302
    assert "sent, waiting for an answer" in person.get(f"/parcours/{plan.id}/statements").text
    watcher = sign_in(observer, on=english_client(app))
    assert (
        "Read the statements sent to territory 37" in watcher.get("/observatory?territory=37").text
    )
    seen = watcher.get("/observatory/statements?territory=37")
    assert seen.status_code == 200 and "Statements sent to territory 37" in seen.text
    for member in plan.members.values():
        assert member.user.name not in seen.text
    assert f"/parcours/{plan.id}" not in seen.text
    done = watcher.post(
        f"/observatory/statements/{statement.id}/answer?territory=37", data={"text": "Merci."}
    )
    assert done.status_code == 302 and "/observatory/statements?territory=37" in done.location
    page = person.get(f"/parcours/{plan.id}/statements")
    assert "The answer of Nadia Roux" in page.text and "Merci." in page.text


def operations_statements(app, parcours_id):
    with app.app_context():
        return operations.statements_of_plan(parcours_id)


def test_the_observer_groups_from_the_page(app, plan, make, sign_in, observer, ctx):
    a, b = sent(make, plan, "Un"), sent(make, plan, "Deux")
    watcher = sign_in(observer, on=english_client(app))
    done = watcher.post(
        f"/observatory/statements/{b.id}/group?territory=37", data={"with": str(a.id)}
    )
    assert done.status_code == 302
    page = watcher.get("/observatory/statements?territory=37")
    assert "2 statements that say the same thing" in page.text
    watcher.post(f"/observatory/statements/{b.id}/group?territory=37", data={"with": "0"})
    assert db.session.get(Statement, b.id).group_id is None


def test_the_pages_queries_do_not_grow_with_the_statements(
    app, plan, make, sign_in, observer, count_queries
):
    person = sign_in(plan.members["person"].user)
    watcher = sign_in(observer, on=app.test_client())
    sent(make, plan)
    person.get(f"/parcours/{plan.id}/statements")  # the sign-in's first request notes the time
    watcher.get("/observatory/statements?territory=37")
    counts = []
    for _ in range(2):
        with count_queries() as plan_page:
            assert person.get(f"/parcours/{plan.id}/statements").status_code == 200
        with count_queries() as observer_page:
            assert watcher.get("/observatory/statements?territory=37").status_code == 200
        counts.append((plan_page.count, observer_page.count))
        for n in range(3):
            sent(make, plan, f"Encore {n}")
    assert counts[0] == counts[1]


# The easy-read page: the person signs there ----------------------------------------------------


def _easy(app, sign_in, member):
    return sign_in(member.user, on=english_client(app))


def test_the_person_signs_from_the_easy_page_and_it_is_sent(app, plan, make, sign_in, observer):
    statement = write(make, plan.members["professional"])
    card = f'id="sign-statement-{statement.id}"'
    url = f"/easy/parcours/{plan.id}"
    person = _easy(app, sign_in, plan.members["person"])
    page = person.get(url).text
    assert card in page and "Do you want to sign this text?" in page
    assert f"{plan.members['professional'].user.name} wrote:" in page
    assert TEXT.replace("'", "&#39;") in page and "This text goes to territory 37." in page
    assert "Yes, I sign" in page and "Not now" in page
    # "For me" on the easy page leads to the card, not to the standard page.
    assert f'href="{url}#sign-statement-{statement.id}"' in page
    # The other members see no card: the family member does not sign, the professional did.
    for role in ("family", "professional"):
        assert card not in _easy(app, sign_in, plan.members[role]).get(url).text
    signature = f"{url}/statements/{statement.id}/signature"
    later = person.post(signature, data={"answer": "later"}, follow_redirects=True)
    assert "OK. You can sign it later." in later.text and card in later.text
    assert loaded(make, statement.id).sides_signed == {Side.professional}
    unclear = person.post(signature, data={}, follow_redirects=True)
    assert "Please press one of the two buttons." in unclear.text
    signed = person.post(signature, data={"answer": "yes"}, follow_redirects=True)
    assert "Thank you. You signed. It is sent to territory 37." in signed.text
    assert card not in signed.text
    assert loaded(make, statement.id).is_sent
    with app.app_context():
        said = [e for e in _events(plan.id) if e.startswith("statement.")]
    assert said == ["statement.written", "statement.signed", "statement.sent"]
    # Twice: said in plain words, nothing changes.
    again = person.post(signature, data={"answer": "yes"}, follow_redirects=True)
    assert again.status_code == 200 and "You have already signed it. Thank you." in again.text
    # The observer of the territory reads it.
    seen = sign_in(observer, on=english_client(app)).get("/observatory/statements?territory=37")
    assert TEXT.replace("'", "&#39;") in seen.text


def test_the_legal_representative_signs_from_the_easy_page(app, make, sign_in):
    pro = make.pilot(make.parcours())
    representative = make.member(pro, Role.family, is_legal_representative=True)
    statement = write(make, pro)
    client = _easy(app, sign_in, representative)
    url = f"/easy/parcours/{pro.parcours_id}"
    assert f'id="sign-statement-{statement.id}"' in client.get(url).text
    signed = client.post(
        f"{url}/statements/{statement.id}/signature", data={"answer": "yes"}, follow_redirects=True
    )
    assert "Thank you. You signed." in signed.text and loaded(make, statement.id).is_sent


def test_a_family_member_who_does_not_speak_for_the_person_cannot_sign_from_the_easy_page(
    app, plan, make, sign_in
):
    statement = write(make, plan.members["professional"])
    family = _easy(app, sign_in, plan.members["family"])
    refused = family.post(
        f"/easy/parcours/{plan.id}/statements/{statement.id}/signature", data={"answer": "yes"}
    )
    assert refused.status_code == 403
    assert "Only the person, or the one who speaks for them, can sign here." in refused.text
    assert loaded(make, statement.id).sides_signed == {Side.professional}


def test_a_closed_plan_says_so_on_the_easy_page(app, plan, make, sign_in):
    statement = write(make, plan.members["professional"])

    def close():
        parcours = db.session.get(Parcours, plan.id)
        parcours.closed_on = parcours.created_at.date()

    make._run(close)
    person = _easy(app, sign_in, plan.members["person"])
    refused = person.post(
        f"/easy/parcours/{plan.id}/statements/{statement.id}/signature",
        data={"answer": "yes"},
        follow_redirects=True,
    )
    assert "Your plan is closed. Nobody can sign now." in refused.text
    assert not loaded(make, statement.id).is_sent


def test_a_statement_of_another_plan_is_not_found_from_the_easy_page(app, plan, make, sign_in):
    other = make.alliance()
    statement = write(make, other["professional"])
    person = _easy(app, sign_in, plan.members["person"])
    missing = person.post(
        f"/easy/parcours/{plan.id}/statements/{statement.id}/signature", data={"answer": "yes"}
    )
    assert missing.status_code == 404
    assert not loaded(make, statement.id).is_sent


def test_the_easy_page_s_queries_do_not_grow_with_the_statements_to_sign(
    app, plan, make, sign_in, count_queries
):
    person = sign_in(plan.members["person"].user)
    url = f"/easy/parcours/{plan.id}"
    person.get(url)  # the sign-in's first request notes the time

    def counted() -> int:
        with count_queries() as page:
            assert person.get(url).status_code == 200
        return page.count

    none = counted()
    write(make, plan.members["professional"])
    one = counted()
    for n in range(3):
        write(make, plan.members["professional"], f"Encore {n}")
    four = counted()
    # Nothing to sign: no query for the cards; any number: one.
    assert one == none + 1 and four == one


# "For me" ------------------------------------------------------------------------------------


def test_the_missing_side_sees_it_in_for_me(plan, make, ctx):
    statement = write(make, plan.members["professional"])
    today = statement.created_at.date()

    def kinds(role):
        user = db.session.get(User, plan.members[role].user_id)
        return [i.kind for i in awaiting_for(user, today) if i.parcours_id == plan.id]

    assert SIGN_STATEMENT in kinds("person")
    assert SIGN_STATEMENT not in kinds("family") and SIGN_STATEMENT not in kinds("professional")
    sign(make, plan.members["person"], statement)
    db.session.expire_all()
    assert SIGN_STATEMENT not in kinds("person")


# My data and closing ---------------------------------------------------------------------------


def test_my_data_holds_what_i_wrote_signed_and_answered(plan, make, api, observer):
    statement = sent(make, plan)
    api(observer).post(
        f"/api/v1/observatory/statements/{statement.id}/answer", json={"text": "Merci."}
    )
    pro = api(plan.members["professional"].user).get("/api/v1/me/data").json
    [written] = pro["statements"]
    assert written["text"] == TEXT and written["your_part"] == ["author"]
    assert written["answers"][0]["text"] == "Merci."
    person = api(plan.members["person"].user).get("/api/v1/me/data").json
    assert [s["text"] for s in person["statement_signatures"]] == [TEXT]
    assert person["statements"] == []
    mine = api(observer).get("/api/v1/me/data").json
    [given] = mine["statements_answered"]
    assert given == {
        "statement_id": statement.id,
        "statement": TEXT,
        "text": "Merci.",
        "answered_at": given["answered_at"],
    }
    assert mine["access_log"] == [] and mine["memberships"] == []


def test_a_sent_statement_stays_anonymous_upstream_when_its_plan_is_deleted(
    make, api, observer, ctx
):
    """The last member closes their account: the plan is deleted, its statements not sent go
    with it, the sent ones stay with the observer, detached."""
    pro = make.parcours()
    person = make.member(pro, Role.person)
    kept = write(make, pro, "Envoyée.")
    kept = sign(make, person, kept)
    dropped = write(make, pro, "Jamais envoyée.")
    assert api(person.user).delete("/api/v1/me", json={"password": PASSWORD}).status_code == 204
    assert api(pro.user).delete("/api/v1/me", json={"password": PASSWORD}).status_code == 204
    assert db.session.get(Parcours, pro.parcours_id) is None
    assert db.session.get(Statement, dropped.id) is None
    statement = db.session.get(Statement, kept.id)
    assert (statement.parcours_id, statement.author_id) == (None, None)
    seen = api(observer).get("/api/v1/observatory/statements").json["statements"]
    assert [s["text"] for s in seen] == ["Envoyée."]
    answer = api(observer).post(
        f"/api/v1/observatory/statements/{kept.id}/answer", json={"text": "Reçu."}
    )
    assert answer.status_code == 201


def test_a_member_who_closes_their_account_stays_a_former_signer(plan, make, api, ctx):
    statement = sent(make, plan)
    family_pro = plan.members["person"]
    assert api(family_pro.user).delete("/api/v1/me", json={"password": PASSWORD}).status_code == 204
    listed = api(plan.members["professional"].user).get(f"/api/v1/parcours/{plan.id}/statements")
    [kept] = listed.json["statements"]
    assert kept["id"] == statement.id and kept["state"] == "sent"
    assert [s["side"] for s in kept["signatures"]] == ["professional", "person"]
    assert family_pro.user.name not in json.dumps(listed.json)
