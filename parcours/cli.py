"""Flask commands: `users create`, `organisations territory`, `observers add|remove|list`,
`demo`, `timeline refresh`, `backup`, `restore`, `audit verify`, `retention purge`,
`notifications send`."""

import os
from datetime import timedelta
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from parcours.accounts.models import User, find_organisation
from parcours.accounts.operations import create_user as create
from parcours.accounts.operations import set_territory
from parcours.accounts.password_reset import KEPT as RESET_KEPT
from parcours.accounts.password_reset import purge_password_resets
from parcours.core.audit import purge_ended_logs, verify_chains
from parcours.core.backup import BackupError, backup, restore
from parcours.core.errors import DomainError
from parcours.core.idempotency import purge_once_requests
from parcours.core.models import today, utcnow
from parcours.core.security_log import purge_security_log
from parcours.demo import load_demo
from parcours.extensions import db
from parcours.inbox.models import purge_reads
from parcours.inbox.news import NEWS_DAYS
from parcours.notifications.digests import queue_digests
from parcours.notifications.outbox import deliver_due, purge_delivered
from parcours.observatory.facts import plan_facts
from parcours.observatory.operations import (
    add_observer,
    all_observer_scopes,
    find_scope,
    remove_observer_scope,
)
from parcours.plans.models import Parcours
from parcours.timeline.snapshots import refresh_snapshots, stale_parcours

users = AppGroup("users", help="Manage user accounts.")
organisations = AppGroup("organisations", help="Manage organisations.")
observers = AppGroup("observers", help="Who sees the observatory's figures (never a plan).")
timeline = AppGroup("timeline", help="The timeline of hand-offs.")
retention = AppGroup("retention", help="Keep the logs no longer than the retention period.")
audit = AppGroup("audit", help="The access log of the plans.")
notifications = AppGroup("notifications", help="E-mail: the digests and the outbox.")

# Where `users create` reads the password from, for scripts; otherwise it asks (never on the
# command line, where the shell's history and `ps` would show it).
PASSWORD_VARIABLE = "PARCOURS_NEW_USER_PASSWORD"


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The name other members see.")
@click.option("--professional", is_flag=True, help="The user works for a service.")
@click.option("--organisation", help="The professional's organisation.")
@click.option("--function", "function", help="The professional's function.")
@click.option("--admin", is_flag=True, help="A platform admin (accounts, not plan contents).")
def create_user(email, name, professional, organisation, function, admin):
    """Create an account identified by EMAIL. The password is asked (hidden, twice), or read
    from the environment variable PARCOURS_NEW_USER_PASSWORD."""
    password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create(
            email=email,
            name=name,
            password=password,
            is_professional=professional,
            organisation=organisation,
            function=function,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    user.is_admin = admin
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.name} <{user.email}>")


@organisations.command("territory")
@click.argument("name")
@click.argument("code")
def organisation_territory(name: str, code: str):
    """Say which territory (département code: 37, 2A, 971) the organisation NAME serves; an
    empty CODE ("") says none."""
    organisation = find_organisation(name)
    if organisation is None:
        raise click.ClickException(f"No organisation is named {name}.")
    try:
        set_territory(organisation, code)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{organisation.name}: territory {organisation.territory or 'none'}")


def _scope_options(command):
    command = click.option("--territory", help="A territory: its département code.")(command)
    return click.option("--organisation", help="An organisation, by its name.")(command)


@observers.command("add")
@click.argument("email")
@_scope_options
def observers_add(email: str, organisation: str | None, territory: str | None):
    """Let the account EMAIL see the figures of an organisation or a territory."""
    try:
        scope = add_observer(email, organisation=organisation, territory=territory)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{scope.user.email} observes {_scope_label(scope)}")


@observers.command("remove")
@click.argument("email")
@_scope_options
def observers_remove(email: str, organisation: str | None, territory: str | None):
    """Take one scope away from the observer EMAIL."""
    try:
        scope = find_scope(email, organisation=organisation, territory=territory)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    label = _scope_label(scope)
    remove_observer_scope(scope)
    db.session.commit()
    click.echo(f"{email} no longer observes {label}")


@observers.command("list")
def observers_list():
    """Every observer and what they observe."""
    scopes = all_observer_scopes()
    for scope in scopes:
        click.echo(f"{scope.user.email or scope.user.login_name}\t{_scope_label(scope)}")
    if not scopes:
        click.echo("No observer.")


def _scope_label(scope) -> str:
    if scope.organisation is not None:
        return f"organisation {scope.organisation.name}"
    return f"territory {scope.territory}"


@click.command("demo")
@with_appcontext
@click.option("--reset/--keep", default=True, help="Empty the database first (default).")
@click.option("--yes", is_flag=True, help="Empty it even if it already holds accounts.")
def demo(reset: bool, yes: bool):
    """Build the database from the migrations and load the demo data."""
    if reset and not yes and _holds_accounts():
        raise click.ClickException(
            f"{db.engine.url.render_as_string(hide_password=True)} already holds accounts: "
            "add --yes to erase everything and load the demo."
        )
    if reset:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(directory=current_app.extensions["migrate"].directory)
    logins = load_demo()
    db.session.commit()
    click.echo("Demo data loaded. Sign in with one of these accounts:")
    login_width = max(len(login) for login, _, _ in logins)
    width = max(len(password) for _, password, _ in logins)
    for login, password, who in logins:
        click.echo(f"  {login:<{login_width}}  {password:<{width}}  {who}")


