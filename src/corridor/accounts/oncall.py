"""The on-call rota, pages that wake people, and acknowledging an alert in one click.

An urgent alert (URGENT_CODES) becomes a page: whoever is on call now is notified on
their channels; if nobody acknowledges it within CORRIDOR_ESCALATION_MINUTES (10) the
shift's next person is, and after as long again every coordinator. Acknowledging any copy
of the alert stops it and takes every copy off the dashboards. The person an alert is
about can neither acknowledge nor dismiss it, and is never the one woken for it.

Rota times are entered and shown in the organisation's time zone
(CORRIDOR_ORG_TIME_ZONE) and stored in UTC. The worker's periodic job runs the pages, so
a restart loses none: the state is in the database.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.alerts import NO_SUCH_ALERT, concerns
from corridor.accounts.events import record_security_event
from corridor.accounts.models import (
    Notification,
    NotificationClass,
    OnCallShift,
    Page,
    Staff,
    StaffAlert,
)
from corridor.accounts.notifications import notify_staff
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.core.tasks import periodic

# What wakes someone: a hotline escalation, an incident opened (a duress word on
# any channel, a missed check-in), an insider alert, an emergency or standby activation, the
# key service sealed or unreachable, the disk, the backups. The rest goes in the digest.
URGENT_CODES = frozenset(
    {
        "hotline_escalation",
        "incident_opened",
        "duress_heard",
        "insider_alert",
        "self_assigned",
        "standby_activated",
        "emergency_review_due",
        "key_failure_sealed",
        "key_failure_unavailable",
        "disk_low",
        "disk_full",
        "backup_missing",
        "witness_conflict",
        "witness_refused_our_head",
        "witness_silent",
        "portal_words_unheard",
    }
)
# "In danger now" and duress first on every list of alerts (a portal message nobody could
# check for the duress word may be one), then the other incidents (a missed check-in, a
# detention), then the other urgent alerts, then routine ones.
DANGER_CODES = frozenset({"hotline_escalation", "duress_heard", "portal_words_unheard"})
INCIDENT_CODES = frozenset({"incident_opened"})
# An urgent alert older than this when first seen (a server that was down for a week) is
# shown in Corridor but wakes nobody.
PAGE_ONLY_WITHIN = timedelta(hours=6)
LONGEST_SHIFT = timedelta(days=31)
ALERTS_SHOWN_FOR = timedelta(days=14)
# Nothing accumulates forever: a routine alert nobody took leaves the dashboard after a
# week (the daily digest has counted it by then) and shows on the alerts page as expired;
# alerts taken, dismissed or expired, and sent notifications and their pages, are deleted
# after KEPT_FOR. An urgent alert stays until someone acknowledges or dismisses it. The
# audit log keeps who acknowledged, dismissed and was notified, without limit.
ROUTINE_SHOWN_FOR = timedelta(days=7)
KEPT_FOR = timedelta(days=90)
FINAL_STAGE = 2
DIGEST_EVERY = timedelta(hours=24)

OWN_ALERT_ACK = _("This alert is about you; another person must acknowledge it.")
SHIFT_ORDER = _("A shift ends after it starts, and lasts at most 31 days.")
SHIFT_PEOPLE = _("Choose two different people, or nobody as next.")
NO_SUCH_SHIFT = _("There is no such shift.")


def severity(code: str) -> str:
    return "urgent" if code in URGENT_CODES else "routine"


def org_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.CORRIDOR_ORG_TIME_ZONE)


def escalation_wait() -> timedelta:
    return timedelta(minutes=int(settings.CORRIDOR_ESCALATION_MINUTES))


# ---------------------------------------------------------------- the rota
def list_shifts(*, since: datetime | None = None) -> QuerySet[OnCallShift]:
    moment = since or clock.now()
    return (
        OnCallShift.objects.filter(ends_at__gt=moment)
        .select_related("staff", "backup")
        .order_by("starts_at")
    )


def on_call_at(moment: datetime) -> OnCallShift | None:
    """The shift running at `moment` (the latest started, if two overlap)."""
    return (
        OnCallShift.objects.filter(starts_at__lte=moment, ends_at__gt=moment)
        .select_related("staff", "backup")
        .order_by("-starts_at")
        .first()
    )


def add_shift(
    *, actor: Staff, staff: Staff, backup: Staff | None, starts: datetime, ends: datetime
) -> OnCallShift:
    """A coordinator puts `staff` on call (naive times are the organisation's)."""
    zone = org_zone()
    starts = starts if starts.tzinfo else starts.replace(tzinfo=zone)
    ends = ends if ends.tzinfo else ends.replace(tzinfo=zone)
    if ends <= starts or ends - starts > LONGEST_SHIFT:
        raise InvalidInput(str(SHIFT_ORDER))
    if backup is not None and backup.pk == staff.pk:
        raise InvalidInput(str(SHIFT_PEOPLE))
    with transaction.atomic():
        shift = OnCallShift.objects.create(
            staff=staff, backup=backup, starts_at=starts, ends_at=ends, created_by=actor
        )
        record_security_event(
            actor=actor,
            event=EventType.SHIFT_ADDED,
            subject_id=staff.pk,
            detail={"shift": shift.pk, "backup": backup.pk if backup else 0},
        )
    return shift


@transaction.atomic
def remove_shift(*, actor: Staff, shift_id: int) -> None:
    shift = OnCallShift.objects.filter(pk=shift_id).first()
    if shift is None:
        raise NotAllowed(str(NO_SUCH_SHIFT))
    record_security_event(
        actor=actor,
        event=EventType.SHIFT_REMOVED,
        subject_id=shift.staff_id,
        detail={"shift": shift.pk},
    )
    shift.delete()


# ---------------------------------------------------------------- pages
@periodic("accounts.run_pages", every=timedelta(minutes=1))
def run_pages_job() -> None:
    run_pages()


def run_pages(now: datetime | None = None) -> None:
    """Open a page for each new urgent alert, and escalate the pages nobody took."""
    moment = now or clock.now()
    open_new_pages(moment)
    escalate_due_pages(moment)


@transaction.atomic
def open_new_pages(now: datetime) -> list[Page]:
    """Group the copies of each new urgent alert (one per coordinator) into one page and
    notify its first people."""
    fresh = list(
        StaffAlert.objects.select_for_update()
        .filter(
            code__in=URGENT_CODES,
            page__isnull=True,
            dismissed_at__isnull=True,
            acknowledged_at__isnull=True,
            created_at__gte=now - PAGE_ONLY_WITHIN,
        )
        .order_by("created_at")
    )
    groups: dict[tuple[object, ...], list[StaffAlert]] = {}
    for alert in fresh:
        key = (alert.code, alert.case_ref, alert.subject_id, alert.actor_id, alert.approval_id)
        groups.setdefault(key, []).append(alert)
    pages = []
    for alerts in groups.values():
        page = Page.objects.create(code=alerts[0].code, raised_at=alerts[0].created_at)
        StaffAlert.objects.filter(pk__in=[a.pk for a in alerts]).update(page=page)
        _notify_stage(page, now)
        pages.append(page)
    return pages


@transaction.atomic
def escalate_due_pages(now: datetime) -> list[Page]:
    due = list(
        Page.objects.select_for_update().filter(
            acknowledged_at__isnull=True, next_step_at__isnull=False, next_step_at__lte=now
        )
    )
    for page in due:
        if not page.alerts.filter(dismissed_at__isnull=True).exists():
            page.next_step_at = None  # every copy was dismissed: handled
            page.save(update_fields=["next_step_at"])
            continue
        page.stage += 1
        _notify_stage(page, now)
        record_security_event(
            actor=WORKER,
            event=EventType.PAGE_ESCALATED,
            detail={"page": str(page.pk), "stage": page.stage, "code": page.code},
        )
    return due


def _recipients(page: Page, shift: OnCallShift | None) -> list[Staff]:
    if page.stage == 0:
        return [shift.staff] if shift is not None else []
    if page.stage == 1:
        return [shift.backup] if shift is not None and shift.backup is not None else []
    return list(Staff.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value))


