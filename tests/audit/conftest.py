"""Fixtures for the audit tests."""

from tests.keys import vault_keys  # noqa: F401 - a fixture, registered by importing it
