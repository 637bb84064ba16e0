"""Two `send` runs at once (two machines behind one PostgreSQL database) deliver each message
once: each takes its messages with SELECT … FOR UPDATE SKIP LOCKED, and each user's digest
state the same way."""

import asyncio
import threading

import pytest

from parcours.extensions import db
from parcours.notifications.digests import queue_digests
from parcours.notifications.outbox import deliver_due
from parcours.plans.models import Member, Role
from parcours.plans.operations import create_invitation
from tests.means.factories import MeansFactory
from tests.notifications.conftest import SMTPServer
from tests.notifications.test_notifications import monday


class _SlowServer(SMTPServer):
    """Takes a while over each message, so that both runs are busy at the same time."""

    def start(self) -> None:
        super().start()
        handler = self._controller.handler
        accept = handler.handle_DATA

        async def slowly(server, session, envelope):
            await asyncio.sleep(0.02)
            return await accept(server, session, envelope)

        handler.handle_DATA = slowly


@pytest.mark.committing  # one connection per run: the row locks are what keep them apart
def test_two_runs_at_once_send_each_message_once(app, make):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("several machines at once: PostgreSQL only (SQLite has one writer)")
    members = MeansFactory(make).alliance()
    with app.app_context():
        inviter = db.session.get(Member, members["professional"].id)
        for n in range(30):
            create_invitation(inviter, role=Role.family, email=f"invite{n}@example.org")
        db.session.commit()
    server = _SlowServer()
    server.start()
    app.config["MAIL_URL"] = server.url
    barrier = threading.Barrier(2)
    results = []

    def run():
        with app.app_context():
            barrier.wait(timeout=10)
            queued = queue_digests(monday(9))
            db.session.commit()
            results.append((queued, deliver_due(monday(9))))

    try:
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()
        app.config["MAIL_URL"] = None
    assert len(results) == 2 and all(result.ok for _queued, result in results)
    recipients = [address for r in server.received for address in r.recipients]
    assert len(recipients) == len(set(recipients)), "a message was sent twice"
    digests = sum(queued for queued, _result in results)
    assert digests >= 3  # the members with something waiting, by one run or the other
    assert len(recipients) == 30 + digests
    assert sum(result.sent for _queued, result in results) == len(recipients)
