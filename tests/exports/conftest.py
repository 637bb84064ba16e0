"""The foundation's world (a parcours with a person, family and a professional) for exports."""

from tests.test_permissions import world  # noqa: F401 - a fixture, shared
