"""Demo data: the example of the seeds, built through the operations so the rules hold."""

from parcours.core.models import today
from parcours.demo import discussions, means, objective, observatory, statements, timeline
from parcours.demo.people import DemoWorld, build_leo, build_people, build_thomas
from parcours.timeline.snapshots import refresh_snapshots, stale_parcours


def load_demo() -> list[tuple[str, str, str]]:
    """Create the demo accounts and plans; returns (login, password, who) for each account."""
    world = DemoWorld()
    build_people(world)
    build_leo(world)
    build_thomas(world)
    means.build(world)
    timeline.build(world)
    objective.date_first_versions(world)
    objective.build(world)
    discussions.build(world)
    observatory.build(world)
    statements.build(world)
    # The caseloads computed, as the nightly job does: the flags found are the pilots' news.
    stale, revisions = stale_parcours(today())
    refresh_snapshots(stale, revisions, today())
    return world.logins
