"""The checks fed from the database: the derived objective element, the means flags, the
constant number of queries, and the caseload snapshots."""

from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from parcours.accounts.models import Organisation, User
from parcours.core.models import today
from parcours.extensions import db
from parcours.plans.models import Member, Role
from parcours.plans.operations import leave_parcours
from parcours.timeline import inputs as flags_module
from parcours.timeline import snapshots
from parcours.timeline.checks import AdoptedMeansData, CommitmentData, FlagKind, Severity
from parcours.timeline.inputs import (
    approvers_of,
    as_of,
    flags_for,
    handoff_data,
    load_timelines,
)
from parcours.timeline.means_inputs import MeansFlagInputs
from parcours.timeline.models import DeclinedBy, EpisodeKind, TimelineSnapshot
from parcours.timeline.operations import handoff_of
from parcours.timeline.snapshots import CaseloadFilter, caseload
from tests.means.factories import MeansFactory


def _professional(make, of: Member, organisation: str) -> Member:
    """A professional of this organisation joins the plan."""
    user = make.user(professional=True, organisation=organisation)
    return make.member(of, Role.professional, user=user)


def _relais(parcours_id: int, handoff_id: int) -> dict[str, bool]:
    with force_locale("en"):
        handoff = handoff_of(parcours_id, handoff_id)
        return handoff_data(handoff, approvers_of(parcours_id)).relais


def _objective_passed(app, parcours_id: int, handoff_id: int) -> bool:
    with app.app_context():
        return _relais(parcours_id, handoff_id)["objective"]


def _kinds(app, parcours_id: int, on: date | None = None) -> list[FlagKind]:
    with app.app_context():
        return [f.kind for f in flags_for([parcours_id], on)[parcours_id]]


# --- Element (1): the objective passed on --------------------------------------------------


@pytest.fixture
def relay(make, tl):
    """A plan with an agreed objective and a hand-off from its SESSAD to an IME episode."""
    members = make.alliance()
    pro = members["professional"]
    sessad = tl.episode(pro, "SESSAD Les Mouettes", start=-300, end=-10)
    ime = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-9)
    handoff = tl.handoff(pro, sessad, to_episode=ime, proposed_on=-20)
    return {"members": members, "pro": pro, "handoff": handoff, "ime": ime, "sessad": sessad}


def test_no_objective_in_force_means_no_objective_passed(app, make, relay):
    ime_pro = _professional(make, relay["pro"], "IME Les Tilleuls")
    make.version(relay["pro"])
    make.approval(ime_pro, 1)
    assert not _objective_passed(app, relay["pro"].parcours_id, relay["handoff"].id)


def test_a_member_of_the_receiving_organisation_approved_the_objective_in_force(app, make, relay):
    version = make.agreed_objective(relay["members"])
    pid = relay["pro"].parcours_id
    assert not _objective_passed(app, pid, relay["handoff"].id)
    ime_pro = _professional(make, relay["pro"], "ime les tilleuls")
    assert not _objective_passed(app, pid, relay["handoff"].id)  # a member, not yet approved
    make.approval(ime_pro, version.number)
    assert _objective_passed(app, pid, relay["handoff"].id)


def test_an_approval_of_a_version_not_yet_in_force_does_not_count(app, make, relay):
    make.agreed_objective(relay["members"])
    ime_pro = _professional(make, relay["pro"], "IME Les Tilleuls")
    newer = make.version(relay["pro"], text="Que Léa apprenne à lire.")
    make.approval(ime_pro, newer.number)
    assert not _objective_passed(app, relay["pro"].parcours_id, relay["handoff"].id)


def test_an_approver_who_left_no_longer_counts(app, make, relay):
    ime_pro = _professional(make, relay["pro"], "IME Les Tilleuls")
    make.agreed_objective(relay["members"] | {"ime": ime_pro})
    pid = relay["pro"].parcours_id
    assert _objective_passed(app, pid, relay["handoff"].id)
    make._run(lambda: leave_parcours(db.session.get(Member, ime_pro.id)))
    assert not _objective_passed(app, pid, relay["handoff"].id)


