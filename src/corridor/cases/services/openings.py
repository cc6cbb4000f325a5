"""Opening a case for work: its sealed fields show for ten minutes in one browser session.

An assigned person's opening stays open while they keep working on the case: each action
on it (renew_opening) moves the end to ten minutes from then, never past the work window
a coordinator sets (default 60 minutes from the opening, never above WORK_WINDOW_CEILING).
A coordinator's break-glass opening keeps its fixed ten minutes. Renewing creates no
opening, so the insider counters count exactly what they counted before.

One click instead of one per field, and one audit event per opening: an assigned
person's `cases.case_opened_for_work`, or a coordinator's break-glass
`cases.case_revealed` with its reason code. Every opening is also counted for the
insider alert (services/insider.py), whose alert is written in the same
transaction as the opening that crossed the threshold.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.access import (
    REVEAL_LIFETIME,
    CaseNotFound,
    RevealReasonNeeded,
    StepUpNeeded,
    active_opening,
    is_assigned,
    may_coordinate,
    may_see_case,
    session_fingerprint,
)
from corridor.cases.models import Case, CaseOpening, WorkWindow
from corridor.cases.services.assignment import record_reveal
from corridor.cases.services.insider import check_openings, step_up_needed
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed

DEFAULT_WORK_WINDOW = timedelta(minutes=60)
# Fixed here, not a setting: no coordinator can keep a case's plaintext open longer.
WORK_WINDOW_CEILING = timedelta(hours=3)
ONLY_COORDINATORS = _("Only coordinators set the work window.")


def work_window() -> timedelta:
    """How long working on a case may keep an assigned person's opening open."""
    latest = WorkWindow.objects.order_by("-set_at", "-pk").first()
    chosen = timedelta(minutes=latest.minutes) if latest is not None else DEFAULT_WORK_WINDOW
    return min(max(chosen, REVEAL_LIFETIME), WORK_WINDOW_CEILING)


def set_work_window(*, actor: Staff, minutes: int) -> WorkWindow:
    """A coordinator sets the work window (audited); InvalidInput outside its bounds."""
    if not may_coordinate(actor):
        raise NotAllowed(str(ONLY_COORDINATORS))
    low = int(REVEAL_LIFETIME.total_seconds() // 60)
    high = int(WORK_WINDOW_CEILING.total_seconds() // 60)
    if minutes > high:
        raise InvalidInput(
            ngettext(
                "The work window is at most %(minutes)s minute.",
                "The work window is at most %(minutes)s minutes.",
                high,
            )
            % {"minutes": high}
        )
    if minutes < low:
        raise InvalidInput(
            ngettext(
                "The work window is at least %(minutes)s minute.",
                "The work window is at least %(minutes)s minutes.",
                low,
            )
            % {"minutes": low}
        )
    with transaction.atomic():
        row = WorkWindow.objects.create(minutes=minutes, set_by=actor, set_at=clock.now())
        record_event(
            actor=actor,
            event=EventType.WORK_WINDOW_SET,
            object_type=ObjectType.WORK_WINDOW,
            object_id=str(row.pk),
            detail={"minutes": minutes},
        )
    return row


def renew_opening(*, actor: Staff, case: Case, session_key: str) -> datetime | None:
    """The person acted on the case: keep their opening in this session open ten more
    minutes, up to the work window from when it was opened. Only an assigned person's
    own opening (no reason code); a break-glass opening is never renewed. The new end,
    or None when nothing was renewed."""
    opening = active_opening(actor, case, session_key)
    if opening is None or opening.reason or not is_assigned(actor, case):
        return None
    now = clock.now()
    until = min(now + REVEAL_LIFETIME, opening.opened_at + work_window())
    if until <= opening.expires_at:
        return None
    with transaction.atomic():
        renewed = CaseOpening.objects.filter(pk=opening.pk, expires_at__lt=until).update(
            expires_at=until
        )
        if renewed:
            record_event(
                actor=actor,
                event=EventType.OPENING_RENEWED,
                object_type=ObjectType.CASE,
                object_id=str(case.pk),
                case_id=case.ref,
                detail={"minutes_left": int((until - now).total_seconds() // 60)},
            )
    return until if renewed else None


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
                object_type=ObjectType.CASE,
                object_id=str(case.pk),
                case_id=case.ref,
            )
        else:
            # The break-glass record keyd reads, with its own event and reason code.
            record_reveal(actor=actor, case=case, reason=reason)
        check_openings(actor)
    return opening
