"""The demo command: it refuses to erase a database that holds accounts unless told to, and
runs any number of times on the same database."""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from parcours.demo import observatory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.committing
def test_demo_refuses_to_erase_accounts_without_yes(app, make):
    make.user()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "already holds accounts: add --yes" in result.output


def _sqlite_row_counts(path: Path) -> dict[str, int]:
    """The rows of every table of a SQLite file, by table name."""
    with closing(sqlite3.connect(path)) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for (name,) in tables.fetchall()
        }


def test_demo_runs_twice_on_the_same_sqlite_file(tmp_path):
    """What `./scripts/demo` does each time it starts: the second run resets the demo data."""
    database = tmp_path / "demo.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "demo-test-key"}
    runs = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "demo", "--yes"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append(_sqlite_row_counts(database))
    first, second = runs
    assert second == first
    # One copy of the demo: one account per login the command printed, and the accounts of
    # the observatory's generated plans (their coordinator and people, no demo login).
    logins = result.stdout.split("Sign in with one of these accounts:\n")[1].splitlines()
    assert second["users"] == len(logins) + len(observatory.PLANS) + 1 > 0
