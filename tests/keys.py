"""A fixture for tests that encrypt or sign: a private KEK file and fresh long-lived keys.

Import it into a conftest (`from tests.keys import vault_keys  # noqa: F401`) and mark
the test `@pytest.mark.django_db(databases=["default", "keystore"])`.
"""

from __future__ import annotations

import pytest

from corridor.vault.longlived import InitialisedKeys, initialise_keys


@pytest.fixture
def vault_keys(settings, tmp_path) -> InitialisedKeys:
    """Each test gets its own data dir (so its own kek.demo) and its own keys."""
    settings.CORRIDOR_DATA_DIR = tmp_path / "data"
    settings.CORRIDOR_DATA_DIR.mkdir(mode=0o700)
    return initialise_keys()
