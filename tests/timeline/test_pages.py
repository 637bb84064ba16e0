"""The timeline pages as members see them: the chart, the flags, the tables, the forms."""

import re
from datetime import timedelta

import pytest

from parcours.core.models import today
from parcours.plans.models import Member, Role
from parcours.timeline.models import DeclinedBy, EpisodeKind
from tests.helpers import english_client, inline_scripts


def _professional(make, of: Member, organisation: str) -> Member:
    user = make.user(professional=True, organisation=organisation)
    return make.member(of, Role.professional, user=user)


def _day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


@pytest.fixture
def leo(make, tl):
    """Léo: SESSAD until 120 days ago, a pause, then a wait, then the IME for a month; the
    hand-off lacks its meaning note and the IME is not in the plan."""
    members = make.alliance()
    pro = members["professional"]
    make.agreed_objective(members)
    sessad = tl.episode(pro, "SESSAD Les Mouettes", start=-700, end=-121)
    pause = tl.episode(pro, kind=EpisodeKind.pause, start=-120, end=-100)
    ime = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-30)
    handoff = tl.handoff(
        pro,
        sessad,
        to_episode=ime,
        person_involved=True,
        services_in_contact=True,
        proposed_on=-130,
    )
    # Léa confirmed both herself.
    tl.confirm(members["person"], pause)
    tl.confirm(members["person"], handoff)
    return {
        **members,
        "pro": pro,
        "sessad": sessad,
        "pause": pause,
        "ime": ime,
        "handoff": handoff,
    }


def _url(member: Member, path: str = "") -> str:
    return f"/parcours/{member.parcours_id}/timeline{path}"


# --- The timeline page ---------------------------------------------------------------------


def test_the_timeline_shows_the_chart_the_flags_and_the_tables(client, sign_in, leo):
    sign_in(leo["family"].user)
    page = client.get(_url(leo["pro"]))
    assert page.status_code == 200
    text = page.text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" role="img"' in text
    assert '<title id="timeline-chart-title">Timeline of Léa</title>' in text
    assert "3 episodes, 1 hand-off, 1 rupture shown in red." in text
    assert 'fill="url(#timeline-hatch)"' in text  # the pause
    assert text.count('class="timeline-chart__rupture"') == 1
    # The hand-off lacks its meaning note and the objective (nobody from the IME approved it).
    assert re.search(r'font-weight="700">O</text>', text)
    assert re.search(r'font-weight="700">N</text>', text)
    assert not re.search(r'font-weight="700">P</text>', text)
    assert "What needs attention" in text
    assert "No service accompanied Léa from" in text
    assert "(69 days)." in text
    assert "lacks: the shared objective passed on and a meaning note." in text
    assert "What to do: Invite IME Les Tilleuls to approve the objective in force." in text
    assert '<caption class="visually-hidden">Episodes, by start date</caption>' in text
    assert '<th scope="row">SESSAD Les Mouettes</th>' in text
    assert "Meaning note: missing" in text
    assert "Person involved: yes" in text
    assert ' style="' not in text and inline_scripts(text) == []
    assert "css/timeline.css" in text


def test_the_chart_writes_what_members_typed_as_text(client, sign_in, make, tl):
    members = make.alliance()
    pro = members["professional"]
    tl.episode(pro, 'Foyer <b>"Les Pins"</b> & co', start=-30)
    sign_in(pro.user)
    text = client.get(_url(pro)).text
    chart = text[text.index("<svg") : text.index("</svg>")]
    assert "Foyer &lt;b&gt;&#34;Les Pins&#34;&lt;/b&gt; &amp; co" in chart
    assert "<b>" not in chart


def test_the_timeline_tab_is_in_the_plan_navigation(client, sign_in, leo):
    sign_in(leo["pro"].user)
    overview = client.get(f"/parcours/{leo['pro'].parcours_id}")
    assert f'href="{_url(leo["pro"])}">Timeline</a>' in overview.text
    page = client.get(_url(leo["pro"]))
    assert f'href="{_url(leo["pro"])}" aria-current="page">Timeline</a>' in page.text


