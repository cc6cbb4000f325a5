"""The insider alert: a person opening more cases (or reading more requests) in an hour
than their work explains.

A coerced caseworker or a bought coordinator browses quietly; the defence is to
count. Every case opening is a row; when a person's openings within the last
hour pass the threshold (a setting, raised for the people an audited evacuation
night lists: accounts.surges) an alert event is written in the same transaction
as the opening that crossed it, coordinators and auditors see a banner, and that
person's next openings need a fresh password and second factor until a
coordinator reviews the alert.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.alerts import alert_coordinators_and_auditors
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.accounts.surges import surge_threshold
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.selectors import count_actor_events
from corridor.audit.services import record_event
from corridor.cases.models import CaseOpening, InsiderAlert
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed

WINDOW = timedelta(hours=1)
# How long an unreviewed alert keeps the banner up and the step-up in force.
ALERT_HOLD = timedelta(hours=24)
REVIEW_OUTCOMES = frozenset({"expected", "questioned"})

COORDINATORS_ONLY = _("Only coordinators can do this.")
OWN_ALERT = _("Another coordinator must review an alert about you.")
ALERT_REVIEWED = _("This alert has already been reviewed.")
OUTCOME_INVALID = _("Choose an outcome.")


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
    threshold = surge_threshold(actor, now)
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
        object_type=ObjectType.STAFF,
        object_id=str(actor.pk),
        detail={"alert": str(alert.pk), "openings": count, "threshold": threshold},
    )
    # Urgent: it wakes the person on call, never the person it is about.
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


def get_insider_alert(alert_id: UUID) -> InsiderAlert | None:
    return InsiderAlert.objects.filter(pk=alert_id).first()


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
        object_type=ObjectType.STAFF,
        object_id=str(locked.staff_id),
        reason=outcome,
        detail={"alert": str(locked.pk)},
    )
    return locked
