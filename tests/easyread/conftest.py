"""Fixtures of the easy-read tests."""

import pytest

from tests.means.factories import MeansFactory


@pytest.fixture
def mk(make) -> MeansFactory:
    return MeansFactory(make)