def test_an_empty_timeline_invites_to_add_the_first_episode(client, sign_in, make):
    pro = make.parcours()
    sign_in(pro.user)
    page = client.get(_url(pro))
    assert "No episode is recorded yet." in page.text
    assert "<svg" not in page.text.split("<main", 1)[1]
    assert "Nothing to flag on" in page.text


def test_the_timeline_as_of_a_date(client, sign_in, leo):
    sign_in(leo["pro"].user)
    page = client.get(_url(leo["pro"], f"?today={_day(-60)}"))
    assert page.status_code == 200
    assert "You are looking at the timeline as it stood on" in page.text
    assert "Ongoing rupture" in page.text  # back then, nobody accompanied Léo
    assert "No service has accompanied Léa since" in page.text
    assert "Next planned: IME Les Tilleuls from" in page.text
    assert f'value="{_day(-60)}"' in page.text


@pytest.mark.parametrize("value", ["2025-02-30", "demain", "0001-01-01", "99999-01-01"])
def test_a_bad_as_of_date_is_a_400_with_a_message(client, sign_in, leo, value):
    sign_in(leo["pro"].user)
    page = client.get(_url(leo["pro"]), query_string={"today": value})
    assert page.status_code == 400
    assert "is not valid: write it as YYYY-MM-DD." in page.text or "between the years" in page.text


def test_reading_the_timeline_is_logged(client, sign_in, leo):
    sign_in(leo["pro"].user)
    client.get(_url(leo["pro"]))
    log = client.get(f"/parcours/{leo['pro'].parcours_id}/log")
    assert "read the timeline" in log.text
    assert "added the episode SESSAD Les Mouettes" in log.text
    assert "proposed a hand-off to IME Les Tilleuls" in log.text


def test_the_page_query_count_does_not_grow_with_the_episodes(
    client, sign_in, make, tl, count_queries
):
    def build(n: int) -> Member:
        pro = make.parcours()
        make.agreed_objective({"professional": pro})
        # The services are not in the plan: the pilot records their answers given by phone.
        tl.pilot(pro)
        previous = None
        for index in range(n):
            start = -20 * n + 20 * index
            episode = tl.episode(
                pro,
                f"Service {index % 3}",
                kind=EpisodeKind.pause if index % 5 == 4 else EpisodeKind.sessad,
                start=start,
                end=start + 15,
                referent_member_id=pro.id,
            )
            if previous is not None:
                handoff = tl.handoff(pro, previous, to_episode=episode, meaning_note="Note")
                tl.answer(pro, handoff, "accepted", by_phone="Mme Roy")
            previous = episode
        return pro

    small, large = build(2), build(25)
    counts = []
    for pro in (small, large):
        sign_in(pro.user)
        with count_queries() as counter:
            page = client.get(_url(pro))
        assert page.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_timeline_in_french(app, sign_in, leo):
    french = app.test_client()
    sign_in(leo["pro"].user, on=french)
    page = french.get(_url(leo["pro"]))
    text = page.text
    assert "<h1>Chronologie</h1>" in text
    assert "Ce qui demande votre attention" in text
    assert "Aucun service n&#39;a accompagné Léa du" in text
    assert "Objectif partagé transmis\u202f: manque" in text
    assert "Pause choisie par la personne" in text
    assert ">Chronologie</a>" in text  # the tab


