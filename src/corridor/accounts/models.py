"""Staff accounts, their backup codes and sessions, approvals and on-call pools.

A staff account holds a username and factors only: no real name, no e-mail,
no phone. Roles are groups (see roles.py); `is_superuser` is never set.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from corridor.accounts.roles import Role
from corridor.core import clock
from corridor.core.models import UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedJSONField


class StaffManager(BaseUserManager["Staff"]):
    def get_by_natural_key(self, username: str | None) -> Staff:
        # Usernames are matched case-insensitively so "Anna" and "anna" are one person.
        return self.get(username__iexact=username)


class Staff(AbstractBaseUser, PermissionsMixin):
    """A member of staff."""

    username = models.CharField(max_length=40, unique=True)
    is_active = models.BooleanField(default=True)
    must_change_password = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=clock.now)
    # Bumped to end every session of this person at their next request
    # (log out everywhere, disabling, revoking a factor): it is part of the
    # session's authentication hash.
    session_epoch = models.PositiveIntegerField(default=0)
    preferred_language = models.CharField(max_length=8, blank=True, default="")
    # Set when a coordinator or admin cut the account off at once (suspend_staff);
    # only a two-person reactivation clears it.
    suspended_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[StaffManager] = StaffManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        permissions = [
            ("manage_staff", "Create, disable and change staff accounts"),
            ("approve_account_changes", "Approve gated account changes"),
            ("review_emergencies", "Review emergency single approvals"),
            ("view_audit_log", "Read the audit log"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def actor_id(self) -> str:
        """How the audit log names this person."""
        return f"staff:{self.pk}"

    def get_session_auth_hash(self) -> str:
        """Django checks this on every request; a new epoch ends all sessions at once."""
        return salted_hmac(
            "corridor.accounts.Staff.session",
            f"{self.password}:{self.session_epoch}:{self.is_active}",
            algorithm="sha256",
        ).hexdigest()


class BackupCode(models.Model):
    """A single-use recovery code. Only an Argon2 hash of its secret part is kept.

    A code reads `LOOK-SECRETSECR`: the lookup part finds the row without a
    hash, so checking a code costs exactly one Argon2 verification.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="backup_codes")
    lookup = models.CharField(max_length=8, unique=True)
    secret_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=clock.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"backup code {self.lookup}"


class StaffSession(models.Model):
    """A live staff session, so a person or an admin can see and end it."""

    session_key = models.CharField(max_length=40, primary_key=True)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="sessions")
    started_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(default=clock.now)
    method = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"session of {self.staff_id}"


class ApprovalKind(models.TextChoices):
    GRANT_DATA_ROLE = "grant_data_role", _("Grant a data role")
    ERASE_CASE = "erase_case", _("Erase a case")
    RESET_PASSWORD = "reset_password", _("Reset another person's password")
    RESET_FACTORS = "reset_factors", _("Reset another person's second factors")
    REVOKE_DEVICE = "revoke_device", _("Revoke another person's device")
    PUBLISH_REPORT = "publish_report", _("Publish a public report")
    EXPORT_INTERNAL_REPORT = "export_internal_report", _("Export the internal report")
    REVOKE_DATA_ROLE = "revoke_data_role", _("Remove a data role")
    SET_ACTIVE = "set_active", _("Deactivate or reactivate an account")
    REGISTER_STANDBY = "register_standby", _("Register a standby account")
    SELF_ASSIGN = "self_assign", _("Assign a case to oneself")
    IMPORT_ROUTE_FEED = "import_route_feed", _("Import a signed route catalog")
    EXPORT_CASES = "export_cases", _("Export every case to move the installation")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second person")
    GRANTED = "granted", _("Granted, not yet carried out")
    EXECUTED = "executed", _("Carried out")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")
    EMERGENCY = "emergency", _("Carried out on one approval; review due")
    REVIEWED = "reviewed", _("Emergency reviewed")


