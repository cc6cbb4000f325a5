"""The insider alert: a person opening more cases (or reading more requests) in an hour
than their work explains.

A coerced caseworker or a bought coordinator browses quietly; the defence is to
count. Every case opening is a row; when a person's openings within the last
hour pass the threshold (a setting, raised for a while during an audited surge
such as an evacuation night) an alert event is written in the same transaction
as the opening that crossed it, coordinators and auditors see a banner, and that
person's next openings need a fresh password and second factor until a
coordinator reviews the alert.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.accounts.alerts import alert_coordinators_and_auditors
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.selectors import count_actor_events
from corridor.audit.services import record_event
from corridor.cases.models import CaseOpening, InsiderAlert, Surge
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed

WINDOW = timedelta(hours=1)
# How long an unreviewed alert keeps the banner up and the step-up in force.
ALERT_HOLD = timedelta(hours=24)
DEFAULT_THRESHOLD = 20
# A surge may raise the threshold at most this many times: a coerced coordinator
# must not be able to switch the alert off by declaring one.
SURGE_FACTOR_LIMIT = 10
MAX_SURGE_HOURS = 24
SURGE_REASONS = frozenset({"evacuation_night", "mass_incident", "raid_response"})
REVIEW_OUTCOMES = frozenset({"expected", "questioned"})

COORDINATORS_ONLY = _("Only coordinators can do this.")
SURGE_REASON_INVALID = _("Choose why the surge is needed.")
SURGE_THRESHOLD_INVALID = ngettext_lazy(
    "A surge threshold is above the normal one (%(normal)s) and at most %(limit)s opening an hour.",
    "A surge threshold is above the normal one (%(normal)s) and at most %(limit)s openings an "
    "hour.",
    "limit",
)
SURGE_HOURS_INVALID = _("A surge lasts from 1 to 24 hours.")
SURGE_OVER = _("This surge has already ended.")
OWN_ALERT = _("Another coordinator must review an alert about you.")
ALERT_REVIEWED = _("This alert has already been reviewed.")
OUTCOME_INVALID = _("Choose an outcome.")


def normal_threshold() -> int:
    """Openings per person per hour before the alert fires (setting
    CORRIDOR_INSIDER_OPENINGS_PER_HOUR)."""
    value = getattr(settings, "CORRIDOR_INSIDER_OPENINGS_PER_HOUR", DEFAULT_THRESHOLD)
    return max(1, int(value))


def active_surges(at: datetime | None = None) -> QuerySet[Surge]:
    moment = at or clock.now()
    return Surge.objects.filter(starts_at__lte=moment, ends_at__gt=moment).order_by("ends_at")


def insider_threshold(at: datetime | None = None) -> int:
    """The threshold in force: the normal one, or a running surge's higher one."""
    raised = active_surges(at).aggregate(top=Max("threshold"))["top"]
    return max(normal_threshold(), int(raised or 0))


def openings_last_hour(staff: Staff, at: datetime | None = None) -> int:
    """Cases opened, requests read and searches that reached beyond their own cases by
    `staff` in the last hour: a request's answers are a person's story and phone as
    surely as a case is, so browsing requests counts too, and so does fishing for people
    through the search box."""
    moment = at or clock.now()
    cases = CaseOpening.objects.filter(staff=staff, opened_at__gt=moment - WINDOW).count()
    requests = count_actor_events(
        actor=staff.actor_id, event_type=EventType.REQUEST_READ, since=moment - WINDOW
    )
    # A search that found cases or requests beyond one's own asks about people too.
    searches = count_actor_events(
        actor=staff.actor_id, event_type=EventType.SEARCH_BEYOND, since=moment - WINDOW
    )
    return cases + requests + searches


def standing_alert(staff: Staff) -> InsiderAlert | None:
    """The newest unreviewed alert about `staff` from the last day, if any."""
    return (
        InsiderAlert.objects.filter(
            staff=staff, reviewed_at__isnull=True, raised_at__gt=clock.now() - ALERT_HOLD
        )
        .order_by("-raised_at")
        .first()
    )


def step_up_needed(staff: Staff, *, confirmed_at: datetime | None) -> bool:
    """True while an unreviewed alert stands and the person has not confirmed their password
    and second factor since it was raised (`confirmed_at`: their last confirmation, if it
    is still recent)."""
    alert = standing_alert(staff)
    return alert is not None and (confirmed_at is None or confirmed_at <= alert.raised_at)


