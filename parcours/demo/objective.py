"""Demo data: a version 2 of Thomas's goal, waiting for everyone's yes, that adds one line.

Runs last, when version 1 is in force (Thomas approved it in the timeline's demo): his
easy-read goal page shows what the new version changes, and asks for his yes again.
"""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from parcours.alliance.models import Voice, latest_version
from parcours.alliance.operations import approve_version, propose_version
from parcours.core.models import today
from parcours.demo.people import DemoWorld
from parcours.extensions import db

# Amina's worry (that he feels alone in a flat of his own), as one more indicator.
ADDED_INDICATOR = "Thomas sait qui appeler quand il a besoin d'aide chez lui"


def date_first_versions(world: DemoWorld) -> None:
    """Objective first: each plan's first version, its approvals and the points of view it
    came from are dated before the proposals and the hand-offs that rest on it (the
    operations stamped them with now)."""
    for plan, days in (("leo", 170), ("thomas", 430)):
        member = world.member(plan, "claire")
        version = latest_version(member.parcours_id)
        at = datetime.combine(today() - timedelta(days=days), time(10), tzinfo=UTC)
        version.created_at = at
        if version.agreed_at is not None:
            version.agreed_at = at + timedelta(days=2)
        for approval in version.approvals:
            approval.created_at = at + timedelta(days=1)
        for voice in db.session.scalars(
            select(Voice).where(Voice.parcours_id == member.parcours_id)
        ):
            voice.created_at = at - timedelta(days=7)
    db.session.flush()


def build(world: DemoWorld) -> None:
    """Amina proposes version 2 of Thomas's goal, version 1 and one more indicator, and
    says yes to it."""
    amina = world.member("thomas", "amina")
    in_force = latest_version(amina.parcours_id)
    version = propose_version(
        amina,
        text=in_force.text,
        perimeter_in=in_force.perimeter_in,
        perimeter_out=in_force.perimeter_out,
        indicators=f"{in_force.indicators}\n{ADDED_INDICATOR}",
        base_number=in_force.number,
    )
    approve_version(amina, version.number)
