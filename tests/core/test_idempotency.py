"""Once only: a POST sent again with the same key gets the first answer and makes nothing
new: an API client's `Idempotency-Key`, a page form's one-time token."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from parcours.core.idempotency import OnceRequest, purge_once_requests
from parcours.core.models import utcnow
from parcours.extensions import db
from parcours.plans.models import Invitation
from parcours.timeline.models import Episode
from tests.timeline.conftest import TimelineFactory

EPISODE = {"organisation": "SESSAD Les Mouettes", "kind": "sessad", "start_date": "2025-01-06"}


def _episodes(app, parcours_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Episode).where(Episode.parcours_id == parcours_id)
        )


def _url(member) -> str:
    return f"/api/v1/parcours/{member.parcours_id}/episodes"


def test_the_same_key_twice_makes_one_episode_and_answers_the_same(app, api, make):
    pro = make.parcours()
    client = api(pro.user)
    first = client.post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "k-1"})
    again = client.post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _episodes(app, pro.parcours_id) == 1


def test_without_a_key_each_post_makes_its_own(app, api, make):
    pro = make.parcours()
    client = api(pro.user)
    for _ in range(2):
        assert client.post(_url(pro), json=EPISODE).status_code == 201
    assert _episodes(app, pro.parcours_id) == 2


def test_the_same_key_for_another_request_is_refused(app, api, make):
    pro = make.parcours()
    client = api(pro.user)
    client.post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "k-2"})
    other = client.post(
        _url(pro), json=EPISODE | {"organisation": "IME"}, headers={"Idempotency-Key": "k-2"}
    )
    assert other.status_code == 422
    assert other.json["error"] == "idempotency_key_reused"
    assert _episodes(app, pro.parcours_id) == 1


def test_a_failed_request_keeps_nothing_and_the_key_can_be_used_again(app, api, make):
    pro = make.parcours()
    client = api(pro.user)
    wrong = client.post(
        _url(pro), json=EPISODE | {"kind": "nope"}, headers={"Idempotency-Key": "k-3"}
    )
    assert wrong.status_code == 422
    right = client.post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "k-3"})
    assert right.status_code == 201
    assert _episodes(app, pro.parcours_id) == 1


def test_a_key_belongs_to_one_account(app, api, make):
    pro = make.parcours()
    other = make.member(pro)
    for user in (pro.user, other.user):
        sent = api(user).post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "shared"})
        assert sent.status_code == 201
        assert "Idempotent-Replayed" not in sent.headers
    assert _episodes(app, pro.parcours_id) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_a_key_that_is_not_one_is_refused(app, api, make, key):
    pro = make.parcours()
    sent = api(pro.user).post(_url(pro), json=EPISODE, headers={"Idempotency-Key": key})
    assert sent.status_code == 400
    assert sent.json["error"] == "invalid_idempotency_key"
    assert _episodes(app, pro.parcours_id) == 0


def test_an_answer_is_kept_24_hours_then_purged(app, api, make):
    pro = make.parcours()
    client = api(pro.user)
    client.post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "k-4"})
    with app.app_context():
        db.session.execute(
            update(OnceRequest).values(created_at=utcnow() - timedelta(hours=25)),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    later = client.post(_url(pro), json=EPISODE, headers={"Idempotency-Key": "k-4"})
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later.headers
    assert _episodes(app, pro.parcours_id) == 2
    with app.app_context():
        assert purge_once_requests(utcnow() + timedelta(hours=1)) == 1
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OnceRequest)) == 0


@pytest.mark.committing
def test_two_requests_with_the_same_key_at_once_make_one_episode(app, make):
    pro = make.parcours()
    token = make.api_token(pro.user)
    answers = []
    start = threading.Barrier(4)

    def send():
        client = app.test_client()
        start.wait()
        answers.append(
            client.post(
                _url(pro),
                json=EPISODE,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "together"},
            )
        )

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _episodes(app, pro.parcours_id) == 1
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}, statuses
    made = [a for a in answers if a.status_code == 201]
    assert len({a.json["id"] for a in made}) == 1


# --- Page forms ----------------------------------------------------------------------------


def _form(page: str) -> dict:
    """The page's CSRF token and its form's one-time token."""

    def value(name: str) -> str:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert tag, f"no {name} field"
        return re.search(r'value="([^"]*)"', tag.group(0)).group(1)

    return {"csrf_token": value("csrf_token"), "once": value("once")}


def test_a_form_sent_twice_makes_one_episode_and_says_so(app, make, sign_in, client):
    pro = make.parcours()
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/timeline/episodes/new"
    page = client.get(url, headers={"Accept-Language": "en"}).text
    hidden = _form(page)
    assert hidden.get("once"), "the episode form carries a one-time token"
    data = hidden | {
        "organisation": "SESSAD Les Mouettes",
        "kind": "sessad",
        "start_date": "2025-01-06",
    }
    first = client.post(url, data=data)
    assert first.status_code in (302, 303)
    again = client.post(url, data=data, follow_redirects=True)
    assert again.status_code == 200
    assert "already saved" in again.text
    assert _episodes(app, pro.parcours_id) == 1
    # The same form, changed and sent again (back, edit, send): a new episode.
    changed = client.post(url, data=data | {"organisation": "IME Les Tilleuls"})
    assert changed.status_code in (302, 303), changed.text
    assert _episodes(app, pro.parcours_id) == 2


def test_a_form_with_errors_can_be_sent_again_with_the_same_token(app, make, sign_in, client):
    pro = make.parcours()
    sign_in(pro.user)
    url = f"/parcours/{pro.parcours_id}/timeline/episodes/new"
    hidden = _form(client.get(url).text)
    data = hidden | {"organisation": "", "kind": "sessad", "start_date": "2025-01-06"}
    assert client.post(url, data=data).status_code == 422  # shown again with its error
    assert client.post(url, data=data).status_code == 422  # still the error, not "saved"
    fixed = client.post(url, data=data | {"organisation": "SESSAD"})
    assert fixed.status_code in (302, 303)
    assert _episodes(app, pro.parcours_id) == 1


def test_reloading_the_invitation_page_makes_no_second_invitation(app, make, sign_in, client):
    pro = make.parcours()
    sign_in(pro.user)
    members = f"/parcours/{pro.parcours_id}/members"
    data = _form(client.get(members).text) | {"role": "family"}
    url = f"/parcours/{pro.parcours_id}/invitations"
    first = client.post(url, data=data)
    assert first.status_code == 201
    reload = client.post(url, data=data)
    assert reload.status_code == 303
    assert reload.headers["Location"].endswith(members)
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.parcours_id == pro.parcours_id)
        )
    assert count == 1


def test_every_form_that_creates_something_carries_a_one_time_token(app, make, sign_in, client):
    members = make.alliance()
    make.agreed_objective(members)  # the means come after the objective
    pro = members["professional"]
    TimelineFactory(app).episode(pro, start=-30)  # a hand-off leaves an episode
    sign_in(pro.user)
    p = pro.parcours_id
    pages = [
        "/parcours/new",
        f"/parcours/{p}/members",
        f"/parcours/{p}/voices/{pro.id}/edit",
        f"/parcours/{p}/objective/edit",
        f"/parcours/{p}/means/new",
        f"/parcours/{p}/reviews/new",
        f"/parcours/{p}/timeline/episodes/new",
        f"/parcours/{p}/timeline/handoffs/new",
        f"/parcours/{p}/discussions/objective",
    ]
    missing = []
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        if 'name="once"' not in page.text:
            missing.append(url)
    assert not missing, f"forms without a one-time token: {missing}"