def check_openings(actor: Staff) -> InsiderAlert | None:
    """Called in the transaction of every opening: raise the alert once an hour while the
    person's openings are above the threshold. Returns the alert raised, if any."""
    now = clock.now()
    count = openings_last_hour(actor, now)
    threshold = insider_threshold(now)
    if count <= threshold:
        return None
    if InsiderAlert.objects.filter(staff=actor, raised_at__gt=now - WINDOW).exists():
        return None
    alert = InsiderAlert.objects.create(
        staff=actor, raised_at=now, openings=count, threshold=threshold
    )
    record_event(
        actor=actor,
        event=EventType.INSIDER_ALERT_RAISED,
        object_type="accounts.staff",
        object_id=str(actor.pk),
        detail={"alert": str(alert.pk), "openings": count, "threshold": threshold},
    )
    # Urgent (issue 27): it wakes the person on call, never the person it is about.
    alert_coordinators_and_auditors(code="insider_alert", subject=actor, actor=None)
    return alert


def list_standing_alerts() -> QuerySet[InsiderAlert]:
    """Unreviewed alerts of the last day, newest first: the coordinators' and auditors' banner."""
    return (
        InsiderAlert.objects.filter(
            reviewed_at__isnull=True, raised_at__gt=clock.now() - ALERT_HOLD
        )
        .select_related("staff")
        .order_by("-raised_at")
    )


def list_insider_alerts(*, limit: int = 200) -> QuerySet[InsiderAlert]:
    """Every alert, newest first, with who raised and who reviewed it (the auditor's tab)."""
    return InsiderAlert.objects.select_related("staff", "reviewed_by").order_by("-raised_at")[
        :limit
    ]


def list_surges(*, limit: int = 100) -> QuerySet[Surge]:
    """Surges declared, newest first, with who declared them."""
    return Surge.objects.select_related("declared_by").order_by("-starts_at")[:limit]


def get_insider_alert(alert_id: UUID) -> InsiderAlert | None:
    return InsiderAlert.objects.filter(pk=alert_id).first()


def get_surge(surge_id: int) -> Surge | None:
    return Surge.objects.filter(pk=surge_id).first()


@transaction.atomic
def review_insider_alert(*, actor: Staff, alert: InsiderAlert, outcome: str) -> InsiderAlert:
    """A coordinator looked into the alert: `expected` (the work explains it) or `questioned`.
    Either ends the step-up; `questioned` is what an auditor follows up."""
    if Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(COORDINATORS_ONLY))
    if alert.staff_id == actor.pk:
        raise NotAllowed(str(OWN_ALERT))
    if outcome not in REVIEW_OUTCOMES:
        raise InvalidInput(str(OUTCOME_INVALID))
    locked = InsiderAlert.objects.select_for_update().get(pk=alert.pk)
    if locked.reviewed_at is not None:
        raise InvalidInput(str(ALERT_REVIEWED))
    locked.reviewed_by = actor
    locked.reviewed_at = clock.now()
    locked.review_outcome = outcome
    locked.save(update_fields=["reviewed_by", "reviewed_at", "review_outcome", "updated_at"])
    record_event(
        actor=actor,
        event=EventType.INSIDER_ALERT_REVIEWED,
        object_type="accounts.staff",
        object_id=str(locked.staff_id),
        reason=outcome,
        detail={"alert": str(locked.pk)},
    )
    return locked


@transaction.atomic
def declare_surge(*, actor: Staff, reason: str, threshold: int, hours: int) -> Surge:
    """Raise the threshold for `hours`; audited, and shown to every coordinator and auditor."""
    if Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(COORDINATORS_ONLY))
    if reason not in SURGE_REASONS:
        raise InvalidInput(str(SURGE_REASON_INVALID))
    normal = normal_threshold()
    limit = normal * SURGE_FACTOR_LIMIT
    if not normal < threshold <= limit:
        raise InvalidInput(str(SURGE_THRESHOLD_INVALID % {"normal": normal, "limit": limit}))
    if not 1 <= hours <= MAX_SURGE_HOURS:
        raise InvalidInput(str(SURGE_HOURS_INVALID))
    now = clock.now()
    surge = Surge.objects.create(
        declared_by=actor,
        reason=reason,
        threshold=threshold,
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
    )
    record_event(
        actor=actor,
        event=EventType.SURGE_DECLARED,
        object_type="cases.surge",
        object_id=str(surge.pk),
        reason=reason,
        detail={"threshold": threshold, "hours": hours},
    )
    return surge


@transaction.atomic
def end_surge(*, actor: Staff, surge: Surge) -> Surge:
    if Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(COORDINATORS_ONLY))
    now = clock.now()
    if surge.ends_at <= now:
        raise InvalidInput(str(SURGE_OVER))
    surge.ends_at = now
    surge.save(update_fields=["ends_at"])
    record_event(
        actor=actor,
        event=EventType.SURGE_ENDED,
        object_type="cases.surge",
        object_id=str(surge.pk),
    )
    return surge
