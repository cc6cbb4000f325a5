"""How many case keys a person may have per hour, as keyd enforces it: surge nights that lift
the limit for listed people (kept in keyd's own ledger, which lifts nothing for a row
written only into this database), and refusals recorded in the audit log.

    surge = open_surge(actor=coordinator, name="night-0512", members=[a, b], hours=6)
    close_surge(actor=coordinator, surge=surge)
    record_unwrap_refusal(actor=staff, reason="rate_limited", case_id=str(case.pk))

Every opening and closing is an audit event and alerts the other coordinators, so
a coerced coordinator cannot quietly lift a colleague's limit.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.alerts import alert_coordinators
from corridor.accounts.models import Staff, UnwrapSurge
from corridor.accounts.roles import DATA_ROLES, Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.vault import ledger as vault_ledger

MAX_SURGE_HOURS = 12
SURGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
REFUSAL_REASONS = frozenset(
    {"not_allowed", "rate_limited", "principal", "purpose", "policy_unavailable", "ticket"}
)
SURGE_NAME_INVALID = _(
    "Name the night with letters, digits, dots and dashes only (for example night-0512), "
    "never with a person's name."
)
SURGE_HOURS_INVALID = _("A surge lasts from 1 to 12 hours.")
SURGE_MEMBERS_NEEDED = _("Choose at least one person who works with cases.")
SURGE_MEMBER_INVALID = _("Only active staff who work with cases can be listed.")
SURGE_COORDINATORS_ONLY = _("Only coordinators open or close an evacuation night.")
SURGE_CLOSED_ALREADY = _("This evacuation night is already over.")


def _check_coordinator(actor: Staff) -> None:
    if Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(SURGE_COORDINATORS_ONLY))


@transaction.atomic
def open_surge(*, actor: Staff, name: str, members: Collection[Staff], hours: int) -> UnwrapSurge:
    """Lift the unwrap limit of `members` to the surge limit for `hours`, starting now."""
    _check_coordinator(actor)
    if not isinstance(name, str) or not SURGE_NAME.fullmatch(name):
        raise InvalidInput(str(SURGE_NAME_INVALID))
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_SURGE_HOURS:
        raise InvalidInput(str(SURGE_HOURS_INVALID))
    if not members:
        raise InvalidInput(str(SURGE_MEMBERS_NEEDED))
    if any(not roles_of(member) & DATA_ROLES for member in members):
        raise InvalidInput(str(SURGE_MEMBER_INVALID))
    now = clock.now()
    surge = UnwrapSurge.objects.create(
        name=name, opened_by=actor, opened_at=now, ends_at=now + timedelta(hours=hours)
    )
    surge.members.set(members)
    # keyd's own ledger decides whose limit is lifted; this row is what the pages show.
    vault_ledger.record_surge(
        surge_id=str(surge.pk), members=[member.pk for member in members], hours=hours
    )
    record_event(
        actor=actor,
        event=EventType.SURGE_OPENED,
        object_type="accounts.unwrap_surge",
        object_id=str(surge.pk),
        detail={"name": name, "hours": hours, "members": len(members)},
    )
    alert_coordinators(code="surge_opened")
    return surge


@transaction.atomic
def close_surge(*, actor: Staff, surge: UnwrapSurge) -> UnwrapSurge:
    """End an evacuation night early; the listed people are back to the normal limit."""
    _check_coordinator(actor)
    now = clock.now()
    if surge.closed_at is not None or surge.ends_at <= now:
        raise InvalidInput(str(SURGE_CLOSED_ALREADY))
    surge.closed_at = now
    surge.save(update_fields=["closed_at"])
    vault_ledger.record_surge_closed(surge_id=str(surge.pk))
    record_event(
        actor=actor,
        event=EventType.SURGE_CLOSED,
        object_type="accounts.unwrap_surge",
        object_id=str(surge.pk),
    )
    return surge


def list_recent_surges(limit: int = 20) -> QuerySet[UnwrapSurge]:
    """The newest evacuation nights first, with who opened them and who was listed."""
    return (
        UnwrapSurge.objects.select_related("opened_by")
        .prefetch_related("members")
        .order_by("-opened_at")[:limit]
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
        object_type="cases.case" if case_id else "",
        object_id=case_id,
        reason=code,
        detail=detail,
    )
    if code == "rate_limited":
        alert_coordinators(code="unwrap_limit")
