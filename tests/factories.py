"""Test data builders, in one place: staff (factory_boy), people and cases (through the
services, so every case is encrypted and audited as in use).

Role fixtures (`coordinator`, `caseworker`, `verifier`, `admin`) and the `open_case`
factory fixture are in tests/plugins/cases.py, built from these.
"""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.contrib.auth.models import Group

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.cases.services import opening
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.people.inputs import NameEntry, PersonInput

TEST_PASSWORD = "correct horse battery staple 7"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        wanted = extracted if extracted is not None else [Role.CASEWORKER]
        groups = [Group.objects.get_or_create(name=Role(role).value)[0] for role in wanted]
        self.groups.set(groups)
        self.save()


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


def new_case(coordinator, *, given: str = "Amir", due_in_days: int = 0, region: str = "") -> Case:
    """A case with one plain person and a next action, assigned to nobody."""
    return opening.open_case(
        actor=coordinator,
        principal=PersonInput(names=[NameEntry(script="latn", given=given)]),
        region=region,
        next_action="call",
        next_action_due=clock.today() + timedelta(days=due_in_days),
    )
