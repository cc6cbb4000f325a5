"""Writes to staff accounts. Every function is atomic, names its actor and records an event.

Account changes that could hand someone personal data — granting a data role,
resetting another person's password or factors, revoking their device — go
through the two-person rule in approvals.py.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from corridor.accounts import approvals, factors
from corridor.accounts.events import record_security_event
from corridor.accounts.models import ApprovalKind, BackupCode, Staff
from corridor.accounts.roles import DATA_ROLES, ROLE_PERMISSIONS, Role
from corridor.accounts.selectors import roles_of
from corridor.accounts.sessions import end_all_sessions
from corridor.audit.events import EventType
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.vault import ledger as vault_ledger

USERNAME_TAKEN = _("That username is already taken.")
USERNAME_INVALID = _("A username is 3 to 40 letters, digits, dots, dashes or underscores.")
ADMIN_WITH_DATA_ROLE = _(
    "An administrator cannot also hold a role that sees personal data. "
    "Use a separate account for that work."
)
NOT_MANAGER = _("Only an administrator can change staff accounts.")
LAST_FACTOR = _("Keep at least one second factor: add another before removing this one.")
WRONG_PASSWORD = _("The current password is not right.")

_ADMINS = frozenset({Role.ADMIN})
_APPROVERS = frozenset({Role.ADMIN, Role.COORDINATOR})
approvals.register_gated_action(
    ApprovalKind.GRANT_DATA_ROLE,
    approvals.GatedAction(requester_roles=_ADMINS, approver_roles=frozenset({Role.COORDINATOR})),
)
for _kind in (ApprovalKind.RESET_PASSWORD, ApprovalKind.RESET_FACTORS, ApprovalKind.REVOKE_DEVICE):
    approvals.register_gated_action(
        _kind, approvals.GatedAction(requester_roles=_ADMINS, approver_roles=_APPROVERS)
    )


def ensure_role_groups() -> None:
    """Create each role's group and give it exactly the role's permissions."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = ROLE_PERMISSIONS[role]
        permissions = [
            permission
            for permission in Permission.objects.select_related("content_type")
            if f"{permission.content_type.app_label}.{permission.codename}" in wanted
        ]
        group.permissions.set(permissions)


@transaction.atomic
def create_staff(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[Role] = (),
    must_change_password: bool = False,
) -> Staff:
    """Create an active account; roles given here are granted without approval.

    Only setup and demo data pass roles here. Staff created in the web
    interface start with no role; data roles then go through an approval.
    """
    _check_username(username)
    if Staff.objects.filter(username__iexact=username).exists():
        raise InvalidInput(str(USERNAME_TAKEN))
    staff = Staff(username=username.lower(), must_change_password=must_change_password)
    validate_password(password, user=staff)
    staff.set_password(password)
    staff.save()
    role_set = frozenset(Role(r) for r in roles)
    _check_separation(role_set)
    ensure_role_groups()
    staff.groups.set(Group.objects.filter(name__in=[r.value for r in role_set]))
    vault_ledger.record_new_account(staff_id=staff.pk, roles=[r.value for r in role_set])
    record_security_event(
        actor=actor,
        event=EventType.ACCOUNT_CREATED,
        subject_id=staff.pk,
        detail={"roles": "+".join(sorted(r.value for r in role_set))},
    )
    return staff


def create_staff_with_temporary_password(*, actor: Staff, username: str) -> tuple[Staff, str]:
    """An administrator adds an account with no role and a one-time password to hand over."""
    _require_manager(actor)
    password = temporary_password()
    staff = create_staff(
        actor=actor, username=username, password=password, must_change_password=True
    )
    return staff, password


@transaction.atomic
def grant_role(
    *,
    actor: Staff,
    staff: Staff,
    role: Role,
    approval_id: str | None = None,
    emergency_reason: str | None = None,
) -> None:
    """Give `staff` a role. A data role needs a granted approval or an emergency reason."""
    _require_manager(actor)
    _check_separation(roles_of(staff) | {role})
    if role in DATA_ROLES:
        approvals.authorise(
            actor=actor,
            kind=ApprovalKind.GRANT_DATA_ROLE,
            target_type="staff",
            target_id=str(staff.pk),
            payload={"role": role.value},
            approval_id=approval_id,
            emergency_reason=emergency_reason,
        )
    staff.groups.add(Group.objects.get_or_create(name=role.value)[0])
    vault_ledger.record_role(staff_id=staff.pk, role=role.value, granted=True)
    record_security_event(
        actor=actor, event=EventType.ROLE_GRANTED, subject_id=staff.pk, detail={"role": role.value}
    )