def _notify_stage(page: Page, now: datetime) -> None:
    """Notify the people of the page's stage; a stage with nobody to wake (no rota, no
    next person, only the person it is about) passes at once to the next."""
    shift = on_call_at(now)
    about = {
        pk
        for pair in page.alerts.values_list("subject_id", "actor_id")
        for pk in pair
        if pk is not None
    }
    already = set(page.paged.values_list("pk", flat=True))
    while True:
        people = [
            person
            for person in _recipients(page, shift)
            if person.is_active and person.pk not in about and person.pk not in already
        ]
        if people or page.stage >= FINAL_STAGE:
            break
        page.stage += 1
    for person in people:
        _give_copy(page, person)
        notify_staff(person, kind=NotificationClass.URGENT, page=page)
        page.paged.add(person)
    page.next_step_at = now + escalation_wait() if page.stage < FINAL_STAGE else None
    page.save(update_fields=["stage", "next_step_at"])


def _give_copy(page: Page, person: Staff) -> None:
    """The person woken needs the alert in Corridor to acknowledge it in one click."""
    if page.alerts.filter(staff=person).exists():
        return
    model = page.alerts.first()
    if model is None:
        return
    StaffAlert.objects.create(
        staff=person,
        code=model.code,
        case_ref=model.case_ref,
        subject=model.subject,
        actor=model.actor,
        approval=model.approval,
        created_at=model.created_at,
        page=page,
    )


