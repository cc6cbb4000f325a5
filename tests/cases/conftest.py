"""Case tests use the case fixtures of tests/plugins/cases.py (registered at the root)."""

from __future__ import annotations

from datetime import timedelta

from corridor.cases.closing import Disposition
from corridor.cases.models import Case
from corridor.cases.selectors import list_running
from corridor.cases.services import closing, opening
from corridor.core import clock
from corridor.pathways.selectors import list_running_applications
from corridor.people.inputs import NameEntry, PersonInput
from tests.plugins.cases import CASE_DB, person_input

__all__ = ["CASE_DB", "close_settled", "new_case", "person_input"]


def new_case(coordinator, *, given: str = "Amir", due_in_days: int = 0, region: str = "") -> Case:
    """A case with one plain person and a next action, assigned to nobody."""
    return opening.open_case(
        actor=coordinator,
        principal=PersonInput(names=[NameEntry(script="latn", given=given)]),
        region=region,
        next_action="call",
        next_action_due=clock.today() + timedelta(days=due_in_days),
    )


def close_settled(
    actor,
    case: Case,
    reason: str,
    *,
    kept: str = "handed to a partner",
    sharing_confirmed: bool = False,
) -> Case:
    """Close through the checklist: everything endable ends, the rest is kept for `kept`."""
    pending = list_running_applications(case.pk)
    settled = {
        item.key: Disposition(end=item.endable, reason="" if item.endable else kept)
        for item in [*list_running(case), *pending]
    }
    return closing.close_case(
        actor=actor,
        case=case,
        reason=reason,
        dispositions=settled,
        also_running=pending,
        sharing_confirmed=sharing_confirmed,
    )
