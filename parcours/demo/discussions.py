"""Demo data for the discussions: under Sophie's proposal (an ordinary class with an AESH),
she asks what the IME thinks now; Julien replies and mentions Claire, who has the AESH request
in hand; Sophie corrects her message (its first text is kept). Sophie finds the reply in "For
me", Claire the mention."""

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from parcours.core.models import today
from parcours.demo.people import DemoWorld
from parcours.discussions.operations import edit_comment, write_comment
from parcours.extensions import db
from parcours.means.models import Means
from parcours.plans.operations import current_members


def _days_ago(days: int, hour: int) -> datetime:
    return datetime.combine(today() - timedelta(days=days), time(hour), tzinfo=UTC)


def build(world: DemoWorld) -> None:
    """A short discussion under Sophie's proposal for Léo: a message, a reply, a mention."""
    sophie = world.member("leo", "sophie")
    julien = world.member("leo", "julien")
    claire = world.member("leo", "claire")
    ordinary = db.session.scalar(
        select(Means).where(Means.parcours_id == sophie.parcours_id, Means.author_id == sophie.id)
    )
    about = f"means:{ordinary.id}"
    members = current_members(sophie.parcours_id)
    question = write_comment(
        sophie,
        about,
        text="Léo va deux demi-journées dans sa classe depuis un mois : "
        "peut-on reparler d'y aller plus souvent ?",
        members=members,
    )
    answer = write_comment(
        julien,
        about,
        text="Oui, il y est à l'aise. Pour une journée de plus, il lui faut l'AESH : "
        "Claire, où en est la demande à la MDPH ?",
        members=members,
        reply_to_id=question.id,
        mention_ids=[claire.id],
    )
    db.session.flush()
    question.created_at = _days_ago(3, 18)
    answer.created_at = _days_ago(2, 9)
    edit_comment(
        sophie,
        question,
        text="Léo va deux demi-journées dans sa classe depuis un mois et il en parle tous "
        "les soirs : peut-on reparler d'y aller plus souvent ?",
        revision=question.revision,
    )
    question.edited_at = _days_ago(3, 19)
    db.session.flush()
