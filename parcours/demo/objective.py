"""Demo data: a version 2 of Thomas's goal, waiting for everyone's yes, that adds one line.

Runs last, when version 1 is in force (Thomas approved it in the timeline's demo): his
easy-read goal page shows what the new version changes, and asks for his yes again.
"""

from parcours.alliance.models import latest_version
from parcours.alliance.operations import approve_version, propose_version
from parcours.demo.people import DemoWorld

# Amina's worry (that he feels alone in a flat of his own), as one more indicator.
ADDED_INDICATOR = "Thomas sait qui appeler quand il a besoin d'aide chez lui"


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
