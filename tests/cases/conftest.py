"""Case tests use the case fixtures of tests/plugins/cases.py (registered at the root)."""

from __future__ import annotations

from datetime import timedelta

from corridor.cases.models import Case
from corridor.cases.services import opening
from corridor.core import clock
from corridor.people.inputs import NameEntry, PersonInput
from tests.plugins.cases import CASE_DB, person_input

__all__ = ["CASE_DB", "new_case", "person_input"]


def new_case(coordinator, *, given: str = "Amir", due_in_days: int = 0, region: str = "") -> Case:
    """A case with one plain person and a next action, assigned to nobody."""
    return opening.open_case(
        actor=coordinator,
        principal=PersonInput(names=[NameEntry(script="latn", given=given)]),
        region=region,
        next_action="call",
        next_action_due=clock.today() + timedelta(days=due_in_days),
    )
