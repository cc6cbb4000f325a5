"""Protected fetches of staff accounts: missing and forbidden look the same."""

from __future__ import annotations

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.core.exceptions import NotFound


class StaffNotFound(NotFound):
    """No such account, or the actor may not manage accounts."""


def access_staff_by_id(actor: Staff, staff_id: int) -> Staff:
    """An account for an administrator to manage."""
    if Role.ADMIN not in roles_of(actor):
        raise StaffNotFound
    staff = Staff.objects.filter(pk=staff_id).first()
    if staff is None:
        raise StaffNotFound
    return staff
