"""Case fixtures for every test package: staff in each role, and a case factory with a canary
in every field. Registered from the root conftest."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.cases.services import opening
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.people.inputs import NameEntry, PersonInput
from tests.factories import StaffFactory

CASE_DB = pytest.mark.django_db(databases=["default", "keystore"])


@pytest.fixture
def coordinator(db):
    return StaffFactory(roles=[Role.COORDINATOR])


@pytest.fixture
def caseworker(db):
    return StaffFactory(roles=[Role.CASEWORKER])


def person_input(canary: str = "", **overrides) -> PersonInput:
    values = {
        "names": [
            NameEntry(script="cyrl", given=f"Ислам{canary}", family="Умаров"),
            NameEntry(script="latn", given=f"Islam{canary}", family="Umarov"),
        ],
        "address_as": f"Islam {canary}",
        "date_of_birth": date(1994, 3, 7),
        "contacts": [{"kind": "phone", "value": f"+7 900 111-22-33 {canary}"}],
        "narrative": f"story {canary}",
        "nationality": "RU",
        "current_country": "RU",
        "has_international_passport": False,
    }
    values.update(overrides)
    return PersonInput(**values)


def open_case_for(coordinator, caseworker, canary: str = "", *, assign: bool = True) -> Case:
    """A case opened by the coordinator (with a canary in every field), led by the caseworker,
    made with whichever key provider is configured now."""
    case = opening.open_case(
        actor=coordinator,
        principal=person_input(canary),
        region="RU-CE",
        next_action=f"call back {canary}",
        next_action_due=clock.today() + timedelta(days=1),
    )
    if assign:
        assign_case(actor=coordinator, case=case, staff=caseworker)
    case.refresh_from_db()
    return case


@pytest.fixture
def open_case(vault_keys, coordinator, caseworker):
    """A factory: a case opened by the coordinator, led by the caseworker."""

    def make(canary: str = "", *, assign: bool = True) -> Case:
        return open_case_for(coordinator, caseworker, canary, assign=assign)

    return make