@transaction.atomic
def revoke_role(*, actor: Staff, staff: Staff, role: Role) -> None:
    """Take a role away at once: removing access is never gated."""
    _require_manager(actor)
    staff.groups.remove(*Group.objects.filter(name=role.value))
    vault_ledger.record_role(staff_id=staff.pk, role=role.value, granted=False)
    end_all_sessions(staff=staff)
    record_security_event(
        actor=actor, event=EventType.ROLE_REVOKED, subject_id=staff.pk, detail={"role": role.value}
    )


@transaction.atomic
def set_active(*, actor: Staff, staff: Staff, active: bool) -> None:
    """Disable (every session ends before its next request) or re-enable an account."""
    _require_manager(actor)
    if staff.pk == actor.pk and not active:
        raise NotAllowed(str(NOT_MANAGER))
    Staff.objects.filter(pk=staff.pk).update(is_active=active)
    staff.refresh_from_db()
    if not active:
        end_all_sessions(staff=staff)
    event = EventType.ACCOUNT_ENABLED if active else EventType.ACCOUNT_DISABLED
    record_security_event(actor=actor, event=event, subject_id=staff.pk)


@transaction.atomic
def reset_password(
    *,
    actor: Staff,
    staff: Staff,
    approval_id: str | None = None,
    emergency_reason: str | None = None,
) -> str:
    """Give another person a one-time password (approved by a second person); return it."""
    _require_manager(actor)
    approvals.authorise(
        actor=actor,
        kind=ApprovalKind.RESET_PASSWORD,
        target_type="staff",
        target_id=str(staff.pk),
        approval_id=approval_id,
        emergency_reason=emergency_reason,
    )
    password = temporary_password()
    staff.set_password(password)
    staff.must_change_password = True
    staff.save(update_fields=["password", "must_change_password"])
    end_all_sessions(staff=staff)
    record_security_event(actor=actor, event=EventType.PASSWORD_RESET, subject_id=staff.pk)
    return password


@transaction.atomic
def reset_factors(
    *,
    actor: Staff,
    staff: Staff,
    approval_id: str | None = None,
    emergency_reason: str | None = None,
) -> None:
    """Remove all of another person's second factors; they enrol again at their next login."""
    _require_manager(actor)
    approvals.authorise(
        actor=actor,
        kind=ApprovalKind.RESET_FACTORS,
        target_type="staff",
        target_id=str(staff.pk),
        approval_id=approval_id,
        emergency_reason=emergency_reason,
    )
    TOTPDevice.objects.filter(user=staff).delete()
    WebAuthnCredential.objects.filter(user=staff).delete()
    BackupCode.objects.filter(staff=staff).delete()
    vault_ledger.remove_factor(staff.pk)
    end_all_sessions(staff=staff)
    record_security_event(
        actor=actor, event=EventType.FACTOR_REVOKED, subject_id=staff.pk, reason="reset"
    )


@transaction.atomic
def revoke_device(
    *,
    actor: Staff,
    staff: Staff,
    device: str,
    approval_id: str | None = None,
    emergency_reason: str | None = None,
) -> None:
    """Disable one of another person's factors (`webauthn:<id>` or `totp:<id>`) and end
    every session of theirs: for a lost or seized phone, laptop or key."""
    _require_manager(actor)
    approvals.authorise(
        actor=actor,
        kind=ApprovalKind.REVOKE_DEVICE,
        target_type="staff",
        target_id=str(staff.pk),
        payload={"device": device},
        approval_id=approval_id,
        emergency_reason=emergency_reason,
    )
    _disable_device(staff, device)
    end_all_sessions(staff=staff)
    record_security_event(
        actor=actor, event=EventType.FACTOR_REVOKED, subject_id=staff.pk, detail={"device": device}
    )


# ---------------------------------------------------------------- one's own account


