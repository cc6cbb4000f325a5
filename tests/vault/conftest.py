"""Fixtures for the vault's tests."""

from __future__ import annotations

import pytest

from tests.keys import vault_keys  # noqa: F401 - a fixture, registered by importing it

KEYSTORE_DB = pytest.mark.django_db(databases=["default", "keystore"])