def test_a_handoff_to_an_organisation_counts_its_members(app, make, tl, relay):
    ime_pro = _professional(make, relay["pro"], "ESAT Les Ateliers")
    make.agreed_objective(relay["members"] | {"esat": ime_pro})
    handoff = tl.handoff(relay["pro"], relay["ime"], receiving_organisation="ESAT les ateliers")
    assert _objective_passed(app, relay["pro"].parcours_id, handoff.id)


@pytest.mark.parametrize("approver", ["person", "family"])
def test_a_handoff_to_the_person_and_family_needs_their_approval(app, make, tl, approver):
    members = make.alliance()
    pro = members["professional"]
    origin = tl.episode(pro, start=-100, end=-5)
    handoff = tl.handoff(pro, origin, to_person_and_family=True)
    version = make.version(pro)
    pid = pro.parcours_id
    make.approval(pro, version.number)
    assert not _objective_passed(app, pid, handoff.id)  # a professional is not the family
    make.approval(members[approver], version.number)
    other = "family" if approver == "person" else "person"
    make.approval(members[other], version.number)  # now agreed, so in force
    assert _objective_passed(app, pid, handoff.id)


def test_the_flag_lists_the_objective_when_it_is_missing(app, relay):
    with app.app_context():
        [flag] = [
            f
            for f in flags_for([relay["pro"].parcours_id])[relay["pro"].parcours_id]
            if f.kind is FlagKind.MISSING_RELAIS_DE_SENS
        ]
    assert flag.missing == ("objective", "person", "meaning_note", "contact")
    assert flag.handoff_id == relay["handoff"].id


# --- flags_for -----------------------------------------------------------------------------


def test_flags_for_many_parcours_at_once(app, make, tl):
    waiting = make.parcours()
    tl.episode(waiting, start=-100, end=-40)
    calm = make.parcours()
    tl.episode(calm, start=-100)
    empty = make.parcours()
    with app.app_context():
        result = flags_for([waiting.parcours_id, calm.parcours_id, empty.parcours_id])
    assert [f.kind for f in result[waiting.parcours_id]] == [
        FlagKind.ONGOING_RUPTURE,
        FlagKind.MISSING_HANDOFF,
    ]
    assert result[calm.parcours_id] == []
    assert result[empty.parcours_id] == []
    with app.app_context():
        assert flags_for([]) == {}


def test_flags_as_of_a_date_and_after_closing(app, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-40)
    pid = pro.parcours_id
    assert _kinds(app, pid, today() - timedelta(days=35)) == [FlagKind.MISSING_HANDOFF]
    assert FlagKind.ONGOING_RUPTURE in _kinds(app, pid)
    with app.app_context():
        db.session.get(Member, pro.id).parcours.closed_on = today() - timedelta(days=30)
        db.session.commit()
    assert _kinds(app, pid) == [FlagKind.MISSING_HANDOFF]  # 10 days: within the tolerance


def test_the_tolerance_of_the_parcours_is_used(app, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-21)  # 21 days without a service, today included
    pid = pro.parcours_id
    assert FlagKind.ONGOING_RUPTURE in _kinds(app, pid)
    with app.app_context():
        db.session.get(Member, pro.id).parcours.tolerance_days = 21
        db.session.commit()
    assert FlagKind.ONGOING_RUPTURE not in _kinds(app, pid)


def test_a_pause_covers_the_gap_once_the_person_confirms_they_chose_it(app, make, tl):
    members = make.alliance()
    pro = members["professional"]
    tl.episode(pro, start=-100, end=-41)
    pause = tl.episode(pro, kind=EpisodeKind.pause, start=-40)
    # Declared by the professional: a gap like any other until the person says so.
    assert _kinds(app, pro.parcours_id) == [FlagKind.ONGOING_RUPTURE, FlagKind.MISSING_HANDOFF]
    tl.confirm(members["person"], pause, confirmed=False)
    assert _kinds(app, pro.parcours_id) == [FlagKind.ONGOING_RUPTURE, FlagKind.MISSING_HANDOFF]
    tl.confirm(members["person"], pause)
    assert _kinds(app, pro.parcours_id) == [FlagKind.MISSING_HANDOFF]


