"""One commit per request, in one place (as Indico's request handler does).

Views and API handlers load, check, call one operation and render; they never commit.
Operations flush and return what the view needs. When the response is ready,
`finish_request` commits what the request changed, or rolls it back when the answer is an
error (status 400 or more) or when a domain rule refused an action during the request (a
refusal shown on the page or flashed: see `DomainError`).

Then the writes a request left for later (`after_response`) run in a short transaction of
their own: the access log of what the request showed, the caseload snapshots it computed.
A page therefore reads and renders without the write lock (SQLite takes it for GET requests
only for that final insert, see core/database.py), and a refused change never loses the
trace of what was read.

PostgreSQL has no such lock: there a page that wrote nothing writes its access log right
after its reads, without a transaction of its own; its reads ran outside one too, and its log
is one statement that stands alone (see core/database.py and core/audit.py): no BEGIN, no
COMMIT. Wherever they run, these writes that only record what was read commit without waiting
for the disk.
"""

from collections.abc import Callable

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from parcours.core.idempotency import init_idempotency, keep_answer
from parcours.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def mark_refused() -> None:
    """A domain rule refused an action in this request: nothing it changed is committed."""
    if has_request_context():
        g.parcours_refused = True


def after_response(write: Callable[[], None]) -> None:
    """Run `write` once the response is ready, in a transaction of its own (at once outside a
    request: the CLI and the tests then commit it with the rest)."""
    if not has_request_context():
        write()
        return
    g.setdefault("parcours_later", []).append(write)


def takes_write_lock() -> bool:
    """Whether the transaction beginning now may write: always, but while a GET (or HEAD)
    request reads and renders, before its own writes run."""
    if not has_request_context():
        return True
    return request.method not in READ_ONLY_METHODS or g.get("parcours_writing", False)


def logs_reads_only() -> bool:
    """Whether the transaction beginning now only writes what the request read (the access
    log, the caseload snapshots): the request's own changes are already committed."""
    return has_request_context() and g.get("parcours_writing", False)


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(connection, cursor, statement, parameters, context, executemany) -> None:
    if (context.isinsert or context.isupdate or context.isdelete) and has_request_context():
        g.parcours_wrote = True


def _wrote_nothing(session) -> bool:
    """Whether the request's transaction has only read so far (nothing written, nothing
    pending)."""
    return not (g.get("parcours_wrote") or session.new or session.dirty or session.deleted)


def _commit_changes(session, writes_follow: bool) -> None:
    """Commit what the request changed. On PostgreSQL a page's transaction begins as a read,
    without waiting for the disk at its commit (core/database.py): one that changed nothing
    stays open for the writes that follow (its log), one that changed something is told to
    wait, as every change does."""
    if (
        request.method in READ_ONLY_METHODS
        and session.in_transaction()
        and session.get_bind().dialect.name == "postgresql"
    ):
        if _wrote_nothing(session):
            if writes_follow:
                return
        else:
            session.connection().exec_driver_sql("SET LOCAL synchronous_commit = on")
    session.commit()


def finish_request(response: Response) -> Response:
    """Commit the request's changes (or roll them back), then run the writes left for later."""
    session = db.session()
    writes = g.pop("parcours_later", [])
    if response.status_code >= 400 or g.pop("parcours_refused", False):
        session.rollback()
    else:
        keep_answer(response)
        _commit_changes(session, writes_follow=bool(writes))
    if writes:
        g.parcours_writing = True
        for write in writes:
            write()
        session.commit()
    return response


def init_transactions(app: Flask) -> None:
    init_idempotency(app)
    app.after_request(finish_request)
