"""Fixtures shared by the export tests: the foundation's world (a parcours with a person,
family and a professional) and the timeline factory."""

from tests.test_permissions import world  # noqa: F401 - a fixture, shared
from tests.timeline.conftest import tl  # noqa: F401 - a fixture, shared
