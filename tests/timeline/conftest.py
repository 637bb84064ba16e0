"""Fixtures of the timeline tests: episodes and hand-offs built through the operations."""

from datetime import date, timedelta

import pytest

from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member
from parcours.plans.operations import designate_pilot
from parcours.timeline import operations
from parcours.timeline.models import EpisodeKind
from tests.factories import Factory


class TimelineFactory:
    """tl.episode(member, ...), tl.handoff(member, ...), each committed in its own context."""

    def __init__(self, app):
        self.app = app
        self._run = Factory(app)._run

    def episode(
        self,
        by: Member,
        organisation: str | None = "SESSAD Les Mouettes",
        *,
        kind: EpisodeKind = EpisodeKind.sessad,
        start: date | int = -200,
        end: date | int | None = None,
        **fields,
    ):
        """An episode; `start` and `end` may be days relative to today."""
        start, end = self.day(start), self.day(end)
        if kind is EpisodeKind.pause:
            organisation = None
            fields.setdefault("person_agreed", True)
        return self._run(
            lambda: operations.add_episode(
                db.session.get(Member, by.id),
                kind=kind,
                organisation=organisation,
                start_date=start,
                end_date=end,
                **fields,
            )
        )

    def handoff(self, by: Member, from_episode, **fields):
        if isinstance(fields.get("proposed_on"), int):
            fields["proposed_on"] = self.day(fields["proposed_on"])
        if "to_episode" in fields:
            fields["to_episode_id"] = fields.pop("to_episode").id
        return self._run(
            lambda: operations.propose_handoff(
                db.session.get(Member, by.id), from_episode_id=from_episode.id, **fields
            )
        )

    def answer(self, by: Member, handoff, status: str, **fields):
        from parcours.timeline.models import HandoffStatus

        def build():
            h = operations.handoff_of(by.parcours_id, handoff.id)
            operations.change_status(
                db.session.get(Member, by.id), h, HandoffStatus(status), **fields
            )

        return self._run(build)

    def confirm(self, by: Member, record, confirmed: bool = True):
        """The person (or their legal representative) answers for a hand-off or a pause."""

        def build():
            me = db.session.get(Member, by.id)
            if hasattr(record, "from_episode_id"):
                h = operations.handoff_of(by.parcours_id, record.id)
                return operations.confirm_person_involved(me, h, confirmed)
            episode = operations.episode_of(by.parcours_id, record.id)
            return operations.confirm_pause(me, episode, confirmed)

        return self._run(build)

    def pilot(self, member: Member) -> Member:
        """Make `member` the pilot of their plan (none so far): they may then record an answer
        given by phone (`answer(..., by_phone="Mme Roy")`)."""

        def build():
            me = db.session.get(Member, member.id)
            designate_pilot(me, me)
            return me

        return self._run(build)

    @staticmethod
    def day(value):
        if isinstance(value, int):
            return today() + timedelta(days=value)
        return value


@pytest.fixture
def tl(app) -> TimelineFactory:
    return TimelineFactory(app)
