"""A coordinator assigning a case to themselves goes through break-glass.

The attack: `POST /cases/REF/assign/` with one's own id gave the case's key with no
reason, no re-authentication, no reveal record and no end. Now it takes a reason, a
fresh password-and-factor confirmation, leaves a reveal record and alerts every
coordinator and auditor — unless another coordinator approved it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts import approvals, standby
from corridor.accounts.models import ApprovalKind, StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.access import is_assigned
from corridor.cases.models import CaseReveal
from corridor.cases.services import assignment
from corridor.core import clock
from tests.factories import StaffFactory
from tests.web.conftest import client_for, reauthenticate

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def assign_self(client, case, staff, **extra):
    return client.post(
        f"/cases/{case.ref}/assign/",
        {"version": case.version, "staff": staff.pk, "lead": "0", **extra},
    )


def test_assigning_oneself_without_a_reason_is_refused(fx, time_machine):
    """The attack as found: the POST alone no longer puts the coordinator on the case."""
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    client = client_for(coordinator)
    refused = assign_self(client, fx.case, coordinator)
    assert refused.status_code == 400
    assert "break-glass" in refused.content.decode()
    assert not is_assigned(coordinator, fx.case)


def test_assigning_oneself_asks_for_password_and_factor_again(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    client = client_for(coordinator)
    time_machine.shift(timedelta(minutes=6))
    sent = assign_self(client, fx.case, coordinator, self_reason="covering_absence")
    assert sent.status_code == 302
    assert sent["Location"].startswith("/account/reauth/?next=")
    assert not is_assigned(coordinator, fx.case)


def test_break_glass_self_assignment_leaves_a_reveal_and_alerts_everyone(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    auditor = StaffFactory(roles=[Role.AUDITOR])
    client = client_for(coordinator)
    time_machine.shift(timedelta(minutes=6))
    reauthenticate(client, coordinator)
    done = assign_self(client, fx.case, coordinator, self_reason="covering_absence")
    assert done.status_code == 302
    assert done["Location"] == f"/cases/{fx.case.ref}/"
    assert is_assigned(coordinator, fx.case)
    assert CaseReveal.objects.filter(
        case=fx.case, staff=coordinator, reason="covering_absence"
    ).exists()
    assert AuditEntry.objects.filter(
        event_type=EventType.CASE_REVEALED, case_id=fx.case.ref, reason="covering_absence"
    ).exists()
    alerted = set(
        StaffAlert.objects.filter(code="self_assigned", case_ref=fx.case.ref).values_list(
            "staff_id", flat=True
        )
    )
    assert {coordinator.pk, fx.coordinator.pk, auditor.pk} <= alerted


def test_a_second_coordinator_approves_instead_of_break_glass(fx):
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    client = client_for(coordinator)
    asked = assign_self(client, fx.case, coordinator, self_reason="ask_approval")
    assert asked.status_code == 302
    assert not is_assigned(coordinator, fx.case)
    approval = approvals.pending_for(fx.coordinator).get(kind=ApprovalKind.SELF_ASSIGN)
    with pytest.raises(approvals.ApprovalProblem):
        approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    approvals.grant_approval(actor=fx.coordinator, approval_id=str(approval.pk))
    fx.case.refresh_from_db()
    assigned = assign_self(client, fx.case, coordinator)
    assert assigned.status_code == 302
    assert is_assigned(coordinator, fx.case)
    assert not CaseReveal.objects.filter(case=fx.case, staff=coordinator).exists()


def test_a_standby_cannot_approve_its_activators_self_assignment(fx):
    """One coordinator plus the standby they put on duty are not two people."""
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    third = StaffFactory(roles=[Role.COORDINATOR])
    admin = StaffFactory(roles=[Role.ADMIN])
    person = StaffFactory(roles=[])
    registration = approvals.request_approval(
        actor=admin,
        kind=ApprovalKind.REGISTER_STANDBY,
        target_type="staff",
        target_id=str(person.pk),
        payload={"role": "coordinator"},
        reason="standby",
    )
    approvals.grant_approval(actor=third, approval_id=str(registration.pk))
    registered = standby.register_standby(
        actor=admin, staff=person, role=Role.COORDINATOR, approval_id=str(registration.pk)
    )
    standby.activate_standby(
        actor=coordinator, standby=registered, hours=1, reason="coordinators_unreachable"
    )
    approval = assignment.request_self_assignment(actor=coordinator, case=fx.case)
    with pytest.raises(approvals.ApprovalProblem):
        approvals.grant_approval(actor=person, approval_id=str(approval.pk))


def test_the_service_refuses_self_assignment_without_break_glass_or_approval(fx):
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    with pytest.raises(assignment.SelfAssignReasonNeeded):
        assignment.assign_case(actor=coordinator, case=fx.case, staff=coordinator)
    with pytest.raises(assignment.SelfAssignReauthNeeded):
        assignment.assign_case(
            actor=coordinator, case=fx.case, staff=coordinator, reason="supervision"
        )
    stale = clock.now() - timedelta(minutes=6)
    with pytest.raises(assignment.SelfAssignReauthNeeded):
        assignment.assign_case(
            actor=coordinator,
            case=fx.case,
            staff=coordinator,
            reason="supervision",
            confirmed_at=stale,
        )
    assert not is_assigned(coordinator, fx.case)