def test_the_means_flags_link_to_the_means_pages(client, sign_in, make, tl, monkeypatch):
    from parcours.timeline import inputs as flags
    from parcours.timeline.checks import AdoptedMeansData, CommitmentData
    from parcours.timeline.means_inputs import MeansFlagInputs

    pro = make.parcours()
    tl.episode(pro, start=-100)
    pid = pro.parcours_id
    inputs = MeansFlagInputs(
        (AdoptedMeansData(7, "Classe ordinaire", today() - timedelta(days=3)),),
        (CommitmentData(9, "Appeler l'IME", "Claire", today() - timedelta(days=2), False),),
    )
    monkeypatch.setattr(flags, "means_flag_inputs", lambda ids: {pid: inputs})
    sign_in(pro.user)
    page = client.get(_url(pro))
    assert f'href="/parcours/{pid}/means/7">Open the decision</a>' in page.text
    assert f'href="/parcours/{pid}/commitments">See the commitments</a>' in page.text
    assert "Decision without the person" in page.text and "Commitment overdue" in page.text


# --- Episodes ------------------------------------------------------------------------------


def test_add_an_episode(client, sign_in, make):
    pro = make.parcours()
    family = make.member(pro, Role.family)
    sign_in(family.user)
    form = client.get(_url(pro, "/episodes/new"))
    assert form.status_code == 200
    assert '<select autocomplete="off" id="kind" name="kind" required>' in form.text
    response = client.post(
        _url(pro, "/episodes/new"),
        data={
            "kind": "school",
            "organisation": "École Jules Ferry",
            "label": "CE1",
            "start_date": _day(-300),
            "end_date": _day(-10),
            "referent_member_id": str(pro.id),
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "The episode CE1 is saved." in response.text
    assert (
        '<th scope="row">CE1<br><span class="muted">École Jules Ferry</span></th>' in response.text
    )
    assert "Missing hand-off" in response.text  # school ended with no hand-off


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"end_date": _day(-400)}, "The end date cannot be before the start date."),
        ({"start_date": "31/02/2025"}, "Not a valid date value."),
        ({"start_date": ""}, "Please give the start date."),
        ({"organisation": ""}, "Please give the organisation of this service."),
        ({"kind": "pause", "organisation": ""}, "A pause is a period the person chose"),
        ({"kind": "pause", "person_agreed": "y"}, "leave the organisation empty."),
        ({"kind": "prison"}, "Not a valid choice."),
        ({"referent_member_id": "abc"}, "Invalid Choice: could not coerce."),
        ({"referent_member_id": "999999"}, "Not a valid choice."),
        ({"start_date": "1850-01-01"}, "Dates must be between the years 1900 and 2199."),
        ({"label": "x" * 121}, "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_episodes_are_refused_with_a_message(client, sign_in, make, data, message):
    pro = make.parcours()
    sign_in(pro.user)
    values = {
        "kind": "sessad",
        "organisation": "SESSAD Les Mouettes",
        "start_date": _day(-300),
        "end_date": "",
        "referent_member_id": "0",
    }
    response = client.post(_url(pro, "/episodes/new"), data=values | data)
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert 'class="error-summary"' in response.text


def test_record_a_pause_the_person_chose(client, sign_in, leo):
    sign_in(leo["person"].user)
    response = client.post(
        _url(leo["pro"], "/episodes/new"),
        data={
            "kind": "pause",
            "start_date": _day(-99),
            "end_date": _day(-31),
            "person_agreed": "y",
        },
        follow_redirects=True,
    )
    assert "The episode Pause chosen by the person is saved." in response.text
    assert "Rupture</strong>" not in response.text  # the pause covers the former gap


def test_edit_an_episode_to_record_its_end(client, sign_in, leo):
    sign_in(leo["pro"].user)
    url = _url(leo["pro"], f"/episodes/{leo['ime'].id}/edit")
    form = client.get(url)
    assert 'value="IME Les Tilleuls"' in form.text
    assert '<option selected value="ime">' in form.text
    response = client.post(
        url,
        data={
            "base_revision": revision_in(form.text),
            "kind": "ime",
            "organisation": "IME Les Tilleuls",
            "start_date": _day(-30),
            "end_date": _day(-20),
            "referent_member_id": "0",
        },
        follow_redirects=True,
    )
    assert "The episode IME Les Tilleuls is saved." in response.text
    assert "Ongoing rupture" in response.text
    # The correction keeps what it replaced.
    history = client.get(url).text.split("Earlier corrections")[1]
    assert f"{leo['pro'].user.name}, on" in history
    assert "End date: (empty) → " in history


def test_editing_an_episode_whose_referent_left(client, sign_in, make, tl):
    from parcours.extensions import db
    from parcours.plans.operations import leave_parcours

    pro = make.parcours()
    colleague = make.member(pro, Role.professional, user=make.user("Julien", professional=True))
    episode = tl.episode(pro, start=-100, referent_member_id=colleague.id)
    make._run(lambda: leave_parcours(db.session.get(Member, colleague.id)))
    sign_in(pro.user)
    assert '<td data-label="Referent">Julien</td>' in client.get(_url(pro)).text
    url = _url(pro, f"/episodes/{episode.id}/edit")
    form = client.get(url)
    assert f'<option selected value="{colleague.id}">Julien (left the plan)</option>' in form.text
    response = client.post(
        url,
        data={
            "base_revision": revision_in(form.text),
            "kind": "sessad",
            "organisation": "SESSAD Les Mouettes",
            "start_date": _day(-100),
            "end_date": _day(-1),
            "referent_member_id": str(colleague.id),
        },
    )
    assert response.status_code == 302


def test_a_stale_episode_form_is_refused_and_keeps_what_was_typed(client, sign_in, leo, app):
    """No lost update: an edit saved in between is not overwritten by an older form."""
    url = _url(leo["pro"], f"/episodes/{leo['ime'].id}/edit")
    other = english_client(app)
    sign_in(leo["family"].user, on=other)
    theirs = other.get(url).text
    sign_in(leo["pro"].user)
    mine = client.get(url).text
    data = {"kind": "ime", "organisation": "IME Les Tilleuls", "referent_member_id": "0"}
    saved = other.post(
        url,
        data={
            **data,
            "base_revision": revision_in(theirs),
            "start_date": _day(-30),
            "end_date": _day(-5),
            "label": "Unité A",
        },
    )
    assert saved.status_code == 302
    refused = client.post(
        url,
        data={
            **data,
            "base_revision": revision_in(mine),
            "start_date": _day(-31),
            "label": "Classe des grands",
        },
    )
    assert refused.status_code == 409
    assert "Someone changed this episode in the meantime." in refused.text
    assert 'value="Classe des grands"' in refused.text  # what I typed is kept
    assert f'value="{_day(-31)}"' in refused.text
    assert "Unité A" in refused.text  # what was saved in between is shown
    assert revision_in(refused.text) != revision_in(mine)
    with app.app_context():
        from parcours.extensions import db
        from parcours.timeline.models import Episode

        episode = db.session.get(Episode, leo["ime"].id)
        assert (episode.label, episode.end_date.isoformat()) == ("Unité A", _day(-5))
    # Saving again from the revision the refusal gave merges.
    merged = client.post(
        url,
        data={
            **data,
            "base_revision": revision_in(refused.text),
            "start_date": _day(-31),
            "end_date": _day(-5),
            "label": "Classe des grands",
        },
    )
    assert merged.status_code == 302


def test_the_stale_episode_message_is_in_french(app, sign_in, leo):
    french = app.test_client()
    sign_in(leo["pro"].user, on=french)
    url = _url(leo["pro"], f"/episodes/{leo['ime'].id}/edit")
    data = {
        "kind": "ime",
        "organisation": "IME Les Tilleuls",
        "referent_member_id": "0",
        "start_date": _day(-30),
    }
    base = revision_in(french.get(url).text)
    assert french.post(url, data={**data, "base_revision": base, "label": "A"}).status_code == 302
    refused = french.post(url, data={**data, "base_revision": base, "label": "B"})
    assert refused.status_code == 409
    assert "modifié entre-temps" in refused.text


def test_an_episode_form_without_its_revision_is_refused(client, sign_in, leo, app):
    sign_in(leo["pro"].user)
    url = _url(leo["pro"], f"/episodes/{leo['ime'].id}/edit")
    response = client.post(
        url,
        data={
            "kind": "ime",
            "organisation": "IME Les Tilleuls",
            "start_date": _day(-30),
            "end_date": _day(-1),
            "referent_member_id": "0",
        },
    )
    assert response.status_code == 422
    with app.app_context():
        from parcours.extensions import db
        from parcours.timeline.models import Episode

        assert db.session.get(Episode, leo["ime"].id).end_date is None


def test_huge_ids_in_the_url_are_not_found(client, sign_in, leo):
    sign_in(leo["pro"].user)
    assert client.get("/parcours/99999999999999999999/timeline").status_code == 404
    huge = _url(leo["pro"], "/episodes/99999999999999999999/edit")
    assert client.get(huge).status_code == 404


def test_an_episode_of_another_plan_is_not_found(client, sign_in, make, tl, leo):
    other = make.parcours()
    episode = tl.episode(other)
    sign_in(leo["pro"].user)
    assert client.get(_url(leo["pro"], f"/episodes/{episode.id}/edit")).status_code == 404


# --- Hand-offs -----------------------------------------------------------------------------


def test_propose_a_handoff_to_a_service_not_in_the_plan_offers_to_invite_it(
    client, sign_in, make, tl
):
    pro = make.parcours(person_name="Thomas")
    ime = tl.episode(pro, "IME Les Tilleuls", kind=EpisodeKind.ime, start=-300, end=-2)
    sign_in(pro.user)
    form = client.get(_url(pro, f"/handoffs/new?from={ime.id}"))
    assert form.status_code == 200
    assert f'<option selected value="{ime.id}">' in form.text
    assert "Not ticked by hand" in form.text
    response = client.post(
        _url(pro, "/handoffs/new"),
        data={
            "from_episode_id": str(ime.id),
            "receiver": "organisation",
            "to_episode_id": "0",
            "receiving_organisation": "ESAT Les Ateliers du Val",
            "person_involved": "y",
            "meaning_note": "Ce qui compte pour Thomas : le travail dehors.",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = response.text.replace("&#39;", "'")
    assert "The hand-off is proposed." in text
    assert "Hand-off from IME Les Tilleuls to ESAT Les Ateliers du Val" in text
    assert "Nobody from ESAT Les Ateliers du Val is a member of this plan yet." in text
    assert f'href="/parcours/{pro.parcours_id}/members?role=professional#invite-heading"' in text
    assert "Ce qui compte pour Thomas : le travail dehors." in text
    assert "User" in text and "proposed the hand-off." in text


def test_the_handoff_page_names_who_to_ask_or_who_approved(client, sign_in, make, tl, leo):
    pid = leo["pro"].parcours_id
    url = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}")
    sign_in(leo["pro"].user)
    julien = _professional(make, leo["pro"], "IME Les Tilleuls")
    page = client.get(url)
    assert "Nobody from IME Les Tilleuls has approved the objective in force yet: ask" in (
        page.text
    )
    make.approval(julien, 1)
    page = client.get(url)
    assert "Shared objective passed on: yes" in page.text
    assert f"Approved by {julien.user.name}." in page.text
    assert pid


def test_answer_a_handoff_accept_then_complete(client, sign_in, make, leo):
    base = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}")
    # The sender and the family are not of the IME: no button, and a refusal if they try.
    sign_in(leo["family"].user)
    page = client.get(base)
    assert "Waiting for the receiving service" in page.text
    assert "Accept the hand-off" not in page.text
    assert "Record an answer given by phone" not in page.text
    refused = client.post(base + "/accept")
    assert refused.status_code == 403
    assert "Only the receiving service answers this hand-off." in refused.text
    julien = make.member(
        leo["pro"],
        Role.professional,
        user=make.user("Julien", professional=True, organisation="IME Les Tilleuls"),
    )
    sign_in(julien.user)
    assert "Accept the hand-off" in client.get(base).text
    page = client.post(base + "/accept", follow_redirects=True)
    assert "The hand-off is accepted." in page.text
    assert "Julien recorded that it was accepted." in page.text
    assert "Answered by Julien." in page.text
    assert "Record that it is completed" in page.text
    page = client.post(base + "/complete", follow_redirects=True)
    assert "The hand-off is completed." in page.text
    assert "Record that it is" not in page.text


def test_a_transition_out_of_order_is_refused_with_409(client, sign_in, leo):
    sign_in(leo["pro"].user)
    base = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}")
    page = client.post(base + "/complete")
    assert page.status_code == 409
    assert "This hand-off is proposed: it cannot be marked completed." in page.text