def test_the_means_flags_are_surfaced(app, make, tl, monkeypatch):
    pro = make.parcours()
    tl.episode(pro, start=-100)
    pid = pro.parcours_id
    inputs = MeansFlagInputs(
        (AdoptedMeansData(7, "Classe ordinaire", today() - timedelta(days=3)),),
        (CommitmentData(9, "Appeler l'IME", "Claire", today() - timedelta(days=2), False),),
    )
    monkeypatch.setattr(flags_module, "means_flag_inputs", lambda ids: {pid: inputs})
    with app.app_context():
        flags = flags_for([pid])[pid]
    assert [(f.kind, f.means_id, f.commitment_id) for f in flags] == [
        (FlagKind.DECISION_WITHOUT_PERSON, 7, None),
        (FlagKind.COMMITMENT_OVERDUE, None, 9),
    ]


def test_an_overdue_commitment_of_the_means_is_flagged(app, make, tl):
    mk = MeansFactory(make)
    members = mk.alliance()
    means = mk.adopted(members)
    commitment = mk.commitment(members["pilot"], means, members["professional"])
    mk.set_due(commitment, today() - timedelta(days=3))
    tl.episode(members["professional"], start=-100)
    pid = members["professional"].parcours_id
    with app.app_context():
        [flag] = [
            f
            for f in flags_for([pid])[pid]
            if f.kind is not FlagKind.OBJECTIVE_NOT_SHARED_WITH_CURRENT
        ]
    assert (flag.kind, flag.commitment_id, flag.days) == (
        FlagKind.COMMITMENT_OVERDUE,
        commitment.id,
        3,
    )


def test_flags_for_takes_a_constant_number_of_queries(app, make, tl, count_queries):
    small = make.parcours()
    first = tl.episode(small, start=-300, end=-200)
    tl.handoff(small, first, to_person_and_family=True)
    with app.app_context(), count_queries() as few:
        flags_for([small.parcours_id])
    big = []
    for _ in range(3):
        pro = make.parcours()
        make.agreed_objective({"professional": pro})
        previous = None
        for index in range(6):
            episode = tl.episode(
                pro, f"Service {index}", start=-300 + 40 * index, end=-300 + 40 * index + 30
            )
            if previous is not None:
                tl.handoff(pro, previous, to_episode=episode, meaning_note="Note")
            previous = episode
        big.append(pro.parcours_id)
    with app.app_context(), count_queries() as many:
        result = flags_for(big)
    assert many.count == few.count
    assert all(result[pid] for pid in big)


def test_current_services_and_last_handoff(app, make, tl):
    pro = make.parcours()
    first = tl.episode(pro, "SESSAD Les Mouettes", start=-300, end=-1)
    school = tl.episode(pro, "École Jules Ferry", kind=EpisodeKind.school, start=-50)
    tl.episode(pro, kind=EpisodeKind.pause, start=-5, end=5)
    tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=10)
    declined = tl.handoff(pro, first, to_person_and_family=True, proposed_on=-2)
    tl.pilot(pro)  # records the person's refusal, given by phone
    tl.answer(
        pro, declined, "declined", reason="Non", declined_by=DeclinedBy.person, by_phone="Léa"
    )
    tl.handoff(pro, first, to_episode=school, proposed_on=-8)
    with app.app_context():
        timeline = load_timelines([pro.parcours_id], today())[pro.parcours_id]
    assert timeline.current_services == ("École Jules Ferry",)
    assert timeline.last_handoff_on == today() - timedelta(days=8)


@pytest.mark.parametrize("value", ["2025-13-01", "yesterday", "0001-01-01", "2300-01-01"])
def test_bad_as_of_dates_are_refused(app, value):
    from parcours.core.errors import BadInput

    with app.app_context(), pytest.raises(BadInput) as refused:
        as_of(value)
    assert refused.value.status == 400


def test_as_of_defaults_to_today(app):
    with app.app_context():
        assert as_of(None) == today()
        assert as_of(" 2025-03-01 ") == date(2025, 3, 1)


# --- Caseload snapshots --------------------------------------------------------------------


def _snapshot(app, parcours_id: int) -> TimelineSnapshot | None:
    with app.app_context():
        snapshot = db.session.get(TimelineSnapshot, parcours_id)
        if snapshot is not None:
            db.session.expunge(snapshot)
        return snapshot


def _not_expected(*args):
    raise AssertionError("the snapshot should have been used")


