"""Evacuation nights (surges): for a few hours a coordinator lifts, for the people listed,
both limits that slow a person opening case after case: how many case keys keyd gives
them an hour (lifted in keyd's own ledger, which lifts nothing for a row written only
into this database) and how many openings an hour raise the insider alert.

    surge = open_surge(actor=coordinator, name="night-0512", members=[a, b], hours=6,
                       reason="evacuation_night", threshold=60)
    close_surge(actor=coordinator, surge=surge)

Every opening and closing is an audit event; opening one alerts the other coordinators,
and every coordinator and auditor sees a running night on every page, so a coerced
coordinator cannot quietly lift a colleague's limits.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.accounts.alerts import alert_coordinators
from corridor.accounts.models import Staff, Surge
from corridor.accounts.roles import DATA_ROLES, Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.vault import ledger as vault_ledger

# keyd refuses a longer night (vault/keyd/tickets.py reads its own copy: keyd imports no
# Django app); the form and the service read this one.
MAX_SURGE_HOURS = 12
DEFAULT_THRESHOLD = 20
# A night may raise the insider threshold at most this many times: a coerced coordinator
# must not be able to switch the alert off by opening one.
SURGE_FACTOR_LIMIT = 10
SURGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")

SURGE_NAME_INVALID = _(
    "Name the night with letters, digits, dots and dashes only (for example night-0512), "
    "never with a person's name."
)
SURGE_HOURS_INVALID = _("A surge lasts from 1 to 12 hours.")
SURGE_REASON_INVALID = _("Choose why the surge is needed.")
SURGE_THRESHOLD_INVALID = ngettext_lazy(
    "A surge threshold is above the normal one (%(normal)s) and at most %(limit)s opening an hour.",
    "A surge threshold is above the normal one (%(normal)s) and at most %(limit)s openings an "
    "hour.",
    "limit",
)
SURGE_MEMBERS_NEEDED = _("Choose at least one person who works with cases.")
SURGE_MEMBER_INVALID = _("Only active staff who work with cases can be listed.")
SURGE_COORDINATORS_ONLY = _("Only coordinators open or close an evacuation night.")
SURGE_CLOSED_ALREADY = _("This evacuation night is already over.")


def normal_threshold() -> int:
    """Openings per person per hour before the insider alert fires, outside a night
    (setting CORRIDOR_INSIDER_OPENINGS_PER_HOUR)."""
    value = getattr(settings, "CORRIDOR_INSIDER_OPENINGS_PER_HOUR", DEFAULT_THRESHOLD)
    return max(1, int(value))


def threshold_limit() -> int:
    """The highest insider threshold a night may set."""
    return normal_threshold() * SURGE_FACTOR_LIMIT


def active_surges(at: datetime | None = None) -> QuerySet[Surge]:
    """Nights running at `at` (now), the soonest to end first."""
    moment = at or clock.now()
    return Surge.objects.filter(
        opened_at__lte=moment, ends_at__gt=moment, closed_at__isnull=True
    ).order_by("ends_at")


def surge_threshold(staff: Staff, at: datetime | None = None) -> int:
    """The insider threshold in force for `staff`: the normal one, or the highest one of a
    running night that lists them."""
    raised = active_surges(at).filter(members=staff).aggregate(top=Max("threshold"))["top"]
    return max(normal_threshold(), int(raised or 0))


def list_recent_surges(limit: int = 20) -> QuerySet[Surge]:
    """The newest evacuation nights first, with who opened them and who was listed."""
    return (
        Surge.objects.select_related("opened_by")
        .prefetch_related("members")
        .order_by("-opened_at")[:limit]
    )


def get_surge(surge_id: UUID) -> Surge | None:
    return Surge.objects.filter(pk=surge_id).first()


def _check_coordinator(actor: Staff) -> None:
    if Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(SURGE_COORDINATORS_ONLY))


@transaction.atomic
def open_surge(
    *,
    actor: Staff,
    name: str,
    members: Collection[Staff],
    hours: int,
    reason: str = Surge.Reason.EVACUATION_NIGHT,
    threshold: int | None = None,
) -> Surge:
    """Lift the limits of `members` for `hours`, starting now. `threshold` (openings an
    hour before the insider alert) is above the normal one and at most ten times it; by
    default three times it."""
    _check_coordinator(actor)
    if not isinstance(name, str) or not SURGE_NAME.fullmatch(name):
        raise InvalidInput(str(SURGE_NAME_INVALID))
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_SURGE_HOURS:
        raise InvalidInput(str(SURGE_HOURS_INVALID))
    if reason not in Surge.Reason.values:
        raise InvalidInput(str(SURGE_REASON_INVALID))
    normal = normal_threshold()
    limit = threshold_limit()
    chosen = min(normal * 3, limit) if threshold is None else threshold
    if isinstance(chosen, bool) or not isinstance(chosen, int) or not normal < chosen <= limit:
        raise InvalidInput(str(SURGE_THRESHOLD_INVALID % {"normal": normal, "limit": limit}))
    if not members:
        raise InvalidInput(str(SURGE_MEMBERS_NEEDED))
    if any(not member.is_active or not roles_of(member) & DATA_ROLES for member in members):
        raise InvalidInput(str(SURGE_MEMBER_INVALID))
    now = clock.now()
    surge = Surge.objects.create(
        name=name,
        reason=reason,
        threshold=chosen,
        opened_by=actor,
        opened_at=now,
        ends_at=now + timedelta(hours=hours),
    )
    surge.members.set(members)
    # keyd's own ledger decides whose key limit is lifted; this row is what the pages show
    # and what the insider alert reads.
    vault_ledger.record_surge(
        surge_id=str(surge.pk), members=[member.pk for member in members], hours=hours
    )
    record_event(
        actor=actor,
        event=EventType.SURGE_OPENED,
        object_type=ObjectType.SURGE,
        object_id=str(surge.pk),
        reason=reason,
        detail={"name": name, "hours": hours, "members": len(members), "threshold": chosen},
    )
    alert_coordinators(code="surge_opened")
    return surge


@transaction.atomic
def close_surge(*, actor: Staff, surge: Surge) -> Surge:
    """End an evacuation night early; the listed people are back to the normal limits."""
    _check_coordinator(actor)
    now = clock.now()
    locked = Surge.objects.select_for_update().get(pk=surge.pk)
    if locked.closed_at is not None or locked.ends_at <= now:
        raise InvalidInput(str(SURGE_CLOSED_ALREADY))
    locked.closed_at = now
    locked.save(update_fields=["closed_at"])
    vault_ledger.record_surge_closed(surge_id=str(locked.pk))
    record_event(
        actor=actor,
        event=EventType.SURGE_CLOSED,
        object_type=ObjectType.SURGE,
        object_id=str(locked.pk),
    )
    return locked
