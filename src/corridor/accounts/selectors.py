"""Reads of staff accounts."""

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role


def admin_exists() -> bool:
    """True when at least one active account holds the admin role."""
    return Staff.objects.filter(is_active=True, groups__name=Role.ADMIN.value).exists()


def roles_of(staff: Staff) -> frozenset[Role]:
    """The roles `staff` holds."""
    names = staff.groups.values_list("name", flat=True)
    return frozenset(Role(name) for name in names if name in Role.values)
