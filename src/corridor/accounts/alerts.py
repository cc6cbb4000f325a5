"""In-app alerts for staff: the banner on their pages until dismissed."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.events import record_security_event
from corridor.accounts.models import Staff, StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.core import clock
from corridor.core.exceptions import NotAllowed

OWN_ALERT = _("This alert is about you; another person must dismiss it.")
NO_SUCH_ALERT = _("There is no such alert.")
DISMISS_REASON_NEEDED = _("Say why you dismiss the alert.")

# Why a person dismissed an alert: a code in the audit event, never free text.
DISMISS_REASONS = {
    "dealt_with": _("I dealt with it"),
    "expected": _("It was expected"),
    "passed_on": _("I passed it to the person who deals with it"),
}


def alert_coordinators(*, code: str, case_ref: str = "") -> int:
    """Alert every active coordinator; returns how many were alerted."""
    coordinators = Staff.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value)
    alerts = [StaffAlert(staff=person, code=code, case_ref=case_ref) for person in coordinators]
    StaffAlert.objects.bulk_create(alerts)
    return len(alerts)


def alert_coordinators_once(*, code: str, actor: Staff | None = None) -> int:
    """Alert every active coordinator who has no open alert with `code` (about `actor`,
    if given); returns how many.

    For failures that can come in a storm (a sealed key service meets every page): one
    banner per person and kind until it is dismissed, never one per failure. With
    `actor` (the person a refusal was about), one per person and kind and actor: the
    actor's own copy names them, so they cannot dismiss it (dismiss_alert).
    """
    already = StaffAlert.objects.filter(code=code, dismissed_at__isnull=True)
    if actor is not None:
        already = already.filter(actor=actor)
    coordinators = Staff.objects.filter(
        is_active=True, groups__name=Role.COORDINATOR.value
    ).exclude(pk__in=already.values("staff_id"))
    alerts = [StaffAlert(staff=person, code=code, actor=actor) for person in coordinators]
    StaffAlert.objects.bulk_create(alerts)
    return len(alerts)


def alert_server_keepers(*, code: str) -> int:
    """Alert every active coordinator and administrator who has no open alert with `code`;
    returns how many were alerted.

    For the state of the server (its disk): a check that finds the same trouble every few
    minutes adds one banner per person, not one per check.
    """
    already = StaffAlert.objects.filter(code=code, dismissed_at__isnull=True).values("staff_id")
    keepers = (
        Staff.objects.filter(
            is_active=True, groups__name__in=[Role.COORDINATOR.value, Role.ADMIN.value]
        )
        .exclude(pk__in=already)
        .distinct()
    )
    alerts = [StaffAlert(staff=person, code=code) for person in keepers]
    StaffAlert.objects.bulk_create(alerts)
    return len(alerts)


def alert_coordinators_and_auditors(
    *, code: str, subject: Staff, actor: Staff | None, case_ref: str = ""
) -> int:
    """Alert every active coordinator and auditor about `subject` (done by `actor`).

    The loud path for one-person account acts (a suspension, a standby put on duty,
    a break-glass self-assignment): the people it concerns are alerted too, and can
    never dismiss it (dismiss_alert).
    """
    people = Staff.objects.filter(
        is_active=True, groups__name__in=[Role.COORDINATOR.value, Role.AUDITOR.value]
    ).distinct()
    alerts = [
        StaffAlert(staff=person, code=code, subject=subject, actor=actor, case_ref=case_ref)
        for person in people
    ]
    StaffAlert.objects.bulk_create(alerts)
    return len(alerts)


def concerns(alert: StaffAlert, staff: Staff) -> bool:
    """True if the alert is about `staff` or about something `staff` did."""
    return staff.pk in (alert.subject_id, alert.actor_id)


@transaction.atomic
def dismiss_alert(*, actor: Staff, alert_id: str, reason: str) -> None:
    """Dismiss one of one's own alerts, saying why; never one about oneself or one's own
    act (that person would silence the alarm about themselves)."""
    try:
        key = uuid.UUID(str(alert_id))
    except ValueError:
        raise NotAllowed(str(NO_SUCH_ALERT)) from None
    alert = StaffAlert.objects.select_for_update().filter(pk=key, staff=actor).first()
    if alert is None or alert.dismissed_at is not None:
        raise NotAllowed(str(NO_SUCH_ALERT))
    if concerns(alert, actor):
        raise NotAllowed(str(OWN_ALERT))
    if reason not in DISMISS_REASONS:
        raise NotAllowed(str(DISMISS_REASON_NEEDED))
    alert.dismissed_at = clock.now()
    alert.save(update_fields=["dismissed_at"])
    record_security_event(
        actor=actor,
        event=EventType.ALERT_DISMISSED,
        subject_id=alert.subject_id,
        reason=reason,
        detail={"alert": str(alert.pk), "code": alert.code},
    )