# ---------------------------------------------------------------- acknowledging
@transaction.atomic
def acknowledge_alert(*, actor: Staff, alert_id: str) -> StaffAlert:
    """ "I have it": stops the page's escalation and takes every copy of the alert off the
    dashboards (they stay on the alerts page with who acknowledged it). Never one about
    oneself or one's own act."""
    try:
        key = uuid.UUID(str(alert_id))
    except ValueError:
        raise NotAllowed(str(NO_SUCH_ALERT)) from None
    alert = StaffAlert.objects.select_for_update().filter(pk=key, staff=actor).first()
    if alert is None or alert.dismissed_at is not None or alert.acknowledged_at is not None:
        raise NotAllowed(str(NO_SUCH_ALERT))
    if concerns(alert, actor):
        raise NotAllowed(str(OWN_ALERT_ACK))
    now = clock.now()
    if alert.page_id is not None:
        Page.objects.filter(pk=alert.page_id, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor, next_step_at=None
        )
        StaffAlert.objects.filter(page_id=alert.page_id, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
    else:
        StaffAlert.objects.filter(pk=alert.pk).update(acknowledged_at=now, acknowledged_by=actor)
    record_security_event(
        actor=actor,
        event=EventType.ALERT_ACKNOWLEDGED,
        subject_id=alert.subject_id,
        detail={"alert": str(alert.pk), "code": alert.code},
    )
    alert.refresh_from_db()
    return alert


def danger_first(alerts: list[StaffAlert]) -> list[StaffAlert]:
    """In danger now and duress first, then the other incidents, then the other urgent
    ones, then routine ones; newest first in each."""

    def rank(alert: StaffAlert) -> tuple[int, float]:
        if alert.code in DANGER_CODES:
            tier = 0
        elif alert.code in INCIDENT_CODES:
            tier = 1
        elif alert.code in URGENT_CODES:
            tier = 2
        else:
            tier = 3
        return (tier, -alert.created_at.timestamp())

    return sorted(alerts, key=rank)


def _expired(now: datetime) -> Q:
    """Open routine alerts older than ROUTINE_SHOWN_FOR: gone into the digest."""
    return (
        Q(created_at__lt=now - ROUTINE_SHOWN_FOR)
        & ~Q(code__in=URGENT_CODES)
        & Q(dismissed_at__isnull=True, acknowledged_at__isnull=True)
    )


def is_expired(alert: StaffAlert, now: datetime | None = None) -> bool:
    moment = now or clock.now()
    return (
        alert.code not in URGENT_CODES
        and alert.dismissed_at is None
        and alert.acknowledged_at is None
        and alert.created_at < moment - ROUTINE_SHOWN_FOR
    )


def waiting_alerts(staff: Staff) -> list[StaffAlert]:
    """The dashboard's alerts: open and not expired, danger first, every one of them."""
    rows = (
        StaffAlert.objects.filter(
            staff=staff, dismissed_at__isnull=True, acknowledged_at__isnull=True
        )
        .exclude(_expired(clock.now()))
        .select_related("approval", "subject", "actor", "acknowledged_by")
    )
    return danger_first(list(rows))


def recent_alerts(staff: Staff) -> list[StaffAlert]:
    """One's alerts of the last two weeks, and any older one still waiting, danger first
    (the alerts page)."""
    now = clock.now()
    rows = (
        StaffAlert.objects.filter(staff=staff)
        .filter(
            Q(created_at__gte=now - ALERTS_SHOWN_FOR)
            | (Q(dismissed_at__isnull=True, acknowledged_at__isnull=True) & ~_expired(now))
        )
        .select_related("approval", "subject", "actor", "acknowledged_by")
        .order_by("-created_at")
    )
    return danger_first(list(rows))


# ---------------------------------------------------------------- forgetting
@periodic("accounts.forget_old_alerts", every=timedelta(hours=6))
def forget_old_alerts_job() -> None:
    forget_old_alerts()


@transaction.atomic
def forget_old_alerts(now: datetime | None = None) -> tuple[int, int, int]:
    """Delete what was dealt with more than KEPT_FOR ago: alerts acknowledged, dismissed
    or expired, notifications (sent or given up minutes after they were queued), and pages
    with no alert left. Returns how many alerts, notifications and pages were deleted."""
    cutoff = (now or clock.now()) - KEPT_FOR
    alerts, _kinds = StaffAlert.objects.filter(
        Q(acknowledged_at__lt=cutoff) | Q(dismissed_at__lt=cutoff) | _expired(cutoff)
    ).delete()
    # A notification is sent or given up within minutes of being queued.
    sent, _kinds = Notification.objects.filter(created_at__lt=cutoff).delete()
    _total, kinds = Page.objects.filter(raised_at__lt=cutoff, alerts__isnull=True).delete()
    pages = kinds.get(Page._meta.label, 0)
    return alerts, sent, pages


# ---------------------------------------------------------------- the daily digest
def send_digests(
    now: datetime | None = None, *, also_waiting: Callable[[Staff], int] | None = None
) -> int:
    """Once a day at most, each person with a channel and something waiting is told how
    many things: routine alerts raised since their last digest, and what `also_waiting`
    counts for them (the apps above: overdue tasks, unread requests). Returns how many
    people were told."""
    moment = now or clock.now()
    told = 0
    for person in Staff.objects.filter(is_active=True, channels__isnull=False).distinct():
        last = (
            Notification.objects.filter(staff=person, kind=NotificationClass.DIGEST)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None and moment - last < DIGEST_EVERY:
            continue
        waiting = StaffAlert.objects.filter(
            staff=person, dismissed_at__isnull=True, acknowledged_at__isnull=True
        ).exclude(code__in=URGENT_CODES)
        if last is not None:
            waiting = waiting.filter(created_at__gt=last)
        count = waiting.count() + (also_waiting(person) if also_waiting else 0)
        if not count:
            continue
        with transaction.atomic():
            notify_staff(person, kind=NotificationClass.DIGEST, count=count)
        told += 1
    return told
