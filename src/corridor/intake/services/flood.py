"""Dismissing a flood: every request flagged `flood` that nobody has worked on yet is
declined in one action, each recorded in the audit log on its own.

A request is flagged `flood` when it came from a network source that had used up one of
its own portal limits (sources.py), or when screening saw more requests than usual on its
channel that day. Only requests still waiting (screening, unsealing, verification) are
dismissed: one a verifier already acted on keeps its decision. Dismissed requests are
erased with the declined ones (CORRIDOR_SCREENING_ERASE_DAYS); the requester gets no
message, so a flood costs no key-service work.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.exceptions import NotAllowed
from corridor.intake.keyd_phase import record_phase
from corridor.intake.models import Outcome, Request, Signal, Status
from corridor.intake.selectors import SCREENING_ROLES, requests_visible_to
from corridor.intake.tally import count_decision

DISMISSABLE = frozenset({Status.AWAITING_SCREENING, Status.AWAITING_UNSEAL, Status.IN_VERIFICATION})
NOT_A_VERIFIER = _("Only verifiers and coordinators dismiss a flood.")
DISMISS_REASON = "dismiss_flood"


def flood_requests(actor: Staff) -> list[Request]:
    """The requests a flood dismissal would decline, as `actor` sees them."""
    return list(
        requests_visible_to(actor)
        .filter(flags__code=Signal.FLOOD, status__in=DISMISSABLE)
        .distinct()
        .order_by("received_on", "reference")
    )


def dismiss_flood(*, actor: Staff) -> int:
    """Decline every waiting request flagged `flood`; how many were declined."""
    if not roles_of(actor) & SCREENING_ROLES:
        raise NotAllowed(str(NOT_A_VERIFIER))
    dismissed = 0
    for candidate in flood_requests(actor):
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=candidate.pk)
            if locked.status not in DISMISSABLE:
                continue  # someone decided on it a moment ago: theirs stands
            now = clock.now()
            locked.status = Status.DECLINED
            locked.decided_at, locked.decided_by = now, actor
            locked.review_due_at = None
            locked.erase_on = clock.today() + timedelta(
                days=int(settings.CORRIDOR_SCREENING_ERASE_DAYS)
            )
            locked.save()
            record_phase(locked)
            record_event(
                actor=actor,
                event=EventType.REQUEST_DECIDED,
                object_type=ObjectType.REQUEST,
                object_id=str(locked.id),
                reason=DISMISS_REASON,
                detail={"outcome": Outcome.DECLINE.value, "methods": 0},
            )
            count_decision(locked, Status.DECLINED)
            dismissed += 1
    return dismissed
