"""Case fixtures for every test package: staff in each role, and a case factory with a canary
in every field, built with tests/factories.py. Registered from the root conftest."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.cases.models import Case
from tests.factories import open_case_for, staff_with

CASE_DB = pytest.mark.django_db(databases=["default", "keystore"])


@pytest.fixture
def coordinator(db):
    return staff_with(Role.COORDINATOR)


@pytest.fixture
def caseworker(db):
    return staff_with(Role.CASEWORKER)


@pytest.fixture
def verifier(db):
    return staff_with(Role.VERIFIER)


@pytest.fixture
def hotline_operator(db):
    return staff_with(Role.HOTLINE_OPERATOR)


@pytest.fixture
def admin(db):
    return staff_with(Role.ADMIN)


@pytest.fixture
def open_case(vault_keys, coordinator, caseworker):
    """A factory: a case opened by the coordinator, led by the caseworker."""

    def make(canary: str = "", *, assign: bool = True) -> Case:
        return open_case_for(coordinator, caseworker, canary, assign=assign)

    return make
