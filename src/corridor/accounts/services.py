"""Writes to staff accounts. Every function is atomic, names its actor and records an event.

No single person gives, takes away, switches off or takes over a role that sees
personal data or watches the alerts (TWO_PERSON_ROLES): granting or removing one,
deactivating or reactivating its holder and resetting their password or factors
each need a second person's approval, with no emergency path. The one-person
exceptions are loud: suspending an account at once (suspend_staff) and putting a
pre-registered standby on duty (standby.py) alert every coordinator and auditor.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from corridor.accounts import approvals, factors, keyd_login, webauthn
from corridor.accounts.alerts import alert_coordinators_and_auditors
from corridor.accounts.events import record_security_event
from corridor.accounts.models import Approval, ApprovalKind, BackupCode, Staff
from corridor.accounts.roles import (
    MIN_ACTIVE_COORDINATORS,
    ROLE_PERMISSIONS,
    TWO_PERSON_GRANTS,
    TWO_PERSON_ROLES,
    Role,
)
from corridor.accounts.selectors import count_active_coordinators, held_roles, roles_of
from corridor.accounts.sessions import end_all_sessions
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.vault import ledger as vault_ledger

USERNAME_TAKEN = _("That username is already taken.")
USERNAME_INVALID = _("A username is 3 to 40 letters, digits, dots, dashes or underscores.")
ADMIN_WITH_DATA_ROLE = _(
    "An administrator cannot also hold a role that sees personal data or the auditor role. "
    "Use a separate account for that work."
)
NOT_MANAGER = _("Only an administrator can change staff accounts.")
NOT_SUSPENDER = _("Only a coordinator or an administrator can suspend an account.")
SELF_SUSPEND = _("You cannot suspend your own account.")
ALREADY_SUSPENDED = _("This account is already switched off.")
LAST_FACTOR = _("Keep at least one second factor: add another before removing this one.")
WRONG_PASSWORD = _("The current password is not right.")
LAST_COORDINATORS = _(
    "The organisation must keep at least two active coordinators: this would leave fewer."
)
NEEDS_COORDINATOR_APPROVAL = _(
    "This person holds a role that sees personal data or the audit log: a coordinator "
    "must approve this change."
)
BOOTSTRAP_CLOSED = _(
    "Roles that see personal data are given through the two-person rule once the "
    "installation is in use."
)

_ADMINS = frozenset({Role.ADMIN})
_COORDINATORS = frozenset({Role.COORDINATOR})
_APPROVERS = frozenset({Role.ADMIN, Role.COORDINATOR})


def _role_change(granted: bool) -> Callable[[Approval], approvals.LedgerChange]:
    def change(approval: Approval) -> approvals.LedgerChange:
        return approvals.LedgerChange(
            "role", int(approval.target_id), str(approval.payload["role"]), granted
        )

    return change


def _reactivation(approval: Approval) -> approvals.LedgerChange | None:
    """Switching an account back on is gated in keyd too (switching off only takes away)."""
    if not approval.payload.get("active"):
        return None
    return approvals.LedgerChange("active", int(approval.target_id), "", True)


def _factor_reset(approval: Approval) -> approvals.LedgerChange:
    return approvals.LedgerChange("factor_remove", int(approval.target_id))


# No emergency path for any of these: a bribed admin "on my approval alone" was the hole.
# keyd takes the ledger change of each only with the requester's ticket and a second
# coordinator's (ledger_change): a GRANTED row written into the data database gives nothing.
approvals.register_gated_action(
    ApprovalKind.GRANT_DATA_ROLE,
    approvals.GatedAction(
        requester_roles=_ADMINS,
        approver_roles=_COORDINATORS,
        emergency_allowed=False,
        ledger_change=_role_change(True),
    ),
)
approvals.register_gated_action(
    ApprovalKind.REVOKE_DATA_ROLE,
    approvals.GatedAction(
        requester_roles=_ADMINS,
        approver_roles=_COORDINATORS,
        emergency_allowed=False,
        ledger_change=_role_change(False),
    ),
)
approvals.register_gated_action(
    ApprovalKind.SET_ACTIVE,
    approvals.GatedAction(
        requester_roles=_APPROVERS,
        approver_roles=_COORDINATORS,
        emergency_allowed=False,
        ledger_change=_reactivation,
    ),
)
# Support for a person's own login. When the target holds a TWO_PERSON role the
# emergency path is refused and the approver must be a coordinator (_check_support).
for _kind in (ApprovalKind.RESET_PASSWORD, ApprovalKind.REVOKE_DEVICE):
    approvals.register_gated_action(
        _kind, approvals.GatedAction(requester_roles=_ADMINS, approver_roles=_APPROVERS)
    )
approvals.register_gated_action(
    ApprovalKind.RESET_FACTORS,
    approvals.GatedAction(
        requester_roles=_ADMINS, approver_roles=_APPROVERS, ledger_change=_factor_reset
    ),
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


def create_staff(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[Role] = (),
    must_change_password: bool = False,
) -> Staff:
    """Create an active account; roles given here are granted without approval.

    Only `corridor setup` (the first coordinators) and demo data pass roles here,
    and only while the installation is new (bootstrap_open). Staff created in the
    web interface start with no role; data roles then go through an approval.
    """
    staff, _code = create_staff_with_enrolment_code(
        actor=actor,
        username=username,
        password=password,
        roles=roles,
        must_change_password=must_change_password,
    )
    return staff


@transaction.atomic
def create_staff_with_enrolment_code(
    *,
    actor: Actor,
    username: str,
    password: str,
    roles: Iterable[Role] = (),
    must_change_password: bool = False,
) -> tuple[Staff, str | None]:
    """create_staff, and the enrolment code keyd made for the person's first second factor
    (None where keyd answers none): show it once, with the password."""
    role_set = frozenset(Role(r) for r in roles)
    _check_separation(role_set)
    if role_set & TWO_PERSON_ROLES and not bootstrap_open():
        raise NotAllowed(str(BOOTSTRAP_CLOSED))
    _check_username(username)
    if Staff.objects.filter(username__iexact=username).exists():
        raise InvalidInput(str(USERNAME_TAKEN))
    staff = Staff(username=username.lower(), must_change_password=must_change_password)
    validate_password(password, user=staff)
    staff.set_password(password)
    staff.save()
    ensure_role_groups()
    staff.groups.set(Group.objects.filter(name__in=[r.value for r in role_set]))
    code = vault_ledger.record_new_account(staff_id=staff.pk, roles=[r.value for r in role_set])
    record_security_event(
        actor=actor,
        event=EventType.ACCOUNT_CREATED,
        subject_id=staff.pk,
        detail={"roles": "+".join(sorted(r.value for r in role_set))},
    )
    return staff, code


def create_staff_with_temporary_password(
    *, actor: Staff, username: str
) -> tuple[Staff, str, str | None]:
    """An administrator adds an account with no role and a one-time password to hand over,
    with keyd's enrolment code for the person's first second factor."""
    _require_manager(actor)
    password = temporary_password()
    staff, code = create_staff_with_enrolment_code(
        actor=actor, username=username, password=password, must_change_password=True
    )
    return staff, password, code


def bootstrap_open() -> bool:
    """True while nobody has signed in and no case exists: `corridor setup` may then
    create the first coordinators (and demo data its accounts) with their roles."""
    used = AuditEntry.objects.filter(event_type=EventType.LOGIN_SUCCEEDED).exists()
    return not used and not AuditEntry.objects.exclude(case_id="").exists()


@transaction.atomic
def grant_role(
    *,
    actor: Staff,
    staff: Staff,
    role: Role,
    approval_id: str | None = None,
    emergency_reason: str | None = None,
) -> None:
    """Give `staff` a role. A TWO_PERSON role, or the administrator's, needs an approval
    granted by a coordinator; `emergency_reason` is refused for them (kept so callers'
    signatures stay stable)."""
    _require_manager(actor)
    _check_separation(held_roles(staff) | {role})
    approval = None
    if role in TWO_PERSON_GRANTS:
        approval = approvals.authorise(
            actor=actor,
            kind=ApprovalKind.GRANT_DATA_ROLE,
            target_type="staff",
            target_id=str(staff.pk),
            payload={"role": role.value},
            approval_id=approval_id,
            emergency_reason=emergency_reason,
        )
    staff.groups.add(Group.objects.get_or_create(name=role.value)[0])
    with approvals.keyd_refusal():
        vault_ledger.record_role(
            staff_id=staff.pk, role=role.value, granted=True, proposal=_proposal(approval)
        )
    record_security_event(
        actor=actor, event=EventType.ROLE_GRANTED, subject_id=staff.pk, detail={"role": role.value}
    )


@transaction.atomic
def revoke_role(*, actor: Staff, staff: Staff, role: Role, approval_id: str | None = None) -> None:
    """Take a role away. A TWO_PERSON role needs a coordinator's approval: an admin who
    removed the real coordinators first would silence every alert."""
    _require_manager(actor)
    approval = None
    if role in TWO_PERSON_ROLES:
        if role is Role.COORDINATOR and staff.is_active:
            _keep_two_coordinators(staff)
        approval = approvals.authorise(
            actor=actor,
            kind=ApprovalKind.REVOKE_DATA_ROLE,
            target_type="staff",
            target_id=str(staff.pk),
            payload={"role": role.value},
            approval_id=approval_id,
        )
    staff.groups.remove(*Group.objects.filter(name=role.value))
    with approvals.keyd_refusal():
        vault_ledger.record_role(
            staff_id=staff.pk, role=role.value, granted=False, proposal=_proposal(approval)
        )
    end_all_sessions(staff=staff)
    record_security_event(
        actor=actor, event=EventType.ROLE_REVOKED, subject_id=staff.pk, detail={"role": role.value}
    )


@transaction.atomic
def set_active(*, actor: Staff, staff: Staff, active: bool, approval_id: str | None = None) -> None:
    """Disable (every session ends before its next request) or re-enable an account.

    For anyone holding a TWO_PERSON role, and for undoing a suspension, a
    coordinator must approve first; the last two active coordinators stay on.
    """
    if not actor.is_active or not roles_of(actor) & {Role.ADMIN, Role.COORDINATOR}:
        raise NotAllowed(str(NOT_MANAGER))
    if staff.pk == actor.pk:
        raise NotAllowed(str(NOT_MANAGER))
    if not active and staff.is_active and Role.COORDINATOR in held_roles(staff):
        _keep_two_coordinators(staff)
    approval = None
    if held_roles(staff) & TWO_PERSON_ROLES or (active and staff.suspended_at is not None):
        approval = approvals.authorise(
            actor=actor,
            kind=ApprovalKind.SET_ACTIVE,
            target_type="staff",
            target_id=str(staff.pk),
            payload={"active": int(active)},
            approval_id=approval_id,
        )
    elif Role.ADMIN not in roles_of(actor):
        raise NotAllowed(str(NOT_MANAGER))
    Staff.objects.filter(pk=staff.pk).update(
        is_active=active, suspended_at=None if active else staff.suspended_at
    )
    staff.refresh_from_db()
    with approvals.keyd_refusal():
        vault_ledger.record_active(staff_id=staff.pk, active=active, proposal=_proposal(approval))
    if not active:
        end_all_sessions(staff=staff)
    event = EventType.ACCOUNT_ENABLED if active else EventType.ACCOUNT_DISABLED
    record_security_event(actor=actor, event=event, subject_id=staff.pk)


@transaction.atomic
def suspend_staff(*, actor: Staff, staff: Staff) -> int:
    """Cut an account off at once (a coerced colleague): no approval, but loud.

    Every active coordinator and auditor is alerted (including the person who did
    it, who cannot dismiss it); undoing it is set_active(active=True) with a
    coordinator's approval. The last two active coordinators cannot be suspended
    by anyone: put a standby on duty first. Returns how many were alerted.
    """
    if not actor.is_active or not roles_of(actor) & {Role.ADMIN, Role.COORDINATOR}:
        raise NotAllowed(str(NOT_SUSPENDER))
    if staff.pk == actor.pk:
        raise NotAllowed(str(SELF_SUSPEND))
    if not staff.is_active:
        raise NotAllowed(str(ALREADY_SUSPENDED))
    if Role.COORDINATOR in held_roles(staff):
        _keep_two_coordinators(staff)
    Staff.objects.filter(pk=staff.pk).update(is_active=False, suspended_at=clock.now())
    staff.refresh_from_db()
    with approvals.keyd_refusal():
        vault_ledger.record_active(staff_id=staff.pk, active=False)
    end_all_sessions(staff=staff)
    record_security_event(actor=actor, event=EventType.ACCOUNT_SUSPENDED, subject_id=staff.pk)
    return alert_coordinators_and_auditors(code="account_suspended", subject=staff, actor=actor)


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
    _check_support(staff, emergency_reason)
    approval = approvals.authorise(
        actor=actor,
        kind=ApprovalKind.RESET_PASSWORD,
        target_type="staff",
        target_id=str(staff.pk),
        approval_id=approval_id,
        emergency_reason=emergency_reason,
    )
    _check_support_approver(staff, approval)
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
) -> str:
    """Remove all of another person's second factors; they enrol again at their next login
    with the enrolment code returned here (keyd's; "" where keyd answers none)."""
    _require_manager(actor)
    _check_support(staff, emergency_reason)
    approval = approvals.authorise(
        actor=actor,
        kind=ApprovalKind.RESET_FACTORS,
        target_type="staff",
        target_id=str(staff.pk),
        approval_id=approval_id,
        emergency_reason=emergency_reason,
    )
    _check_support_approver(staff, approval)
    TOTPDevice.objects.filter(user=staff).delete()
    WebAuthnCredential.objects.filter(user=staff).delete()
    BackupCode.objects.filter(staff=staff).delete()
    with approvals.keyd_refusal():
        code = vault_ledger.remove_factor(staff.pk, proposal=_proposal(approval))
    end_all_sessions(staff=staff)
    record_security_event(
        actor=actor, event=EventType.FACTOR_REVOKED, subject_id=staff.pk, reason="reset"
    )
    return code


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
    _check_support(staff, emergency_reason)
    approval = approvals.authorise(
        actor=actor,
        kind=ApprovalKind.REVOKE_DEVICE,
        target_type="staff",
        target_id=str(staff.pk),
        payload={"device": device},
        approval_id=approval_id,
        emergency_reason=emergency_reason,
    )
    _check_support_approver(staff, approval)
    with approvals.keyd_refusal():
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
    """Fresh backup codes to show once. Where keyd checks factors, keyd makes and keeps
    them (with the person's own ticket) and the data database keeps none."""
    if keyd_login.keyd_checks_factors():
        codes = vault_ledger.new_backup_codes(staff.pk)
        BackupCode.objects.filter(staff=staff).delete()
    else:
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
    if kind == "webauthn":
        # keyd stops accepting the key too: it, not this row, decides a passkey login.
        for credential in rows:
            webauthn.forget_in_keyd(credential)
    if delete:
        rows.delete()
    else:
        rows.update(confirmed=False)


def _factor_count(staff: Staff) -> int:
    totp: int = TOTPDevice.objects.filter(user=staff, confirmed=True).count()
    keys: int = WebAuthnCredential.objects.filter(user=staff, confirmed=True).count()
    return totp + keys


def _proposal(approval: Approval | None) -> str | None:
    """The keyd proposal an approval carries out (request_approval sent it under its id)."""
    return str(approval.pk) if approval is not None and not approval.emergency else None


def _require_manager(actor: Staff) -> None:
    if not actor.is_active or Role.ADMIN not in roles_of(actor):
        raise NotAllowed(str(NOT_MANAGER))


def _check_separation(roles: frozenset[Role]) -> None:
    """The admin role never sits with a data role or the auditor's (who watches admins)."""
    if Role.ADMIN in roles and roles & TWO_PERSON_ROLES:
        raise NotAllowed(str(ADMIN_WITH_DATA_ROLE))


def _keep_two_coordinators(leaving: Staff) -> None:
    """Refuse to switch off or demote an active coordinator when that leaves fewer than two."""
    if leaving.is_active and count_active_coordinators() <= MIN_ACTIVE_COORDINATORS:
        raise NotAllowed(str(LAST_COORDINATORS))


def _check_support(staff: Staff, emergency_reason: str | None) -> None:
    """Taking over the login of a TWO_PERSON role holder has no emergency path."""
    if emergency_reason is not None and held_roles(staff) & TWO_PERSON_ROLES:
        raise NotAllowed(str(NEEDS_COORDINATOR_APPROVAL))


def _check_support_approver(staff: Staff, approval: Approval) -> None:
    """Two admins together cannot take over a coordinator's login: a coordinator approves."""
    if not held_roles(staff) & TWO_PERSON_ROLES or approval.decided_by is None:
        return
    if Role.COORDINATOR not in roles_of(approval.decided_by):
        raise NotAllowed(str(NEEDS_COORDINATOR_APPROVAL))


def _check_username(username: str) -> None:
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    if not (3 <= len(username) <= 40) or not set(username.lower()) <= allowed:
        raise InvalidInput(str(USERNAME_INVALID))