def _caseload(app, user, on: date | None = None, kind: FlagKind | None = None):
    with app.app_context():
        entries = caseload(db.session.merge(user), on or today(), CaseloadFilter(kind=kind))
        db.session.commit()
        return entries


def test_every_change_makes_the_snapshot_stale_but_reads_do_not(app, make, tl, client, sign_in):
    pro = make.parcours()
    pid = pro.parcours_id
    first = _snapshot(app, pid).revision  # "created the plan" is a change
    tl.episode(pro, start=-10)
    assert _snapshot(app, pid).revision == first + 1
    sign_in(pro.user)
    client.get(f"/parcours/{pid}/timeline")
    assert _snapshot(app, pid).revision == first + 1
    make.member(pro, Role.family)  # an invitation and a joining: two changes
    assert _snapshot(app, pid).revision == first + 3


def test_the_caseload_is_computed_once_then_read_from_the_snapshots(app, make, tl, monkeypatch):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-40)
    user = pro.user
    [entry] = _caseload(app, user)
    assert entry.ongoing_rupture and entry.highest_severity is Severity.CRITICAL
    snapshot = _snapshot(app, pro.parcours_id)
    assert (snapshot.computed_revision, snapshot.computed_for) == (snapshot.revision, today())
    with monkeypatch.context() as patched:
        patched.setattr(snapshots, "load_timelines", _not_expected)
        [cached] = _caseload(app, user)
    assert cached == entry
    tl.episode(pro, "IME Les Tilleuls", start=-39)  # the rupture is filled
    [entry] = _caseload(app, user)
    assert not entry.ongoing_rupture
    assert entry.counts == {"missing_handoff": 1}
    assert entry.current_services == ("IME Les Tilleuls",)


def test_a_new_day_recomputes_the_snapshot(app, make, tl):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-14)  # 14 days without a service: not yet a rupture
    [today_entry] = _caseload(app, pro.user)
    [tomorrow_entry] = _caseload(app, pro.user, today() + timedelta(days=1))
    assert not today_entry.ongoing_rupture
    assert tomorrow_entry.ongoing_rupture
    assert _snapshot(app, pro.parcours_id).computed_for == today() + timedelta(days=1)


def test_the_caseload_puts_the_most_urgent_first_and_filters_by_kind(app, make, tl):
    user = make.user(professional=True)
    calm = make.parcours(user, person_name="Anna")
    tl.episode(calm, start=-100)
    relay = make.parcours(user, person_name="Bruno")
    first = tl.episode(relay, start=-100, end=-10)
    second = tl.episode(relay, "IME", start=-9)
    tl.handoff(relay, first, to_episode=second, proposed_on=-30)  # unanswered, relais missing
    waiting = make.parcours(user, person_name="Zoé")
    tl.episode(waiting, start=-100, end=-40)
    past = make.parcours(user, person_name="Chloé")
    tl.episode(past, start=-100, end=-60)
    tl.episode(past, "IME", start=-30)  # a past rupture and a missing hand-off
    entries = _caseload(app, user)
    assert [e.person_name for e in entries] == ["Zoé", "Chloé", "Bruno", "Anna"]
    assert entries[1].counts == {"rupture": 1, "missing_handoff": 1}
    assert entries[2].counts == {"handoff_unanswered": 1, "missing_relais_de_sens": 1}
    assert entries[2].days_since_last_handoff == 30
    assert entries[3].flag_count == 0 and entries[3].highest_severity is None
    filtered = _caseload(app, user, kind=FlagKind.MISSING_HANDOFF)
    assert [e.person_name for e in filtered] == ["Zoé", "Chloé"]


def test_the_caseload_shows_only_current_memberships(app, make, tl):
    pro = make.parcours(person_name="Léa")
    colleague = make.member(pro, Role.professional)
    assert [e.person_name for e in _caseload(app, colleague.user)] == ["Léa"]
    make._run(lambda: leave_parcours(db.session.get(Member, colleague.id)))
    assert _caseload(app, colleague.user) == []