def test_decline_a_handoff_with_a_reason(client, sign_in, leo):
    sign_in(leo["family"].user)
    base = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}")
    refused = client.post(base + "/decline", data={"declined_by": "person", "reason": "Non"})
    assert refused.status_code == 403  # the person's refusal is theirs to say
    assert "or their legal representative, says that they declined" in refused.text
    sign_in(leo["person"].user)
    base = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}")
    refused = client.post(base + "/decline", data={"declined_by": "person", "reason": ""})
    assert refused.status_code == 422
    assert "Please give the reason for declining." in refused.text
    refused = client.post(base + "/decline", data={"declined_by": "boss", "reason": "Non"})
    assert refused.status_code == 422
    page = client.post(
        base + "/decline",
        data={"declined_by": "person", "reason": "Léo veut rester avec ses copains."},
        follow_redirects=True,
    )
    text = page.text.replace("&#39;", "'")
    assert "The hand-off is recorded as declined." in text
    assert "Declined by the person: Léo veut rester avec ses copains." in text
    assert f"{leo['person'].user.name} recorded that it was declined by the person" in text
    assert "Complete the checklist" not in text
    timeline = client.get(_url(leo["pro"]))
    assert "not needed: declined" in timeline.text
    assert "Missing hand-off" in timeline.text  # the SESSAD now ended without a relay


