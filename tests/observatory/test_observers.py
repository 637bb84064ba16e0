"""Observers: named by the CLI and the admins' pages, never members of a plan, and the
territory of organisations."""

import pytest

from parcours.accounts.models import ObserverScope, Organisation, find_organisation
from parcours.accounts.operations import set_territory
from parcours.core.errors import DomainError, Forbidden
from parcours.extensions import db
from parcours.observatory.operations import add_observer
from parcours.plans.models import Role
from parcours.plans.operations import accept_invitation, create_invitation, create_parcours


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize(
    ("written", "code"), [("37", "37"), ("2a", "2A"), (" 971 ", "971"), ("1", "01")]
)
def test_a_territory_is_a_departement_code(ctx, make, written, code):
    organisation = make.user(professional=True).organisation
    organisation = db.session.get(Organisation, organisation.id)
    set_territory(organisation, written)
    assert organisation.territory == code


@pytest.mark.parametrize("written", ["20", "96", "975", "Touraine", "3 7"])
def test_anything_else_is_refused_with_a_message(ctx, make, written):
    organisation = db.session.get(Organisation, make.user(professional=True).organisation.id)
    with pytest.raises(DomainError) as refused:
        set_territory(organisation, written)
    assert refused.value.code == "invalid_territory"
    assert "département" in refused.value.message


def test_the_cli_sets_a_territory_and_names_observers(app, make):
    pro = make.user(professional=True, organisation="IME Les Cèdres")
    observer = make.user("Nadia")
    result = _cli(app, "organisations", "territory", "ime les cèdres", "37")
    assert result.exit_code == 0, result.output
    assert "IME Les Cèdres: territory 37" in result.output
    assert _cli(app, "organisations", "territory", "IME Les Cèdres", "99").exit_code != 0

    result = _cli(app, "observers", "add", observer.email, "--territory", "37")
    assert result.exit_code == 0, result.output
    result = _cli(app, "observers", "add", observer.email, "--organisation", "IME Les Cèdres")
    assert result.exit_code == 0, result.output
    listed = _cli(app, "observers", "list").output
    assert f"{observer.email}\tterritory 37" in listed
    assert f"{observer.email}\torganisation IME Les Cèdres" in listed
    refused = _cli(app, "observers", "add", observer.email, "--territory", "37")
    assert refused.exit_code != 0 and "observe déjà ce périmètre" in refused.output
    neither = _cli(app, "observers", "add", observer.email)
    assert neither.exit_code != 0 and "soit une structure, soit un territoire" in neither.output

    result = _cli(app, "observers", "remove", observer.email, "--territory", "37")
    assert result.exit_code == 0, result.output
    listed = _cli(app, "observers", "list").output
    assert "territory 37" not in listed and "organisation IME Les Cèdres" in listed
    with app.app_context():
        assert find_organisation("IME Les Cèdres").territory == "37"
        assert pro.organisation_id == find_organisation("IME Les Cèdres").id


def test_a_member_of_a_plan_cannot_be_made_observer(app, make):
    member = make.parcours()
    result = _cli(app, "observers", "add", member.user.email, "--territory", "37")
    assert result.exit_code != 0
    assert "est membre d'un parcours" in result.output


def test_an_observer_cannot_create_a_plan_nor_accept_an_invitation(ctx, make, observer):
    user = db.session.get(type(observer), observer.id)
    with pytest.raises(Forbidden) as refused:
        create_parcours(user, person_name="Léa", role=Role.professional)
    assert refused.value.code == "observer_not_member"
    inviter = make.parcours()
    _invitation, token = create_invitation(
        db.session.get(type(inviter), inviter.id), role=Role.family
    )
    with pytest.raises(Forbidden) as refused:
        accept_invitation(token, user)
    assert refused.value.code == "observer_not_member"
    assert "observateur" in refused.value.message


def test_the_new_plan_page_refuses_an_observer_with_the_message(client, sign_in, observer):
    sign_in(observer)
    page = client.post("/parcours/new", data={"person_name": "Léa", "role": "family"})
    assert "An observer account cannot be a member of a plan" in page.text


def test_admins_name_and_remove_observers_on_their_pages(client, sign_in, make):
    admin = make.user("Admin")
    make._run(lambda: setattr(db.session.get(type(admin), admin.id), "is_admin", True))
    observer = make.user("Nadia Roux")
    make.user(professional=True, organisation="ESAT Le Val")
    sign_in(admin)
    page = client.get("/admin/observers")
    assert page.status_code == 200 and "No observer yet." in page.text
    page = client.post(
        "/admin/observers",
        data={"email": observer.email, "kind": "territory", "territory": "99"},
    )
    assert page.status_code == 422 and "is not a département code" in page.text
    page = client.post(
        "/admin/observers",
        data={"email": observer.email, "kind": "organisation", "organisation": "ESAT Le Val"},
        follow_redirects=True,
    )
    assert "The observer is named." in page.text
    assert "Nadia Roux" in page.text and "ESAT Le Val" in page.text
    with client.application.app_context():
        scope = db.session.scalar(db.select(ObserverScope))
    page = client.post(f"/admin/observers/{scope.id}/remove", follow_redirects=True)
    assert "The observer no longer sees these figures." in page.text
    assert "No observer yet." in page.text


def test_the_observers_page_is_the_admins_only(client, sign_in, make, observer):
    sign_in(observer)
    assert client.get("/admin/observers").status_code == 404
    assert client.post("/admin/observers/1/remove").status_code == 404


def test_the_admin_organisation_page_sets_the_territory(client, sign_in, make):
    admin = make.user("Admin")
    make._run(lambda: setattr(db.session.get(type(admin), admin.id), "is_admin", True))
    pro = make.user(professional=True, organisation="ESAT Le Val")
    sign_in(admin)
    url = f"/admin/organisations/{pro.organisation_id}"
    page = client.post(url, data={"name": "ESAT Le Val", "territory": "2B"}, follow_redirects=True)
    assert "The organisation is saved." in page.text
    assert "2B" in page.text
    page = client.post(url, data={"name": "ESAT Le Val", "territory": "Corse"})
    assert page.status_code == 422 and "is not a département code" in page.text


def test_add_observer_refuses_an_unknown_account(ctx):
    with pytest.raises(DomainError) as refused:
        add_observer("nobody@example.org", territory="37")
    assert refused.value.code == "user_not_found"


def test_renaming_without_the_territory_field_keeps_it(client, sign_in, make):
    admin = make.user("Admin")
    make._run(lambda: setattr(db.session.get(type(admin), admin.id), "is_admin", True))
    pro = make.user(professional=True, organisation="ESAT Le Val")
    make._run(lambda: set_territory(find_organisation("ESAT Le Val"), "37"))
    sign_in(admin)
    url = f"/admin/organisations/{pro.organisation_id}"
    assert client.post(url, data={"name": "ESAT Le Val (Tours)"}).status_code == 302
    with client.application.app_context():
        assert find_organisation("ESAT Le Val (Tours)").territory == "37"
