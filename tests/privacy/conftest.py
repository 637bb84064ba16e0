"""A plan where one member (the pilot, a professional) has written and recorded something of
every kind, for the "my data" and "close my account" tests."""

from datetime import timedelta

import pytest

from parcours.alliance.operations import disagree_with_version, propose_version, save_voice
from parcours.core.models import today
from parcours.discussions.operations import edit_comment, write_comment
from parcours.extensions import db
from parcours.means.models import Commitment, Review
from parcours.means.operations import add_review_comment, correct_commitment, keep_commitment
from parcours.plans.models import Member, Role
from parcours.plans.operations import create_invitation, current_members, set_tolerance
from parcours.statements.operations import sign_statement, write_statement
from parcours.timeline.inputs import flags_for
from parcours.timeline.models import Episode, EpisodeKind
from parcours.timeline.operations import (
    acknowledge_flag,
    create_answer_link,
    handoff_of,
    update_episode,
)
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory


def _m(member: Member) -> Member:
    return db.session.get(Member, member.id)


def rich_plan(make, app) -> dict:
    """Members by key; `me` (the professional and pilot) has one text or act of each kind;
    the family member wrote their own point of view, which is not `me`'s."""
    mk = MeansFactory(make)
    tl = TimelineFactory(app)
    members = mk.alliance(pilot="professional")
    me, family, person = members["professional"], members["family"], members["person"]

    def texts():
        save_voice(_m(me), _m(me), matters="MINE-voice", hopes="", worries="", base_number=0)
        save_voice(
            _m(me), _m(person), matters="FOR-PERSON-voice", hopes="", worries="", base_number=0
        )
        save_voice(
            _m(family), _m(family), matters="OTHERS-voice", hopes="", worries="", base_number=0
        )
        propose_version(_m(family), text="OTHERS-objective", base_number=1)
        disagree_with_version(_m(me), 2, comment="MINE-disagreement")
        create_invitation(_m(me), role=Role.family, email="someone@example.org")

    make._run(texts)
    means = mk.means(me, "MINE-means")
    mk.stance(me, means, comment="MINE-stance")
    mk.stance(me, means, comment="FOR-PERSON-stance", on_behalf_of=person)
    mk.stance(family, means, comment="OTHERS-stance")
    mk.decide(me, means, rationale="MINE-decision")
    commitment = mk.commitment(me, means, family, action="FAMILY-commitment")
    own = mk.commitment(me, means, me, action="MINE-commitment")
    review = mk.review(me, what_to_change="MINE-review", objective_number=1)
    episode = tl.episode(me, start=-100, end=-10, label="MINE-episode")
    handoff = tl.handoff(me, episode, to_person_and_family=True, meaning_note="MINE-handoff")
    tl.answer(me, handoff, "accepted", by_phone="Thomas")
    linked = tl.handoff(me, episode, receiving_organisation="Foyer Les Glycines")

    def acts():
        keep_commitment(_m(me), db.session.get(Commitment, own.id))
        correct_commitment(
            _m(me),
            db.session.get(Commitment, commitment.id),
            due_on=today() + timedelta(days=20),
            reason="MINE-correction",
        )
        add_review_comment(_m(me), db.session.get(Review, review.id), view="MINE-review-view")
        update_episode(
            _m(me),
            db.session.get(Episode, episode.id),
            kind=EpisodeKind.sessad,
            organisation="SESSAD Les Mouettes",
            start_date=today() - timedelta(days=100),
            end_date=today() - timedelta(days=5),
            label="MINE-episode",
        )
        set_tolerance(_m(me), 30, "MINE-settings-change")
        [flag, *_] = flags_for([me.parcours_id])[me.parcours_id]
        acknowledge_flag(_m(me), flag.key, "MINE-acknowledgement")
        create_answer_link(_m(me), handoff_of(me.parcours_id, linked.id))
        members_now = current_members(me.parcours_id)
        question = write_comment(
            _m(family), "objective", text="OTHERS-comment", members=members_now
        )
        mine = write_comment(
            _m(me),
            "objective",
            text="MINE-comment-before",
            members=members_now,
            reply_to_id=question.id,
        )
        edit_comment(_m(me), mine, text="MINE-comment", revision=0)
        write_comment(
            _m(family),
            "objective",
            text="MENTIONS-ME-comment",
            members=members_now,
            mention_ids=[me.id],
        )
        # A statement the professional wrote (and signed), co-signed by the person.
        statement = write_statement(_m(me), "MINE-statement", territory="37")
        sign_statement(_m(person), statement)

    make._run(acts)
    return members | {"me": me, "commitment": commitment, "means": means}


@pytest.fixture
def plan(make, app) -> dict:
    return rich_plan(make, app)
