"""Demo data of the statements: in Thomas's plan, Marc (the ESAT, his pilot) writes that the
sector lacks places in a SAVS to learn to live in a flat, Thomas signs it, and it goes to the
observatory of territory 37 without a name; Nadia (the MDPH analyst) answers, and Thomas reads
the answer on his easy-read page. Claire writes a second one, about the weekend's transport,
that waits for Thomas's signature (his easy-read page asks him to sign it)."""

from datetime import UTC, datetime, time, timedelta

from parcours.accounts.models import User
from parcours.core.models import today
from parcours.demo.people import DemoWorld
from parcours.extensions import db
from parcours.statements.operations import answer_statement, sign_statement, write_statement

NEED = (
    "Il manque des places de SAVS dans le secteur : on attend plus d'un an pour être "
    "accompagné à vivre dans son appartement."
)
WEEKEND = (
    "Le transport adapté du secteur ne roule pas le samedi : les travailleurs d'ESAT qui "
    "habitent en foyer ne peuvent pas aller seuls à leurs loisirs."
)
ANSWER = (
    "Merci : plusieurs plans nous disent la même chose. Douze places de SAVS ouvrent à Tours "
    "en septembre ; le SAVS Les Passerelles peut déposer la demande dès maintenant."
)


def _days_ago(days: int, hour: int) -> datetime:
    return datetime.combine(today() - timedelta(days=days), time(hour), tzinfo=UTC)


def build(world: DemoWorld) -> None:
    """One statement co-signed by Marc and Thomas, addressed to territory 37, answered; one
    written by Claire, waiting for Thomas's signature."""
    marc = world.member("thomas", "marc")
    thomas = world.member("thomas", "thomas")
    statement = write_statement(marc, NEED, territory="37")
    sign_statement(thomas, statement)
    nadia = db.session.get(User, world.users["observer"].id)
    [answered] = answer_statement(nadia, statement, ANSWER)
    db.session.flush()
    statement.created_at = _days_ago(12, 10)
    by_marc, by_thomas = statement.signatures
    by_marc.signed_at = statement.created_at
    by_thomas.signed_at = statement.sent_at = _days_ago(11, 15)
    answered.answers[0].created_at = _days_ago(2, 11)
    db.session.flush()
    waiting = write_statement(world.member("thomas", "claire"), WEEKEND, territory="37")
    db.session.flush()
    [by_claire] = waiting.signatures
    waiting.created_at = by_claire.signed_at = _days_ago(3, 9)
    db.session.flush()
