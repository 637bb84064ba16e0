"""French marks who it speaks of: each member's own choice (feminine, masculine, neutral) picks
the form of their role, of "legal representative" and of "the pilot"; not said, the neutral."""

from sqlalchemy import update

from parcours.accounts.models import FormOfAddress, User
from parcours.extensions import db
from parcours.plans.models import Role
from tests.helpers import english_client


def french(client):
    client.set_cookie("lang", "fr", domain="parcours.test")
    return client


def speaks_of(user, form):
    db.session.execute(update(User).where(User.id == user.id).values(form_of_address=form))
    db.session.commit()


def test_the_members_page_speaks_of_each_member_in_their_own_form(app, client, make, sign_in):
    pilot = make.pilot(make.parcours(person_name="Inès"))
    mother = make.member(pilot, Role.family, is_legal_representative=True)
    father = make.member(pilot, Role.family, is_legal_representative=True)
    colleague = make.member(pilot, Role.professional)
    speaks_of(pilot.user, FormOfAddress.feminine)
    speaks_of(mother.user, FormOfAddress.feminine)
    speaks_of(father.user, FormOfAddress.masculine)
    sign_in(colleague.user)
    french(client)

    page = client.get(f"/parcours/{pilot.parcours_id}/members").text
    assert "représentante légale" in page
    assert "représentant légal" in page
    assert "professionnelle" in page
    # The colleague said nothing: both forms, never one chosen for them.
    assert "professionnelle ou professionnel" in page
    assert f"La pilote est {pilot.user.name}" in page

    speaks_of(mother.user, None)
    page = client.get(f"/parcours/{pilot.parcours_id}/members").text
    assert "représentante ou représentant légal" in page


def test_one_chooses_how_to_be_spoken_of_on_the_account_page(app, client, make, sign_in):
    pilot = make.parcours(person_name="Inès")
    sign_in(pilot.user)
    french(client)
    form = client.get("/account").text
    assert 'name="form_of_address"' in form
    saved = client.post(
        "/account",
        data={
            "name": pilot.user.name,
            "locale": "fr",
            "easy_read": "default",
            "form_of_address": "masculine",
            "organisation": "Service",
            "function": pilot.user.function,
        },
    )
    assert saved.status_code == 302
    assert db.session.get(User, pilot.user.id).form_of_address is FormOfAddress.masculine
    handed = client.get(f"/parcours/{pilot.parcours_id}/members").text
    assert "professionnel" in handed and "professionnelle" not in handed

    wrong = client.post("/account", data={"name": pilot.user.name, "form_of_address": "other"})
    assert wrong.status_code == 422
    db.session.expire_all()
    assert db.session.get(User, pilot.user.id).form_of_address is FormOfAddress.masculine


def test_english_has_one_form(app, make, sign_in):
    pilot = make.pilot(make.parcours(person_name="Inès"))
    mother = make.member(pilot, Role.family, is_legal_representative=True)
    speaks_of(mother.user, FormOfAddress.feminine)
    english = english_client(app)
    sign_in(pilot.user, on=english)
    page = english.get(f"/parcours/{pilot.parcours_id}/members").text
    assert "legal representative" in page
    assert "représentante" not in page


def test_the_api_and_my_data_say_the_form_chosen(app, make, api):
    pilot = make.parcours(person_name="Inès")
    speaks_of(pilot.user, FormOfAddress.feminine)
    client = api(pilot.user)
    assert client.get("/api/v1/me").json["form_of_address"] == "feminine"
    assert client.get("/api/v1/me/data").json["account"]["form_of_address"] == "feminine"