def revision_in(page: str) -> str:
    return re.search(r'name="base_revision" type="hidden" value="(\d+)"', page).group(1)


def test_complete_the_checklist(client, sign_in, leo):
    sign_in(leo["pro"].user)
    url = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}/edit")
    form = client.get(url)
    assert form.status_code == 200
    assert 'checked id="receiver-0" name="receiver" required type="radio" value="episode"' in (
        form.text
    )
    response = client.post(
        url,
        data={
            "base_revision": revision_in(form.text),
            "receiver": "episode",
            "to_episode_id": str(leo["ime"].id),
            "person_involved": "y",
            "services_in_contact": "y",
            "meaning_note": "Ce qui compte pour Léo : ses copains.",
        },
        follow_redirects=True,
    )
    assert "The hand-off is saved." in response.text
    assert "changed the receiving side or the checklist." in response.text
    timeline = client.get(_url(leo["pro"]))
    assert "lacks: the shared objective passed on." in timeline.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"receiver": ""}, "Please say who takes over."),
        ({"receiver": "episode", "to_episode_id": "0"}, "Please choose the service that takes"),
        ({"receiver": "organisation"}, "Please give the organisation&#39;s name."),
        ({"receiver": "nobody"}, "Not a valid choice."),
        ({"from_episode_id": "999999"}, "Not a valid choice."),
        ({"from_episode_id": "0"}, "Please choose the episode the hand-off starts from."),
        ({"from_episode_id": "x"}, "Please choose the episode the hand-off starts from."),
        ({"to_episode_id": "same"}, "A hand-off goes from one episode to another one."),
        ({"meaning_note": "x" * 4001}, "At most 4000 characters."),
    ],
)
def test_bad_handoffs_are_refused_with_a_message(client, sign_in, leo, data, message):
    sign_in(leo["pro"].user)
    values = {
        "from_episode_id": str(leo["sessad"].id),
        "receiver": "episode",
        "to_episode_id": str(leo["ime"].id),
    }
    if data.get("to_episode_id") == "same":
        data = {"to_episode_id": str(leo["sessad"].id)}
    response = client.post(_url(leo["pro"], "/handoffs/new"), data=values | data)
    assert response.status_code == 422
    assert message in response.text


