"""The main pages read the database in at most 8 queries, however much the plan holds: the
home page, a plan's overview, voices, objective, means, timeline and commitments, the
caseload and the easy-read home (with the cards it shows the person: statements to sign and
answered, consents to give). (Each page then writes its read to the access log, in its
own short transaction: that write, the lock on the plan's log head included, is not a read
of the page's data and is not counted here.)"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from parcours.accounts.models import User
from parcours.accounts.operations import get_or_create_organisation
from parcours.alliance.models import voice_of
from parcours.alliance.operations import save_voice
from parcours.core.models import today
from parcours.extensions import db
from parcours.means.models import Commitment
from parcours.means.operations import correct_commitment
from parcours.observatory.operations import add_observer
from parcours.plans.consent import ask_consent
from parcours.plans.models import Member
from parcours.statements.operations import (
    answer_statement,
    sign_statement,
    statement_of,
    write_statement,
)
from tests.means.factories import MeansFactory
from tests.timeline.conftest import TimelineFactory

MAX_QUERIES = 8
PAGES = {
    "home": "/",
    "overview": "/parcours/{p}",
    "voices": "/parcours/{p}/voices",
    "objective": "/parcours/{p}/objective",
    "means": "/parcours/{p}/means",
    "timeline": "/parcours/{p}/timeline",
    "commitments": "/parcours/{p}/commitments",
    "caseload": "/caseload",
}


@contextmanager
def reads(app):
    """The SELECT statements run meanwhile (savepoints, BEGIN and the log's write apart)."""
    statements = []

    def seen(conn, cursor, statement, *args):
        if "access_log_heads" in statement:
            return  # the access log's write locks the plan's log head
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _grow(app, make, members, rounds: int) -> None:
    """Add `rounds` of everything a plan holds: proposals with stances and a decision,
    commitments, episodes with hand-offs, voices."""
    mk, tl = MeansFactory(make), TimelineFactory(app)
    for n in range(rounds):
        means = mk.means(members["professional"], f"Moyen {n}")
        for member in members.values():
            mk.stance(member, means)
        mk.decide(members["pilot"], means)
        commitment = mk.commitment(
            members["pilot"], means, members["professional"], action=f"Action {n}"
        )

        def corrected(commitment=commitment, n=n):
            # A history that grows: the page still reads it in one query.
            correct_commitment(
                db.session.get(Member, members["pilot"].id),
                db.session.get(Commitment, commitment.id),
                due_on=today() + timedelta(days=30 + n),
                reason=f"Décalé {n}",
            )

        make._run(corrected)
        first = tl.episode(members["professional"], start=-300 + 50 * n, end=-260 + 50 * n)
        after = tl.episode(members["professional"], "IME", start=-255 + 50 * n, end=-250 + 50 * n)
        tl.handoff(members["professional"], first, to_episode=after, proposed_on=-261 + 50 * n)

        def voices(n=n):
            for member in members.values():
                current = db.session.get(Member, member.id)
                before = voice_of(current)
                save_voice(
                    current,
                    current,
                    matters=f"Ce qui compte {n}",
                    hopes="",
                    worries="",
                    base_number=before.number if before else 0,
                )

        make._run(voices)


def _grow_easy(make, members, observer, rounds: int) -> None:
    """Add `rounds` of what the easy-read home shows the person: a statement waiting for
    their signature, one sent and answered, an organisation waiting for their consent."""
    for n in range(rounds):

        def build(n=n):
            pro = db.session.get(Member, members["professional"].id)
            person = db.session.get(Member, members["person"].id)
            write_statement(pro, f"À signer {n}", territory="37")
            answered = write_statement(pro, f"Envoyé {n}", territory="37")
            sign_statement(person, answered)
            observing = db.session.get(User, observer.id)
            answer_statement(observing, statement_of(pro.parcours_id, answered.id), f"Réponse {n}")
            ask_consent(pro, get_or_create_organisation(f"Service {n}"))

        make._run(build)


def _counts(app, client, members) -> dict[str, int]:
    pid = members["professional"].parcours_id
    counts = {}
    for name, path in PAGES.items():
        url = path.format(p=pid)
        assert client.get(url).status_code == 200, url  # the session's first page warms up
        with reads(app) as statements:
            assert client.get(url).status_code == 200, url
        counts[name] = len(statements)
    return counts


@pytest.mark.parametrize("viewer", ["professional", "person"])
def test_main_pages_read_in_a_fixed_small_number_of_queries(app, make, sign_in, viewer):
    members = MeansFactory(make).alliance()
    client = sign_in(members[viewer].user, on=app.test_client())
    _grow(app, make, members, 1)
    if viewer == "person":
        observer = make.user("Nadia Roux")
        make._run(lambda: add_observer(observer.email, territory="37"))
        _grow_easy(make, members, observer, 1)
        pages = {"easy home": f"/easy/parcours/{members['person'].parcours_id}"}
        few = {}
        for name, url in pages.items():
            client.get(url)
            with reads(app) as statements:
                assert client.get(url).status_code == 200
            few[name] = len(statements)
        _grow(app, make, members, 3)
        _grow_easy(make, members, observer, 3)
        many = {}
        for name, url in pages.items():
            with reads(app) as statements:
                page = client.get(url)
            many[name] = len(statements)
        # The cards it reads are there: to sign, answered, a consent to give.
        assert "À signer 2" in page.text
        assert "Réponse 2" in page.text and "Service 2" in page.text
    else:
        few = _counts(app, client, members)
        _grow(app, make, members, 3)
        many = _counts(app, client, members)
    assert many == few, "a page's query count grew with the data"
    too_many = {name: n for name, n in few.items() if n > MAX_QUERIES}
    assert not too_many, f"pages over {MAX_QUERIES} queries: {too_many}"
