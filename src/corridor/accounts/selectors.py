"""Reads of staff accounts."""

from collections.abc import Collection
from datetime import datetime

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from corridor.accounts.models import Staff, StaffAlert, StaffSession
from corridor.accounts.roles import Role


def admin_exists() -> bool:
    """True when at least one active account holds the admin role."""
    return Staff.objects.filter(is_active=True, groups__name=Role.ADMIN.value).exists()


def roles_of(staff: Staff) -> frozenset[Role]:
    """The roles `staff` holds (none for an inactive account)."""
    if not staff.is_active:
        return frozenset()
    names = [group.name for group in staff.groups.all()]
    return frozenset(Role(name) for name in names if name in Role.values)


def held_roles(staff: Staff) -> frozenset[Role]:
    """The roles `staff`'s account carries, active or not (what switching it on would give)."""
    names = [group.name for group in staff.groups.all()]
    return frozenset(Role(name) for name in names if name in Role.values)


def count_active_coordinators() -> int:
    return Staff.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value).count()


def list_staff() -> QuerySet[Staff]:
    """Every account, for the administrator's list (usernames and roles only)."""
    return Staff.objects.prefetch_related("groups").order_by("username")


def factors_of(staff: Staff) -> list[tuple[str, str, bool]]:
    """(device key, kind, confirmed) for each second factor of `staff`."""
    totp = [
        (f"totp:{pk}", "totp", confirmed)
        for pk, confirmed in TOTPDevice.objects.filter(user=staff).values_list("pk", "confirmed")
    ]
    keys = [
        (f"webauthn:{pk}", "webauthn", confirmed)
        for pk, confirmed in WebAuthnCredential.objects.filter(user=staff).values_list(
            "pk", "confirmed"
        )
    ]
    return totp + keys


def sessions_of(staff: Staff) -> QuerySet[StaffSession]:
    return StaffSession.objects.filter(staff=staff).order_by("-last_seen_at")


def open_alerts(staff: Staff) -> QuerySet[StaffAlert]:
    """One's alerts that are neither dismissed nor acknowledged (the dashboard's)."""
    return StaffAlert.objects.filter(
        staff=staff, dismissed_at__isnull=True, acknowledged_at__isnull=True
    ).select_related("approval", "subject", "actor", "acknowledged_by")


def list_alerted(*, code: str, case_ref: str, since: datetime) -> QuerySet[StaffAlert]:
    """Who was alerted with `code` about a case since `since` (an incident's "who was told")."""
    return (
        StaffAlert.objects.filter(code=code, case_ref=case_ref, created_at__gte=since)
        .select_related("staff")
        .order_by("staff__username")
    )


def staff_names(staff_ids: Collection[int]) -> dict[int, str]:
    """The usernames of the given staff ids (for pages that show who did something)."""
    return dict(Staff.objects.filter(pk__in=staff_ids).values_list("pk", "username"))