def test_a_handoff_from_an_episode_of_another_plan_is_refused(client, sign_in, make, tl, leo):
    other = make.parcours()
    foreign = tl.episode(other)
    sign_in(leo["pro"].user)
    response = client.post(
        _url(leo["pro"], "/handoffs/new"),
        data={"from_episode_id": str(foreign.id), "receiver": "person_and_family"},
    )
    assert response.status_code == 422
    assert "Not a valid choice." in response.text


def test_no_handoff_before_an_episode_is_recorded(client, sign_in, make):
    pro = make.parcours()
    sign_in(pro.user)
    response = client.get(_url(pro, "/handoffs/new"), follow_redirects=True)
    assert "Record the episode the hand-off starts from first." in response.text
    assert "Add an episode" in response.text


def test_the_pilot_records_an_answer_given_by_phone(client, sign_in, tl, leo):
    base = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}")
    sign_in(leo["pro"].user)
    assert "Record an answer given by phone" not in client.get(base).text
    refused = client.post(
        base + "/phone-answer", data={"answered_by": "Mme Roy", "answer": "accepted"}
    )
    assert refused.status_code == 403
    tl.pilot(leo["pro"])
    assert "Record an answer given by phone" in client.get(base).text
    no_reason = client.post(
        base + "/phone-answer", data={"answered_by": "Mme Roy", "answer": "declined"}
    )
    assert no_reason.status_code == 422
    assert "Please give the reason for declining." in no_reason.text
    no_name = client.post(base + "/phone-answer", data={"answered_by": " ", "answer": "accepted"})
    assert no_name.status_code == 422
    page = client.post(
        base + "/phone-answer",
        data={"answered_by": "Mme Roy", "answer": "accepted"},
        follow_redirects=True,
    )
    assert "The answer given by phone is recorded." in page.text
    name = leo["pro"].user.name
    assert f"Answered by phone to Mme Roy, recorded by {name}." in page.text
    assert f"Accepted: answered by phone to Mme Roy, recorded by {name}." in page.text


