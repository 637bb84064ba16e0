"""My data: a user downloads everything the app holds about them (page and API)."""

import json

from sqlalchemy import select

from parcours.accounts.models import (
    ApiToken,
    LoginSession,
    PasswordReset,
    RecoveryCode,
    ResetKind,
    User,
)
from parcours.accounts.operations import enable_two_step
from parcours.accounts.password_reset import create_password_reset
from parcours.accounts.two_step import new_secret
from parcours.alliance.operations import save_voice
from parcours.core.audit import AccessLogEntry
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.plans.operations import create_reset_card, leave_parcours
from parcours.privacy.mydata import SECTIONS, covered_columns
from tests.accounts.test_two_step import code
from tests.timeline.conftest import TimelineFactory


def download(client) -> dict:
    response = client.get("/account/data")
    assert response.status_code == 200
    return response


def test_the_download_holds_a_text_of_each_kind_and_not_the_others_texts(
    app, client, sign_in, plan
):
    me = plan["me"]
    sign_in(me.user)
    response = download(client)
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="parcours-my-data-{today().isoformat()}.json"'
    )
    document = json.loads(response.get_data(as_text=True))
    for section in SECTIONS:
        assert document[section.key], f"nothing in {section.key}"
        for record in document[section.key]:
            assert record["parcours_id"] == me.parcours_id
            assert record["your_part"], section.key
    text = response.get_data(as_text=True)
    for mine in (
        "MINE-acknowledgement",
        "MINE-voice",
        "FOR-PERSON-voice",
        "Que Léa se développe bien.",  # the first objective version, written by me
        "MINE-disagreement",
        "MINE-means",
        "MINE-stance",
        "FOR-PERSON-stance",
        "MINE-decision",
        "MINE-commitment",
        "FAMILY-commitment",  # recorded by me for another member
        "MINE-review",
        "MINE-review-view",
        "MINE-episode",
        "MINE-handoff",
        "MINE-settings-change",
        "MINE-comment",
        "MINE-comment-before",  # the earlier text of my edited message
        "MENTIONS-ME-comment",  # a message that mentions me
    ):
        assert mine in text, mine
    assert "OTHERS-voice" not in text
    assert "OTHERS-comment" not in text
    assert "OTHERS-stance" not in text
    assert "OTHERS-objective" not in text
    assert document["account"]["email"] == me.user.email
    assert document["account"]["organisation"]
    [membership] = document["memberships"]
    assert membership | {"joined_at": None} == {
        "id": me.id,
        "parcours_id": me.parcours_id,
        "parcours_name": "Léa",
        "role": "professional",
        "organisation": me.organisation.name,
        "function": me.function,
        "is_pilot": True,
        "is_legal_representative": False,
        "joined_at": None,
        "left_at": None,
    }
    # The stance on behalf of the person says whose it is and who recorded it.
    on_behalf = next(s for s in document["stances"] if s["comment"] == "FOR-PERSON-stance")
    assert on_behalf["your_part"] == ["author"]
    assert document["people"][str(on_behalf["member_id"])] == plan["person"].name
    assert {e["event"] for e in document["access_log"]} >= {"parcours.created", "means.proposed"}


def test_the_download_holds_no_secret(app, client, sign_in, make, plan):
    me = plan["me"]
    secret = make.api_token(me.user)
    sign_in(me.user)
    text = download(client).get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, me.user.id)
        keys = db.session.scalars(select(LoginSession.key).where(LoginSession.user_id == user.id))
        digests = db.session.scalars(select(ApiToken.digest).where(ApiToken.user_id == user.id))
        for value in [user.password_hash, secret, *keys, *digests]:
            assert value not in text
    document = json.loads(text)
    assert "password" not in json.dumps(list(document["account"]))
    assert document["login_sessions"] and document["api_tokens"]
    assert set(document["api_tokens"][0]) == {
        "label",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    }
    assert set(document["login_sessions"][0]) == {
        "created_at",
        "last_seen_at",
        "expires_at",
        "stay_signed_in",
        "ended_at",
    }


def test_the_download_holds_no_second_factor_secret(app, client, sign_in, make, plan):
    me = plan["me"]
    secret = new_secret()
    with app.app_context():
        codes = enable_two_step(db.session.get(User, me.user.id), secret, code(secret))
        db.session.commit()
        digests = list(db.session.scalars(select(RecoveryCode.digest)))
    sign_in(me.user)
    text = download(client).get_data(as_text=True)
    for value in [secret, *codes, *digests]:
        assert value not in text
    document = json.loads(text)
    assert document["account"]["two_step_since"]
    assert len(document["recovery_codes"]) == 10
    assert set(document["recovery_codes"][0]) == {"created_at", "used_at"}
    assert [e["event"] for e in document["security_log"]] == ["two_step.enabled"]


def test_the_download_is_logged_in_each_plan(app, client, sign_in, make, plan):
    me = plan["me"]
    other = make.parcours(me.user)
    sign_in(me.user)
    download(client)
    with app.app_context():
        logged = db.session.scalars(
            select(AccessLogEntry.parcours_id).where(
                AccessLogEntry.user_id == me.user.id, AccessLogEntry.event == "my_data"
            )
        ).all()
    assert sorted(logged) == sorted([me.parcours_id, other.parcours_id])
    page = client.get(f"/parcours/{me.parcours_id}/log").get_data(as_text=True)
    assert "downloaded their personal data" in page


