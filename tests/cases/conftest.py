"""Case tests use the case fixtures of tests/plugins/cases.py (registered at the root)."""

from __future__ import annotations

from corridor.cases.closing import Disposition
from corridor.cases.models import Case
from corridor.cases.selectors import list_running
from corridor.cases.services import closing
from corridor.pathways.selectors import list_running_applications
from tests.plugins.cases import CASE_DB

__all__ = ["CASE_DB", "close_settled"]


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
