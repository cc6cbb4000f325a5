"""Writes to staff accounts. Every function is atomic and names its actor."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput

USERNAME_TAKEN = "That username is already taken."
USERNAME_INVALID = "A username is 3 to 40 letters, digits, dots, dashes or underscores."


def ensure_role_groups() -> None:
    """Create the group behind each role if it is missing."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def create_staff(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[Role],
    must_change_password: bool = False,
) -> Staff:
    """Create an active staff account holding `roles`, after checking the password policy."""
    _check_username(username)
    if Staff.objects.filter(username__iexact=username).exists():
        raise InvalidInput(USERNAME_TAKEN)
    staff = Staff(username=username, must_change_password=must_change_password)
    validate_password(password, user=staff)
    staff.set_password(password)
    staff.save()
    ensure_role_groups()
    staff.groups.set(Group.objects.filter(name__in=[Role(r).value for r in roles]))
    return staff


@transaction.atomic
def enrol_totp(*, actor: Actor, staff: Staff) -> TOTPDevice:
    """Give `staff` a confirmed TOTP device (SHA-1, 6 digits, 30 s) and return it."""
    return TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)


def _check_username(username: str) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    if not (3 <= len(username) <= 40) or not set(username.lower()) <= allowed:
        raise InvalidInput(USERNAME_INVALID)
