"""Fixtures of the means tests."""

import pytest

from tests.means.factories import MeansFactory


@pytest.fixture
def mk(make) -> MeansFactory:
    """Means factories: mk.alliance(), mk.means(), mk.stance(), mk.decide()…"""
    return MeansFactory(make)