class Approval(models.Model):
    """A gated action waiting for, or carried out with, a second person's consent.

    `payload` holds ids and codes only (a role name, a device id), never
    personal data, because it appears in the audit log.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40, choices=ApprovalKind.choices)
    status = models.CharField(
        max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    requested_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    reason = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    emergency = models.BooleanField(default=False)
    review_due_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=20, blank=True, default="")
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class OnCallMembership(models.Model):
    """A person in the on-call pool for one kind of approval: alerted when one is requested."""

    kind = models.CharField(max_length=40, choices=ApprovalKind.choices)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="on_call")
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "staff"], name="one_membership_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} on call for {self.kind}"


class StaffAlert(models.Model):
    """An in-app alert for one person (an approval to look at, an overdue review).

    `subject` is the account the alert is about (the one suspended, the standby
    activated, the coordinator who activated it): that person never dismisses it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="alerts")
    subject = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(max_length=40)
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, null=True, blank=True)
    case_ref = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    # An urgent alert belongs to the page that wakes the person on call (accounts.oncall);
    # acknowledging any copy acknowledges the page and every copy of it.
    page = models.ForeignKey(
        "Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.code


class Draft(UUIDModel):
    """What a person was typing into a form when their session ended, sealed under a key of
    its own: a hotline operator's notes from a long call are never lost to the idle logout,
    and destroying the key shreds them."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="drafts")
    form_path = models.CharField(max_length=200)
    key_id = DataKeyField()
    fields = EncryptedJSONField(key_field="key_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "form_path"], name="one_draft_per_form")
        ]

    def __str__(self) -> str:
        return f"draft {self.pk}"


class Surge(models.Model):
    """An evacuation night: for a few hours the listed people may have more case keys an hour
    (keyd's limit, lifted by keyd's own ledger: this row alone lifts nothing) and open more
    cases an hour before the insider alert fires (`threshold`).

    The name is a label such as "night-0512", never a person's name. Nights recorded before
    the two kinds of surge were merged keep `threshold` 0 (keyd's limit only) or no members
    (the insider threshold of the time, for everyone; history only).
    """

    class Reason(models.TextChoices):
        EVACUATION_NIGHT = "evacuation_night", _("Evacuation night")
        MASS_INCIDENT = "mass_incident", _("Many incidents at once")
        RAID_RESPONSE = "raid_response", _("Responding to a raid")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=40)
    reason = models.CharField(
        max_length=40, choices=Reason.choices, default=Reason.EVACUATION_NIGHT
    )
    threshold = models.PositiveIntegerField(default=0)
    opened_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(Staff, related_name="surges")
    opened_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ends_at"], name="accounts_surge_ends")]

    def __str__(self) -> str:
        return self.name


class Standby(models.Model):
    """An account registered in advance (by two people) to take a data role for a few hours.

    The role is held only while an activation runs; registering it gives nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="standby")
    role = models.CharField(max_length=20, choices=Role.choices)
    registered_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "role"], name="one_standby_per_role")
        ]

    def __str__(self) -> str:
        return f"standby {self.staff_id} {self.role}"


class StandbyActivation(models.Model):
    """One coordinator put a standby on duty until `ends_at` (at most 12 hours)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    standby = models.ForeignKey(Standby, on_delete=models.CASCADE, related_name="activations")
    activated_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=clock.now)
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ended_at", "ends_at"], name="accounts_standby_open")]

    def __str__(self) -> str:
        return f"activation of {self.standby_id}"


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    NTFY = "ntfy", _("ntfy")
    MATRIX = "matrix", _("Matrix (through a webhook bridge)")
    SIGNAL = "signal", _("Signal (through signal-cli's REST API)")


class NotificationChannel(UUIDModel):
    """Where one staff member wants to be woken: an e-mail address or a webhook of a
    self-hosted service on their phone. The address is sealed under a key of its own that
    only its owner and the worker's delivery task may open (keyd's "channel" kind)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    key_id = DataKeyField()
    target = EncryptedJSONField(key_field="key_id")

    def __str__(self) -> str:
        return f"{self.kind} channel of {self.staff_id}"


class OnCallShift(models.Model):
    """Who is on call from `starts_at` to `ends_at`, and who is next if they do not answer."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="shifts")
    backup = models.ForeignKey(
        Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="backup_shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="accounts_shift_span")]

    def __str__(self) -> str:
        return f"{self.staff_id} on call"


class Page(UUIDModel):
    """One urgent matter that wakes people until someone acknowledges it: the person on
    call, after the escalation wait the next person, then every coordinator (`stage` 0, 1,
    2). Holds codes only; the alerts it groups say what it is about."""

    code = models.CharField(max_length=40)
    raised_at = models.DateTimeField(default=clock.now)
    stage = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paged = models.ManyToManyField(Staff, related_name="+", blank=True)

    def __str__(self) -> str:
        return f"page {self.code}"


class NotificationClass(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    DIGEST = "digest", _("Daily digest")
    TEST = "test", _("Test")


class Notification(UUIDModel):
    """One message to one channel, delivered by the worker (retried by its policy). Holds
    no text: the words are made when it is sent, from counts only."""

    channel = models.ForeignKey(
        NotificationChannel, on_delete=models.CASCADE, related_name="notifications"
    )
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    page = models.ForeignKey(Page, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=10, choices=NotificationClass.choices)
    # A digest's number of waiting items, counted when it was queued (a number only).
    count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} notification"
