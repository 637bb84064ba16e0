"""The demo: Léo's three months on a waiting list, Thomas's well-relayed move to the ESAT."""

from parcours.alliance.models import version_in_force
from parcours.core.models import today
from parcours.demo import timeline as demo
from parcours.demo.people import DemoWorld, build_leo, build_people, build_thomas
from parcours.extensions import db
from parcours.plans.consent import consents_of, pending_consents_for
from parcours.timeline.checks import FlagKind
from parcours.timeline.inputs import flags_for
from parcours.timeline.snapshots import caseload


def test_the_demo_tells_the_story(app, client, sign_in):
    with app.app_context():
        world = DemoWorld()
        build_people(world)
        build_leo(world)
        build_thomas(world)
        demo.build(world)
        db.session.commit()
        leo = world.member("leo", "claire").parcours_id
        thomas = world.member("thomas", "claire").parcours_id
        flags = flags_for([leo, thomas])
        relais, rupture = flags[leo]  # the rupture has ended, and Claire answered it: last
        assert rupture.kind is FlagKind.RUPTURE
        assert rupture.acknowledged is not None and rupture.acknowledged.by == "Claire Dubois"
        assert relais.is_open
        assert 85 <= rupture.days <= 95  # about three months on a waiting list
        assert relais.kind is FlagKind.MISSING_RELAIS_DE_SENS
        assert relais.missing == ("meaning_note",)  # Julien (IME) approved the objective
        # Thomas confirmed he took part in his move to the ESAT, not yet in the foyer's.
        [foyer] = flags[thomas]
        assert (foyer.kind, foyer.missing) == (FlagKind.MISSING_RELAIS_DE_SENS, ("person",))
        assert version_in_force(thomas) is not None  # Thomas approved it in the builder
        claire = world.users["claire"]
        entries = caseload(claire, today())
        db.session.commit()
        assert [e.person_name for e in entries] == ["Léo", "Thomas"]
        assert (entries[0].counts, entries[0].answered) == ({"missing_relais_de_sens": 1}, 1)
        assert entries[0].current_services == ("IME Les Tilleuls, unité d'enseignement",)
        assert entries[1].current_services == ("ESAT Les Ateliers du Val, atelier espaces verts",)
        db.session.refresh(claire)  # still usable once the context ends
        # One question waits for Thomas; the services already in his plan have his consent.
        [waiting] = pending_consents_for(world.users["thomas"])
        assert waiting.organisation.name == "SAVS Les Passerelles"
        given = {c.organisation.name for c in consents_of(thomas) if c.is_given}
        assert given == {"ESAT Les Ateliers du Val", "IME Les Tilleuls", "Foyer Les Glycines"}

    sign_in(claire)
    page = client.get("/caseload")
    assert page.text.index(">Léo</a>") < page.text.index(">Thomas</a>")
    page = client.get(f"/parcours/{thomas}/timeline")
    assert "Shared objective passed on: yes" in page.text
    assert "Declared by Claire Dubois, not yet confirmed by Thomas." in page.text
    assert "Declared by Claire Dubois, confirmed by Thomas" in page.text
    page = client.get(f"/parcours/{leo}/timeline")
    assert "Write the meaning note for this hand-off." in page.text