def test_the_nightly_refresh_makes_the_first_caseload_of_the_day_a_read(
    app, make, tl, count_queries
):
    pro = make.parcours()
    tl.episode(pro, start=-100, end=-50)
    result = app.test_cli_runner().invoke(args=["timeline", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 snapshot(s) refreshed" in result.output
    again = app.test_cli_runner().invoke(args=["timeline", "refresh"])
    assert "0 snapshot(s) refreshed" in again.output
    with app.app_context():
        user = db.session.get(User, pro.user_id)
        with count_queries() as counter:
            entries = caseload(user, today())
        assert entries[0].ongoing_rupture
        # The snapshots, the memberships and what waits for the user: nothing recomputed.
        assert counter.count == 3


def test_the_caseload_is_an_access_to_each_plan_it_shows(app, make, api, client, sign_in):
    pro = make.parcours(person_name="Léa")
    other = make.parcours(person_name="Hors caseload")
    sign_in(pro.user)
    client.get("/caseload")
    api(pro.user).get("/api/v1/caseload")
    log = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/access-log").json["entries"]
    seen = [e for e in log if e["event"] == "caseload"]
    assert len(seen) == 2
    assert seen[0]["description"] == "saw the plan in their caseload"
    others = api(other.user).get(f"/api/v1/parcours/{other.parcours_id}/access-log").json
    assert all(e["event"] != "caseload" for e in others["entries"])


def test_an_organisation_renamed_by_an_admin_shows_its_new_name_in_the_caseload(
    app, make, tl, client, sign_in
):
    pro = make.parcours()
    tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-30)
    [entry] = _caseload(app, pro.user)
    assert entry.current_services == ("IME Les Tilleuls",)
    admin = make.user()
    make._run(lambda: setattr(db.session.get(User, admin.id), "is_admin", True))
    sign_in(admin)
    organisation_id = make._run(
        lambda: db.session.scalar(
            select(Organisation.id).where(Organisation.name == "IME Les Tilleuls")
        )
    )
    renamed = client.post(
        f"/admin/organisations/{organisation_id}", data={"name": "IME Les Tilleuls (Tours)"}
    )
    assert renamed.status_code == 302
    [entry] = _caseload(app, pro.user)
    assert entry.current_services == ("IME Les Tilleuls (Tours)",)


def test_a_declined_handoff_lacks_nothing_in_the_api_the_page_and_the_csv(
    app, make, tl, api, client, sign_in
):
    pro = make.parcours()
    first = tl.episode(pro, start=-100, end=-10)
    handoff = tl.handoff(pro, first, receiving_organisation="ESAT du Val", proposed_on=-20)
    # Nobody of the ESAT is in the plan: its refusal came by phone, recorded by the pilot.
    tl.pilot(pro)
    tl.answer(
        pro,
        handoff,
        "declined",
        reason="Plus de place",
        declined_by=DeclinedBy.service,
        by_phone="Mme Roy",
    )
    url = f"/api/v1/parcours/{pro.parcours_id}/handoffs/{handoff.id}"
    assert api(pro.user).get(url).json["missing"] == []
    listed = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/handoffs").json
    assert listed["handoffs"][0]["missing"] == []
    flags = api(pro.user).get(f"/api/v1/parcours/{pro.parcours_id}/flags").json["flags"]
    assert all(flag["kind"] != "missing_relais_de_sens" for flag in flags)
    sign_in(pro.user)
    page = client.get(f"/parcours/{pro.parcours_id}/timeline")
    assert "not needed: declined" in page.text
    assert "Missing:" not in page.text  # no badge on the chart's arrow
    csv = client.get(f"/parcours/{pro.parcours_id}/export/timeline.csv").text
    assert "not needed: declined" in csv


def test_a_past_rupture_does_not_make_a_plan_urgent(app, make, tl):
    user = make.user(professional=True)
    past = make.parcours(user, person_name="Chloé")
    first = tl.episode(past, start=-100, end=-60)
    second = tl.episode(past, "IME", start=-30)
    tl.handoff(past, first, to_episode=second, proposed_on=-61)
    open_ = make.parcours(user, person_name="Zoé")
    tl.episode(open_, start=-100, end=-40)  # a rupture still going on
    entries = _caseload(app, user)
    assert [e.person_name for e in entries] == ["Zoé", "Chloé"]
    chloe = entries[1]
    assert chloe.count(FlagKind.RUPTURE) == 1  # still counted, and found by its kind
    assert chloe.highest_severity is not Severity.HIGH  # but not what makes a plan urgent