@transaction.atomic
def change_own_password(*, staff: Staff, current: str, new: str) -> None:
    """Change one's own password; every other session ends."""
    if not staff.check_password(current):
        raise InvalidInput(str(WRONG_PASSWORD))
    validate_password(new, user=staff)
    staff.set_password(new)
    staff.must_change_password = False
    staff.save(update_fields=["password", "must_change_password"])
    record_security_event(actor=staff, event=EventType.PASSWORD_CHANGED, subject_id=staff.pk)


@transaction.atomic
def confirm_own_totp(*, staff: Staff, device_id: int, code: str) -> bool:
    if not factors.confirm_totp(staff=staff, device_id=device_id, code=code):
        return False
    record_security_event(
        actor=staff, event=EventType.FACTOR_ENROLLED, subject_id=staff.pk, detail={"factor": "totp"}
    )
    return True


@transaction.atomic
def record_keyd_totp_enrolled(*, staff: Staff) -> None:
    """keyd now holds this person's TOTP secret (the data database's copy is deleted)."""
    record_security_event(
        actor=staff,
        event=EventType.FACTOR_ENROLLED,
        subject_id=staff.pk,
        detail={"factor": "totp", "device": "keyd"},
    )


@transaction.atomic
def record_passkey_enrolled(*, staff: Staff, credential_id: int) -> None:
    record_security_event(
        actor=staff,
        event=EventType.FACTOR_ENROLLED,
        subject_id=staff.pk,
        detail={"factor": "webauthn", "device": f"webauthn:{credential_id}"},
    )


@transaction.atomic
def replace_own_backup_codes(*, staff: Staff) -> list[str]:
    codes = factors.replace_backup_codes(staff=staff)
    record_security_event(actor=staff, event=EventType.BACKUP_CODES_GENERATED, subject_id=staff.pk)
    return codes


@transaction.atomic
def remove_own_device(*, staff: Staff, device: str) -> None:
    """Remove one of one's own factors, keeping at least one."""
    if _factor_count(staff) <= 1:
        raise InvalidInput(str(LAST_FACTOR))
    _disable_device(staff, device, delete=True)
    record_security_event(
        actor=staff, event=EventType.FACTOR_REVOKED, subject_id=staff.pk, detail={"device": device}
    )


@transaction.atomic
def log_out_everywhere(*, staff: Staff) -> int:
    ended = end_all_sessions(staff=staff)
    record_security_event(
        actor=staff, event=EventType.SESSIONS_REVOKED, subject_id=staff.pk, detail={"count": ended}
    )
    return ended


def enrol_totp_for_demo(*, actor: Actor, staff: Staff) -> TOTPDevice:
    """Demo data only: a confirmed TOTP device whose secret goes into demo.json."""
    device = TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    record_security_event(
        actor=actor, event=EventType.FACTOR_ENROLLED, subject_id=staff.pk, detail={"factor": "totp"}
    )
    return device


def temporary_password() -> str:
    return "-".join(secrets.token_hex(3) for _ in range(4))


def _disable_device(staff: Staff, device: str, *, delete: bool = False) -> None:
    kind, _sep, raw_id = device.partition(":")
    model = {"webauthn": WebAuthnCredential, "totp": TOTPDevice}.get(kind)
    if model is None or not raw_id.isdigit():
        raise InvalidInput("unknown device")
    rows = model.objects.filter(user=staff, pk=int(raw_id))
    if not rows.exists():
        raise InvalidInput("unknown device")
    if delete:
        rows.delete()
    else:
        rows.update(confirmed=False)


def _factor_count(staff: Staff) -> int:
    totp: int = TOTPDevice.objects.filter(user=staff, confirmed=True).count()
    keys: int = WebAuthnCredential.objects.filter(user=staff, confirmed=True).count()
    return totp + keys


def _require_manager(actor: Staff) -> None:
    if not actor.is_active or Role.ADMIN not in roles_of(actor):
        raise NotAllowed(str(NOT_MANAGER))


def _check_separation(roles: frozenset[Role]) -> None:
    if Role.ADMIN in roles and roles & DATA_ROLES:
        raise NotAllowed(str(ADMIN_WITH_DATA_ROLE))


def _check_username(username: str) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    if not (3 <= len(username) <= 40) or not set(username.lower()) <= allowed:
        raise InvalidInput(str(USERNAME_INVALID))
