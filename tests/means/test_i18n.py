"""French for every string of the means package, and pages that read in French."""

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "parcours/means/translations/fr/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalogue():
    with CATALOGUE.open("rb") as po:
        return read_po(po)


def _used_strings() -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for folder in ("parcours/means", "templates/means"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [("**.py", "python"), ("**.html", "jinja2")], keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_string_used_is_in_the_catalogue():
    catalogue = {m.id for m in _catalogue() if m.id}
    assert _used_strings() - catalogue == set()


def test_every_string_has_a_french_translation_with_the_same_placeholders():
    for message in _catalogue():
        if not message.id:
            continue
        assert message.string, message.id
        assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), (
            message.id
        )
        assert not message.fuzzy, message.id


def test_the_compiled_catalogue_is_up_to_date():
    with CATALOGUE.with_suffix(".mo").open("rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    assert compiled == {m.id: m.string for m in _catalogue() if m.id}


def test_pages_read_in_french_by_default(app, sign_in, mk):
    members = mk.alliance()
    means = mk.means(members["family"])
    mk.stance(members["family"], means, "oppose", "Non")
    client = app.test_client()  # no language cookie: French
    sign_in(members["pilot"].user, on=client)
    pid = members["pilot"].parcours_id
    page = client.get(f"/parcours/{pid}/means")
    assert "Négocier les moyens" in page.text
    assert "Contre" in page.text
    assert "Pas encore de position" in page.text
    page = client.get(f"/parcours/{pid}/means/{means.id}")
    assert "La position de chacun" in page.text
    assert "Pas de décision sans la personne" in page.text
    response = client.post(
        f"/parcours/{pid}/means/{means.id}/decision",
        data={"decision-outcome": "adopted", "decision-rationale": "Oui"},
    )
    assert response.status_code == 409
    assert "doit donner sa position" in response.text
    assert "Moyens" in client.get(f"/parcours/{pid}/commitments").text
    assert "Mes engagements" in client.get("/commitments").text
    log = client.get(f"/parcours/{pid}/log")
    assert "a proposé le moyen «\u202fClasse ordinaire avec une AESH\u202f»" in log.text
    assert "a consulté les moyens" in log.text


def test_api_messages_follow_the_language(api, mk):
    members = mk.alliance(agreed=False)
    url = f"/api/v1/parcours/{members['family'].parcours_id}/means"
    body = {"title": "x", "description": "x", "carried_by": "x"}
    response = api(members["family"].user).post(url, json=body, headers={"Accept-Language": "fr"})
    assert response.status_code == 409
    assert "L'alliance passe d'abord" in response.json["message"]
