"""The demo command: it refuses to erase a database that holds accounts unless told to."""

import pytest


@pytest.mark.committing
def test_demo_refuses_to_erase_accounts_without_yes(app, make):
    make.user()
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "already holds accounts: add --yes" in result.output
