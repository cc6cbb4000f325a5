"""Security events reach the audit log, in the same transaction, naming ids not people."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts import approvals
from corridor.accounts import services as accounts
from corridor.accounts.models import ApprovalKind
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from tests.accounts.helpers import log_in
from tests.factories import staff_with

pytestmark = pytest.mark.django_db


def types() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("event_type", flat=True))


def test_a_login_and_a_logout_are_recorded_by_staff_id(client, staff):
    log_in(client, staff)
    client.post("/logout/")
    entry = AuditEntry.objects.get(event_type="accounts.login_succeeded")
    assert entry.actor == f"staff:{staff.pk}"
    assert entry.object_id == str(staff.pk)
    assert entry.detail_values == {"method": "totp"}
    assert "accounts.logout" in types()


def test_a_failed_login_records_no_typed_username(client, canary):
    """What a stranger typed (maybe a password in the wrong field) is not logged."""
    client.post("/", {"username": canary, "password": "whatever it is"})
    entry = AuditEntry.objects.get(event_type="accounts.login_failed")
    assert entry.actor == "system:anonymous"
    assert canary.lower() not in str(list(AuditEntry.objects.values_list()))


def test_a_lockout_is_recorded(client, staff, time_machine):
    for minute in range(5):
        time_machine.move_to(f"2026-05-01 10:0{minute}:00Z", tick=False)
        client.post("/", {"username": staff.username, "password": "wrong"})
    assert types().count("accounts.login_locked") == 1


def test_a_failed_second_factor_names_the_account(client, staff):
    TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    client.post("/", {"username": staff.username, "password": "correct horse battery staple 7"})
    client.post("/login/verify/", {"code": "123456"})
    entry = AuditEntry.objects.get(event_type="accounts.second_factor_failed")
    assert (entry.object_id, entry.reason) == (str(staff.pk), "totp")


def test_approval_steps_are_recorded_with_ids_and_codes():
    admin = staff_with(Role.ADMIN)
    coordinator = staff_with(Role.COORDINATOR)
    target = staff_with()
    approval = approvals.request_approval(
        actor=admin,
        kind=ApprovalKind.GRANT_DATA_ROLE,
        target_type="staff",
        target_id=str(target.pk),
        payload={"role": "caseworker"},
        reason="role_change",
    )
    approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    accounts.grant_role(
        actor=admin, staff=target, role=Role.CASEWORKER, approval_id=str(approval.pk)
    )
    assert types()[-3:] == [
        "accounts.approval_requested",
        "accounts.approval_granted",
        "accounts.role_granted",
    ]
    granted = AuditEntry.objects.get(event_type="accounts.approval_granted")
    assert granted.actor == f"staff:{coordinator.pk}"
    assert granted.detail_values["approval"] == str(approval.pk)
    assert granted.detail_values["p_role"] == "caseworker"


def test_a_refused_change_leaves_no_event_of_the_change():
    """A data role refused without approval writes no role_granted event."""
    admin = staff_with(Role.ADMIN)
    target = staff_with()
    with pytest.raises(approvals.ApprovalProblem):
        accounts.grant_role(actor=admin, staff=target, role=Role.CASEWORKER)
    assert "accounts.role_granted" not in types()