def test_a_declined_handoff_cannot_be_edited(client, sign_in, tl, leo):
    tl.pilot(leo["pro"])
    tl.answer(
        leo["pro"],
        leo["handoff"],
        "declined",
        reason="Non",
        declined_by=DeclinedBy.service,
        by_phone="Mme Roy",
    )
    sign_in(leo["pro"].user)
    response = client.get(
        _url(leo["pro"], f"/handoffs/{leo['handoff'].id}/edit"), follow_redirects=True
    )
    assert "This hand-off was declined: propose a new one instead." in response.text


def test_the_missing_handoff_flag_links_to_a_prefilled_form(client, sign_in, make, tl):
    pro = make.parcours()
    school = tl.episode(pro, "École", kind=EpisodeKind.school, start=-300, end=-50)
    ime = tl.episode(pro, "IME", kind=EpisodeKind.ime, start=-49)
    sign_in(pro.user)
    page = client.get(_url(pro))
    link = _url(pro, f"/handoffs/new?from={school.id}&amp;to={ime.id}")
    assert f'href="{link}">Record the hand-off</a>' in page.text
    form = client.get(_url(pro, f"/handoffs/new?from={school.id}&to={ime.id}"))
    assert 'checked id="receiver-0"' in form.text


# --- Caseload ------------------------------------------------------------------------------


