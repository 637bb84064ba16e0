"""What the observatory keeps: the facts of each plan its figures are drawn from."""

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from parcours.extensions import db


class ObservatoryFacts(db.Model):
    """What the figures need about one plan (its ruptures, hand-offs, decisions, commitments,
    voice and agreement), derived from its timeline, means and voices whatever the day they
    are read on, for one revision of the plan (observatory/facts.py). Derived data: no name,
    no text written in the plan; deleted with the plan."""

    __tablename__ = "observatory_facts"

    parcours_id: Mapped[int] = mapped_column(
        ForeignKey("parcours.id", ondelete="CASCADE"), primary_key=True
    )
    # The plan's revision (timeline/snapshots.py) the facts were computed for.
    computed_revision: Mapped[int] = mapped_column()
    facts: Mapped[dict] = mapped_column(JSON)
