"""In-app alerts for staff: the banner on their pages until dismissed."""

from __future__ import annotations

from corridor.accounts.models import Staff, StaffAlert
from corridor.accounts.roles import Role


def alert_coordinators(*, code: str, case_ref: str = "") -> int:
    """Alert every active coordinator; returns how many were alerted."""
    coordinators = Staff.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value)
    alerts = [StaffAlert(staff=person, code=code, case_ref=case_ref) for person in coordinators]
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
