"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from tests.factories import StaffFactory

# Transactional tests flush the append-only audit tables through audit_flush; classify
# marks each test with its part of the suite (process, browser, slow, database, pure).
pytest_plugins = [
    "tests.plugins.audit_flush",
    "tests.plugins.classify",
    "tests.keys",
    "tests.plugins.cases",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need the PostgreSQL run; elsewhere they are skipped, visibly."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run `make test-postgres`")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder all pytest-xdist workers of a run share (processes.installed_data_dir)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture
def canary() -> str:
    """A unique string to seed into a field and then search for everywhere it must not be."""
    return f"CANARY{secrets.token_hex(8).upper()}"


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture(autouse=True)
def _language_reset_after_each_test():
    """A page rendered in Russian leaves Russian active in the thread; the next test must
    start in the default language whatever ran before it."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _portal_limits_forgotten():
    """The portal's per-source limits live in process memory: each test starts empty."""
    from corridor.intake.sources import forget_everything

    forget_everything()
