"""Case fixtures for every test package: staff in each role, and a case factory with a canary
in every field. Registered from the root conftest."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.cases.models import Case
from tests.factories import StaffFactory, open_case_for, person_input

__all__ = ["CASE_DB", "open_case_for", "person_input"]

CASE_DB = pytest.mark.django_db(databases=["default", "keystore"])


@pytest.fixture
def coordinator(db):
    return StaffFactory(roles=[Role.COORDINATOR])


@pytest.fixture
def caseworker(db):
    return StaffFactory(roles=[Role.CASEWORKER])


@pytest.fixture
def verifier(db):
    return StaffFactory(roles=[Role.VERIFIER])


@pytest.fixture
def admin(db):
    return StaffFactory(roles=[Role.ADMIN])


@pytest.fixture
def open_case(vault_keys, coordinator, caseworker):
    """A factory: a case opened by the coordinator, led by the caseworker."""

    def make(canary: str = "", *, assign: bool = True) -> Case:
        return open_case_for(coordinator, caseworker, canary, assign=assign)

    return make
