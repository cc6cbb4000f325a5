"""Staff accounts. A username and factors only: no real names, no e-mail, no phone."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models

from corridor.core import clock


class StaffManager(BaseUserManager["Staff"]):
    def get_by_natural_key(self, username: str | None) -> Staff:
        return self.get(username=username)


class Staff(AbstractBaseUser, PermissionsMixin):
    """A member of staff. Roles are groups; `is_superuser` is never set."""

    username = models.CharField(max_length=40, unique=True)
    is_active = models.BooleanField(default=True)
    must_change_password = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=clock.now)

    objects: ClassVar[StaffManager] = StaffManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "staff member"
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.username

    @property
    def actor_id(self) -> str:
        """How the audit log names this person."""
        return f"staff:{self.pk}"