def _holds_accounts() -> bool:
    """Whether the database has user accounts, read on a connection ended at once: a
    transaction left open holds SQLite's write lock, and dropping the tables then waits for it
    until "database is locked"."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table(User.__tablename__):
            return False
        return bool(connection.scalar(select(func.count()).select_from(User.__table__)))


@timeline.command("refresh")
@click.option("--batch", default=500, show_default=True, help="Parcours per transaction.")
def refresh(batch: int):
    """Recompute today's caseload snapshots, then the observatory's facts of the plans that
    changed (run it nightly: the first caseload of the day, and the first figures after many
    changes, are then as fast as the others)."""
    on = today()
    refreshed = _refresh_snapshots(on, batch)
    plan_facts(select(Parcours.id.label("parcours_id")))
    db.session.commit()
    click.echo(f"{refreshed} snapshot(s) refreshed for {on.isoformat()}.")


def _refresh_snapshots(on, batch: int = 500) -> int:
    """Recompute the snapshots that do not hold for `on`, a batch per transaction (a new day
    can raise new flags, which are the pilots' news)."""
    stale, revisions = stale_parcours(on)
    for start in range(0, len(stale), batch):
        refresh_snapshots(stale[start : start + batch], revisions, on)
        db.session.commit()
    return len(stale)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write a consistent copy of the whole database to FILE, safe while the app runs."""
    try:
        backup(db.engine, file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {db.engine.url.render_as_string(hide_password=True)} to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """Restore the backup FILE into the database (stop the app first)."""
    try:
        revision = restore(db.engine, file, replace=yes)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"Restored {file} into {url}: schema revision {revision or 'none'}.")
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    if revision is not None and revision not in {r.revision for r in script.walk_revisions()}:
        click.echo("That revision is not one of this code's migrations: serve it with the code")
        click.echo("that made the backup.")
    elif revision != script.get_current_head():
        click.echo("This code's migrations go further: run `flask db upgrade` before serving.")


@retention.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Keep this many days (default: PARCOURS_LOG_RETENTION_DAYS, 365).",
)
def purge(days: int | None):
    """Delete the security log entries older than the retention period, the access logs of
    the plans deleted before it, the requests remembered over 24 hours ago, and the password
    resets ended over 30 days ago (run it daily)."""
    kept = days or current_app.config["LOG_RETENTION_DAYS"]
    before = utcnow() - timedelta(days=kept)
    security = purge_security_log(before)
    access = purge_ended_logs(before)
    once = purge_once_requests()
    reads = purge_reads(utcnow() - timedelta(days=NEWS_DAYS))
    resets = purge_password_resets()
    db.session.commit()
    click.echo(f"{_entries(security)} of the security log older than {kept} days deleted.")
    click.echo(
        f"{_entries(access)} of the access logs of plans deleted over {kept} days ago deleted."
    )
    click.echo(f"{once} request(s) remembered over 24 hours ago forgotten.")
    click.echo(f"{reads} read mark(s) of news older than {NEWS_DAYS} days forgotten.")
    click.echo(f"{resets} password reset(s) ended over {RESET_KEPT.days} days ago deleted.")


def _entries(count: int) -> str:
    return f"{count} entry" if count == 1 else f"{count} entries"


@audit.command("verify")
def verify():
    """Check every link of every plan's access log; name the first broken one (exit status 1)."""
    result = verify_chains()
    plans = "plan" if result.plans == 1 else "plans"
    if result.broken is not None:
        click.echo(f"Broken link in the access log of {result.broken}.", err=True)
        click.echo(
            f"Verified before it: {_entries(result.entries)} in {result.plans} {plans}.", err=True
        )
        raise SystemExit(1)
    click.echo(
        f"The access log holds: {_entries(result.entries)} in {result.plans} {plans},"
        " every link verified."
    )


@notifications.command("send")
def send_notifications():
    """Queue the digests due now, then deliver every message due (run it every few minutes
    from cron or a systemd timer). Exit status 1 when a message could not be sent: it is kept
    and a later run tries again."""
    base = current_app.config.get("BASE_URL")
    if not base:
        click.echo("PARCOURS_BASE_URL is not set: the links point to http://localhost.", err=True)
    # A request context for the links (on the site's address); a POST's, so that SQLite
    # begins each transaction as a writer (core/database.py).
    with current_app.test_request_context(base_url=base or "http://localhost", method="POST"):
        # The flags a new day raised are news: found before the digests count them.
        _refresh_snapshots(today())
        digests = queue_digests()
        db.session.commit()
        result = deliver_due()
        purge_delivered()
        db.session.commit()
    click.echo(f"{digests} digest(s) queued, {result.sent} message(s) sent.")
    for line in result.errors:
        click.echo(line, err=True)
    if not result.ok:
        raise click.ClickException(
            f"{result.failed} message(s) not sent, kept for a later run; "
            f"{result.given_up} given up."
        )


def register_cli(app: Flask) -> None:
    app.cli.add_command(notifications)
    app.cli.add_command(users)
    app.cli.add_command(organisations)
    app.cli.add_command(observers)
    app.cli.add_command(retention)
    app.cli.add_command(audit)
    app.cli.add_command(timeline)
    app.cli.add_command(demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
