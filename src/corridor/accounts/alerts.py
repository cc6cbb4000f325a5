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
