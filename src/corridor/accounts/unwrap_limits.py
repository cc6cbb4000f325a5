"""Refusals of a case key by keyd, recorded in the audit log: over the hourly limit, the
coordinators are told. The nights that lift the limit are accounts.surges.

    record_unwrap_refusal(actor=staff, reason="rate_limited", case_id=str(case.pk))
"""

from __future__ import annotations

from django.db import transaction

from corridor.accounts.alerts import alert_coordinators
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor

REFUSAL_REASONS = frozenset(
    {"not_allowed", "rate_limited", "principal", "purpose", "policy_unavailable", "ticket"}
)


@transaction.atomic
def record_unwrap_refusal(
    *, actor: Actor, reason: str, case_id: str = "", detail: dict[str, str | int] | None = None
) -> None:
    """keyd refused `actor` a key: an audit event; over the limit, the coordinators are told.

    Called once the request's own transaction has rolled back, so the event stays.
    """
    code = reason if reason in REFUSAL_REASONS else "not_allowed"
    record_event(
        actor=actor,
        event=EventType.UNWRAP_REFUSED,
        object_type=ObjectType.CASE if case_id else None,
        object_id=case_id,
        reason=code,
        detail=detail,
    )
    if code == "rate_limited":
        alert_coordinators(code="unwrap_limit")