def test_the_caseload_lists_the_most_urgent_first(client, sign_in, make, tl):
    user = make.user("Claire", professional=True)
    calm = make.parcours(user, person_name="Anna")
    tl.episode(calm, "ESAT Les Ateliers du Val", kind=EpisodeKind.esat, start=-100)
    waiting = make.parcours(user, person_name="Zoé")
    tl.episode(waiting, start=-100, end=-40)
    sign_in(user)
    home = client.get("/")
    assert 'href="/caseload">My caseload</a>' in home.text
    page = client.get("/caseload")
    assert page.status_code == 200
    text = page.text
    assert text.index(">Zoé</a>") < text.index(">Anna</a>")
    assert "2 plans, the most urgent first" in text
    assert "no service today" in text
    assert "ESAT Les Ateliers du Val" in text
    assert 'class="caseload__urgent"' in text
    assert "Ongoing rupture" in text and "Missing hand-off" in text
    filtered = client.get("/caseload?kind=ongoing_rupture")
    assert ">Zoé</a>" in filtered.text and ">Anna</a>" not in filtered.text
    assert "1 plan matches, the most urgent first" in filtered.text
    assert '<option value="ongoing_rupture" selected>' in filtered.text
    nothing = client.get("/caseload?kind=commitment_overdue")
    assert "No plan matches these filters." in nothing.text


def test_a_bad_caseload_filter_is_a_400(client, sign_in, make):
    sign_in(make.user(professional=True))
    page = client.get("/caseload?kind=everything")
    assert page.status_code == 400
    assert "Unknown kind of flag: everything." in page.text


def test_the_caseload_pages_through_the_plans(client, sign_in, make, monkeypatch):
    from parcours.timeline import views

    monkeypatch.setattr(views, "CASELOAD_PAGE_SIZE", 2)
    user = make.user(professional=True)
    for name in ("Anna", "Bruno", "Chloé"):
        make.parcours(user, person_name=name)
    sign_in(user)
    first = client.get("/caseload")
    assert ">Anna</a>" in first.text and ">Chloé</a>" not in first.text
    assert "(page 1 of 2)" in first.text
    second = client.get("/caseload?page=2")
    assert ">Chloé</a>" in second.text and ">Anna</a>" not in second.text
    assert client.get("/caseload?page=99").status_code == 200


def test_the_caseload_link_is_for_professionals(client, sign_in, make):
    family = make.user()
    sign_in(family)
    assert "/caseload" not in client.get("/").text
    page = client.get("/caseload")  # still readable: it lists only their own plans
    assert page.status_code == 200
    assert "You are not part of any plan yet." in page.text


def test_the_caseload_in_french(app, sign_in, make, tl):
    user = make.user(professional=True)
    waiting = make.parcours(user, person_name="Zoé")
    tl.episode(waiting, start=-100, end=-40)
    french = app.test_client()
    sign_in(user, on=french)
    page = french.get("/caseload")
    assert "<h1>Ma file active</h1>" in page.text
    assert "Rupture en cours" in page.text
    assert "aucun service aujourd'hui" in page.text
    assert english_client(app).get("/caseload").status_code == 302


def test_two_members_editing_a_handoff_at_once_the_second_is_refused(client, sign_in, leo, app):
    """No lost update: the meaning note is a text written together."""
    url = _url(leo["pro"], f"/handoffs/{leo['handoff'].id}/edit")
    other = app.test_client()
    other.set_cookie("lang", "en", domain="parcours.test")
    sign_in(leo["family"].user, on=other)
    theirs = other.get(url).text
    sign_in(leo["pro"].user)
    mine = client.get(url).text
    data = {"receiver": "episode", "to_episode_id": str(leo["ime"].id)}
    saved = other.post(
        url, data={**data, "base_revision": revision_in(theirs), "meaning_note": "Ses copains."}
    )
    assert saved.status_code == 302
    refused = client.post(
        url, data={**data, "base_revision": revision_in(mine), "meaning_note": "Le jardin."}
    )
    assert refused.status_code == 409
    assert "Someone changed this hand-off in the meantime." in refused.text
    assert "Ses copains." in refused.text and "Le jardin." in refused.text
    merged = client.post(
        url,
        data={
            **data,
            "base_revision": revision_in(refused.text),
            "meaning_note": "Ses copains. Le jardin.",
        },
    )
    assert merged.status_code == 302
