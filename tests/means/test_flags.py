"""What the means give the timeline checks: adoptions without the person, commitments."""

from datetime import timedelta

from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.plans.operations import leave_parcours
from parcours.timeline.checks import FlagKind, TimelineInput, compute_flags
from parcours.timeline.means_inputs import MeansFlagInputs, means_flag_inputs


def inputs(app, *parcours_ids):
    with app.app_context():
        return means_flag_inputs(list(parcours_ids))


def test_nothing_for_no_parcours(app):
    assert inputs(app) == {}


def test_a_parcours_without_means_has_empty_inputs(app, mk):
    members = mk.alliance()
    pid = members["family"].parcours_id
    assert inputs(app, pid) == {pid: MeansFlagInputs((), ())}


def test_adopted_with_the_person_s_stance_raises_nothing(app, mk):
    members = mk.alliance()
    mk.adopted(members)
    assert (
        inputs(app, members["family"].parcours_id)[
            members["family"].parcours_id
        ].adopted_without_person
        == ()
    )


def test_adopted_on_the_legal_representative_s_stance_while_the_person_is_a_member(app, mk):
    members = mk.alliance(legal_representative=True)
    means = mk.means(members["family"], "Classe ordinaire")
    mk.stance(members["legal_representative"], means)
    mk.decide(members["pilot"], means)
    pid = members["family"].parcours_id
    (adopted,) = inputs(app, pid)[pid].adopted_without_person
    assert adopted.means_id == means.id
    assert adopted.title == "Classe ordinaire"
    assert adopted.decided_on == today()


def test_no_person_member_the_legal_representative_suffices(app, mk):
    members = mk.alliance(person=False, legal_representative=True)
    means = mk.means(members["family"])
    mk.stance(members["legal_representative"], means)
    mk.decide(members["pilot"], means)
    pid = members["family"].parcours_id
    assert inputs(app, pid)[pid].adopted_without_person == ()


def test_the_person_joins_later_without_a_stance_then_gives_one(app, make, mk):
    members = mk.alliance(person=False, legal_representative=True)
    means = mk.means(members["family"])
    mk.stance(members["legal_representative"], means)
    mk.decide(members["pilot"], means)
    person = make.member(members["professional"], Role.person)
    pid = members["family"].parcours_id
    assert [a.means_id for a in inputs(app, pid)[pid].adopted_without_person] == [means.id]
    mk.stance(person, means, "support", "Oui")
    assert inputs(app, pid)[pid].adopted_without_person == ()


def test_a_means_set_aside_afterwards_raises_nothing(app, mk):
    members = mk.alliance(legal_representative=True)
    means = mk.means(members["family"])
    mk.stance(members["legal_representative"], means)
    mk.decide(members["pilot"], means)
    mk.decide(members["pilot"], means, "set_aside", rationale="Finalement non")
    pid = members["family"].parcours_id
    assert inputs(app, pid)[pid].adopted_without_person == ()


def test_every_commitment_kept_or_not(app, api, mk):
    members = mk.alliance()
    means = mk.adopted(members)
    kept = mk.commitment(members["pilot"], means, members["pilot"], "Organiser la rencontre")
    late = mk.commitment(members["pilot"], means, members["family"], "Appeler l'AESH")
    mk.set_due(late, today() - timedelta(days=4))
    api(members["pilot"].user).patch(
        f"/api/v1/parcours/{members['pilot'].parcours_id}/commitments/{kept.id}",
        json={"status": "kept", "base_revision": 0},
    )
    pid = members["family"].parcours_id
    commitments = {c.id: c for c in inputs(app, pid)[pid].commitments}
    assert commitments[kept.id].kept is True
    assert commitments[kept.id].member_name == members["pilot"].user.name
    assert commitments[late.id].kept is False
    assert commitments[late.id].action == "Appeler l'AESH"
    assert commitments[late.id].due_on == today() - timedelta(days=4)


def test_the_timeline_checks_raise_both_flags(app, mk):
    members = mk.alliance(legal_representative=True)
    means = mk.means(members["family"])
    mk.stance(members["legal_representative"], means)
    mk.decide(members["pilot"], means)
    late = mk.commitment(members["pilot"], means, members["family"])
    mk.set_due(late, today() - timedelta(days=2))
    pid = members["family"].parcours_id
    data = inputs(app, pid)[pid]
    flags = compute_flags(
        TimelineInput(
            person_name="Léa",
            today=today(),
            adopted_without_person=data.adopted_without_person,
            commitments=data.commitments,
        )
    )
    kinds = {f.kind for f in flags}
    assert kinds == {FlagKind.DECISION_WITHOUT_PERSON, FlagKind.COMMITMENT_OVERDUE}


def test_a_constant_number_of_queries_whatever_the_number_of_parcours(app, mk, count_queries):
    def build():
        members = mk.alliance(legal_representative=True)
        means = mk.means(members["family"])
        mk.stance(members["legal_representative"], means)
        mk.decide(members["pilot"], means)
        mk.commitment(members["pilot"], means, members["family"])
        return members["family"].parcours_id

    one = [build()]
    many = one + [build() for _ in range(4)]

    def queries(ids):
        with count_queries() as counter:
            result = inputs(app, *ids)
        assert all(len(result[pid].adopted_without_person) == 1 for pid in ids)
        assert all(len(result[pid].commitments) == 1 for pid in ids)
        return counter.count

    assert queries(one) == queries(many)


def _objected(mk, members, participants):
    """A means the family member opposes, adopted with the given participants."""
    means = mk.means(members["professional"], "Unité d'enseignement de l'IME")
    for key, member in members.items():
        mk.stance(member, means, "oppose" if key == "family" else "support")
    mk.decide(
        members["pilot"],
        means,
        participant_ids=[members[key].id for key in participants] if participants else None,
    )
    return means


def test_adopted_over_an_objection_not_heard(app, mk):
    members = mk.alliance()
    pid = members["family"].parcours_id
    others = [key for key in members if key != "family"]
    means = _objected(mk, members, others)
    # A later change of mind does not clear what the decision did.
    mk.stance(members["family"], means, "support")
    [objected] = inputs(app, pid)[pid].adopted_over_objection
    assert (objected.means_id, objected.objectors) == (means.id, (members["family"].user.name,))
    data = TimelineInput("Léo", today(), adopted_over_objection=(objected,))
    assert [f.kind for f in compute_flags(data)] == [FlagKind.DECISION_OVER_OBJECTION]


def test_an_objection_heard_or_of_a_former_member_raises_nothing(app, mk, make):
    members = mk.alliance()
    pid = members["family"].parcours_id
    _objected(mk, members, None)  # the default participants: everyone who gave a stance
    assert inputs(app, pid)[pid].adopted_over_objection == ()
    others = [key for key in members if key != "family"]
    _objected(mk, members, others)
    make._run(lambda: leave_parcours(db.session.get(Member, members["family"].id)))
    assert inputs(app, pid)[pid].adopted_over_objection == ()