def test_the_api_gives_the_same_document(app, client, sign_in, api, plan):
    me = plan["me"]
    response = api(me.user).get("/api/v1/me/data")
    assert response.status_code == 200
    document = response.json
    sign_in(me.user)
    page = json.loads(download(client).get_data(as_text=True))
    for section in SECTIONS:
        assert document[section.key] == page[section.key]
    assert document["account"] == page["account"]
    assert document["memberships"] == page["memberships"]


def test_anonymous_visitors_get_nothing(client, api):
    assert client.get("/account/data").status_code == 302
    assert api().get("/api/v1/me/data").status_code == 401


def test_the_access_log_covers_the_membership_period_and_own_entries(app, client, sign_in, make):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    make.member(pro, Role.family)  # another member, to leave
    make.version(pro)  # by the professional, while the family member is a member

    def leave():
        leave_parcours(db.session.get(Member, family.id))

    make._run(leave)
    make.version(pro, text="Après")  # after the family member left
    sign_in(family.user)
    document = json.loads(download(client).get_data(as_text=True))
    events = [(e["event"], e["by_you"]) for e in document["access_log"]]
    assert ("parcours.created", False) not in events  # before they joined
    assert ("member.joined", True) in events
    assert ("objective.version", False) in events  # the version written during their time
    assert ("member.left", True) in events
    assert events.count(("objective.version", False)) == 1  # not the one after they left


def test_the_document_takes_a_fixed_number_of_queries(app, client, sign_in, make, count_queries):
    tl = TimelineFactory(app)

    def user_with(plans: int):
        user = make.user(professional=True)
        for _ in range(plans):
            member = make.parcours(user)
            make.member(member, Role.family)
            make.version(member)

            def voice(member=member):
                m = db.session.get(Member, member.id)
                save_voice(m, m, matters="x", hopes="", worries="", base_number=0)

            make._run(voice)
            episode = tl.episode(member, start=-50, end=-20)
            tl.handoff(member, episode, to_person_and_family=True)
        return user

    counts = []
    for plans in (1, 5):
        user = user_with(plans)
        sign_in(user)
        with count_queries() as counter:
            document = json.loads(download(client).get_data(as_text=True))
        assert len(document["memberships"]) == plans
        assert len(document["voices"]) == plans
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_every_column_pointing_at_a_member_or_a_user_is_in_the_document(app):
    """A new column referencing members or users must be added to privacy/mydata.py."""
    pointing = {
        (table.name, fk.parent.name)
        for table in db.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name in {"members", "users"}
    }
    assert pointing - covered_columns() == set(), "columns missing from the my-data document"
    assert covered_columns() - pointing == set(), "the document reads columns that are gone"


def test_a_past_membership_is_in_the_document(app, client, sign_in, make):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    make._run(lambda: leave_parcours(db.session.get(Member, family.id)))
    sign_in(family.user)
    [membership] = json.loads(download(client).get_data(as_text=True))["memberships"]
    assert membership["left_at"] is not None


def test_a_row_deleted_by_mistake_stays_in_my_data_with_who_when_and_why(
    api, client, sign_in, plan
):
    me, commitment = plan["me"], plan["commitment"]
    response = api(me.user).delete(
        f"/api/v1/parcours/{me.parcours_id}/commitments/{commitment.id}",
        json={"reason": "MINE-deletion"},
    )
    assert response.status_code == 204
    sign_in(me.user)
    document = json.loads(download(client).get_data(as_text=True))
    [row] = [c for c in document["commitments"] if c["id"] == commitment.id]
    assert (row["deleted_by_id"], row["deletion_reason"]) == (me.id, "MINE-deletion")
    assert row["deleted_at"]
    kinds = {c["kind"] for c in document["commitment_changes"]}
    assert kinds == {"rescheduled", "deleted"}


def test_the_password_resets_are_in_the_document_without_their_tokens(app, client, sign_in, plan):
    me, family = plan["me"], plan["family"]
    with app.app_context():
        _reset, card = create_reset_card(
            db.session.get(Member, me.id), db.session.get(Member, family.id)
        )
        _reset, link = create_password_reset(db.session.get(User, family.user.id), ResetKind.email)
        db.session.commit()
        digests = list(db.session.scalars(select(PasswordReset.digest)))
    assert client.post(f"/password-reset/{link}", data={"password": "a heron by the canal"})
    sign_in(family.user)
    text = download(client).get_data(as_text=True)
    for value in [card, link, *digests]:
        assert value not in text
    resets = json.loads(text)["password_resets"]
    assert [(r["kind"], bool(r["used_at"]), bool(r["replaced_at"])) for r in resets] == [
        ("card", False, True),  # the password set with the link ended the card
        ("email", True, False),
    ]
    assert set(resets[0]) == {"at", "kind", "expires_at", "used_at", "replaced_at"}
