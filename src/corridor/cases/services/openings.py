"""Opening a case for work: its sealed fields show for ten minutes in one browser session.

One click instead of one per field, and one audit event per opening: an assigned
person's `cases.case_opened_for_work`, or a coordinator's break-glass
`cases.case_revealed` with its reason code. Every opening is also counted for the
insider alert (services/insider.py), whose alert is written in the same
transaction as the opening that crossed the threshold.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.cases.access import (
    REVEAL_LIFETIME,
    CaseNotFound,
    RevealReasonNeeded,
    StepUpNeeded,
    is_assigned,
    may_see_case,
    session_fingerprint,
)
from corridor.cases.models import Case, CaseOpening
from corridor.cases.services.assignment import record_reveal
from corridor.cases.services.insider import check_openings, step_up_needed
from corridor.core import clock


def open_case_for_work(
    *,
    actor: Staff,
    case: Case,
    session_key: str,
    reason: str = "",
    confirmed_at: datetime | None = None,
) -> CaseOpening:
    """Open `case` for `actor` in the browser session `session_key` for ten minutes.

    Raises CaseNotFound (may not see it), RevealReasonNeeded (a coordinator not
    assigned to it gave no reason), StepUpNeeded (an insider alert stands and the
    person has not confirmed their password and second factor since; `confirmed_at`
    is when they last did, if recently), or InvalidInput for an unknown reason code.
    The checks run before the write transaction, so a refusal changes nothing.
    """
    if not session_key or not may_see_case(actor, case):
        raise CaseNotFound
    assigned = is_assigned(actor, case)
    if not assigned and not reason:
        raise RevealReasonNeeded
    if step_up_needed(actor, confirmed_at=confirmed_at):
        raise StepUpNeeded
    with transaction.atomic():
        now = clock.now()
        opening = CaseOpening.objects.create(
            case=case,
            staff=actor,
            session=session_fingerprint(session_key),
            reason="" if assigned else reason,
            opened_at=now,
            expires_at=now + REVEAL_LIFETIME,
        )
        if assigned:
            # No timeline line: openings are routine, and the timeline is the case's history.
            record_event(
                actor=actor,
                event=EventType.CASE_OPENED_FOR_WORK,
                object_type="cases.case",
                object_id=str(case.pk),
                case_id=case.ref,
            )
        else:
            # The break-glass record keyd reads, with its own event and reason code.
            record_reveal(actor=actor, case=case, reason=reason)
        check_openings(actor)
    return opening
