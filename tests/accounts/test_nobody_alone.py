"""No one person gives, takes away, switches off or takes over a data role.

Each test performs an attack found against the demo (an administrator alone reads every
case and silences the alarm) and checks that it is refused, or, for the two loud
one-person paths (suspension, standby), that everyone who must know is alerted.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts import approvals, standby
from corridor.accounts import services as accounts
from corridor.accounts.alerts import dismiss_alert
from corridor.accounts.events import record_security_event
from corridor.accounts.models import ApprovalKind, Staff, StaffAlert
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core.actors import cli_actor
from corridor.core.exceptions import CorridorError, NotAllowed
from tests.factories import TEST_PASSWORD, staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return staff_with(Role.ADMIN)


@pytest.fixture
def coordinators():
    """Three active coordinators: one above the floor of two."""
    return [staff_with(Role.COORDINATOR) for _ in range(3)]


@pytest.fixture
def auditor():
    return staff_with(Role.AUDITOR)


def ask(actor, kind, target, **payload):
    return approvals.request_approval(
        actor=actor,
        kind=kind,
        target_type="staff",
        target_id=str(target.pk),
        payload=payload,
        reason="role_change",
    )


def granted(actor, kind, target, approver, **payload) -> str:
    approval = ask(actor, kind, target, **payload)
    approvals.grant_approval(actor=approver, approval_id=str(approval.pk))
    return str(approval.pk)


# ------------------------------------------------------------------ granting and removing


def test_an_admin_cannot_make_a_puppet_coordinator_on_the_emergency_path(admin, coordinators):
    """The puppet attack: an admin creates an account and grants it coordinator "on my
    approval alone". Refused; the puppet holds no role and no emergency is recorded."""
    puppet, _password, _code = accounts.create_staff_with_temporary_password(
        actor=admin, username="puppet"
    )
    for role in (Role.COORDINATOR, Role.CASEWORKER, Role.VERIFIER, Role.AUDITOR):
        with pytest.raises(NotAllowed):
            accounts.grant_role(
                actor=admin, staff=puppet, role=role, emergency_reason="evacuation_night"
            )
    assert roles_of(puppet) == frozenset()
    assert not AuditEntry.objects.filter(event_type=EventType.APPROVAL_EMERGENCY_USED).exists()


def test_the_auditor_role_needs_a_coordinator_and_never_goes_to_an_admin(admin, coordinators):
    """An admin cannot give themselves (or anyone, alone) the auditor role that watches them."""
    newcomer = staff_with()
    with pytest.raises(CorridorError):
        accounts.grant_role(actor=admin, staff=newcomer, role=Role.AUDITOR)
    approval_id = granted(
        admin, ApprovalKind.GRANT_DATA_ROLE, admin, coordinators[0], role=Role.AUDITOR.value
    )
    with pytest.raises(NotAllowed):
        accounts.grant_role(actor=admin, staff=admin, role=Role.AUDITOR, approval_id=approval_id)
    assert Role.AUDITOR not in roles_of(admin)


def test_an_admin_cannot_remove_coordinators_alone(admin, coordinators):
    """Removing the real coordinators first would silence every alert: it waits for one."""
    target = coordinators[0]
    with pytest.raises(CorridorError):
        accounts.revoke_role(actor=admin, staff=target, role=Role.COORDINATOR)
    assert Role.COORDINATOR in roles_of(target)


def test_a_second_admin_cannot_approve_removing_a_coordinator(admin, coordinators):
    """Two administrators together are not enough: only a coordinator approves."""
    other_admin = staff_with(Role.ADMIN)
    approval = ask(admin, ApprovalKind.REVOKE_DATA_ROLE, coordinators[0], role="coordinator")
    with pytest.raises(approvals.ApprovalProblem):
        approvals.grant_approval(actor=other_admin, approval_id=str(approval.pk))


def test_a_coordinator_approved_removal_goes_through(admin, coordinators):
    target = coordinators[0]
    approval_id = granted(
        admin, ApprovalKind.REVOKE_DATA_ROLE, target, coordinators[1], role="coordinator"
    )
    accounts.revoke_role(actor=admin, staff=target, role=Role.COORDINATOR, approval_id=approval_id)
    assert Role.COORDINATOR not in roles_of(target)


def test_the_last_two_coordinators_can_be_neither_removed_nor_deactivated(admin):
    """Even with approvals granted, the organisation keeps two active coordinators."""
    first, second = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    approval_id = granted(admin, ApprovalKind.REVOKE_DATA_ROLE, first, second, role="coordinator")
    with pytest.raises(NotAllowed):
        accounts.revoke_role(
            actor=admin, staff=first, role=Role.COORDINATOR, approval_id=approval_id
        )
    approval_id = granted(admin, ApprovalKind.SET_ACTIVE, first, second, active=0)
    with pytest.raises(NotAllowed):
        accounts.set_active(actor=admin, staff=first, active=False, approval_id=approval_id)
    with pytest.raises(NotAllowed):
        accounts.suspend_staff(actor=admin, staff=first)
    first.refresh_from_db()
    assert first.is_active
    assert Role.COORDINATOR in roles_of(first)


# ------------------------------------------------------------ switching off and taking over


def test_an_admin_cannot_deactivate_a_coordinator_alone(admin, coordinators):
    """set_active had no approval step: disabling coordinators silenced them."""
    target = coordinators[0]
    with pytest.raises(CorridorError):
        accounts.set_active(actor=admin, staff=target, active=False)
    target.refresh_from_db()
    assert target.is_active


def test_reactivating_a_disabled_caseworker_needs_a_coordinator(admin, coordinators):
    caseworker = staff_with(Role.CASEWORKER, is_active=False)
    with pytest.raises(CorridorError):
        accounts.set_active(actor=admin, staff=caseworker, active=True)
    caseworker.refresh_from_db()
    assert not caseworker.is_active
    approval_id = granted(admin, ApprovalKind.SET_ACTIVE, caseworker, coordinators[0], active=1)
    accounts.set_active(actor=admin, staff=caseworker, active=True, approval_id=approval_id)
    caseworker.refresh_from_db()
    assert caseworker.is_active


def test_an_admin_cannot_reset_a_coordinators_login_on_the_emergency_path(admin, coordinators):
    """The same emergency path reset an existing coordinator's password and factors."""
    target = coordinators[0]
    with pytest.raises(NotAllowed):
        accounts.reset_password(actor=admin, staff=target, emergency_reason="device_seized")
    with pytest.raises(NotAllowed):
        accounts.reset_factors(actor=admin, staff=target, emergency_reason="device_seized")
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD)


def test_two_admins_cannot_take_over_a_coordinators_login(admin, coordinators):
    """A second administrator's approval does not stand in for a coordinator's."""
    target = coordinators[0]
    other_admin = staff_with(Role.ADMIN)
    approval_id = granted(admin, ApprovalKind.RESET_PASSWORD, target, other_admin)
    with pytest.raises(NotAllowed):
        accounts.reset_password(actor=admin, staff=target, approval_id=approval_id)
    target.refresh_from_db()
    assert target.check_password(TEST_PASSWORD)


def test_roles_are_given_at_setup_only_while_the_installation_is_new(admin):
    """After the first sign-in, create_staff no longer hands out data roles."""
    accounts.create_staff(
        actor=cli_actor(),
        username="first-coord",
        password=TEST_PASSWORD,
        roles=[Role.COORDINATOR],
    )
    record_security_event(actor=admin, event=EventType.LOGIN_SUCCEEDED, subject_id=admin.pk)
    with pytest.raises(NotAllowed):
        accounts.create_staff(
            actor=cli_actor(),
            username="late-coord",
            password=TEST_PASSWORD,
            roles=[Role.COORDINATOR],
        )
    assert not Staff.objects.filter(username="late-coord").exists()


# --------------------------------------------------------------------------- suspension


def test_suspension_is_at_once_loud_and_needs_two_people_to_undo(admin, coordinators, auditor):
    """Any coordinator cuts a colleague off now; every coordinator and auditor is alerted;
    neither the suspender nor the suspended can dismiss the alert; undoing waits."""
    suspender, colleague = coordinators[0], coordinators[2]
    caseworker = staff_with(Role.CASEWORKER)
    accounts.suspend_staff(actor=suspender, staff=caseworker)
    caseworker.refresh_from_db()
    assert not caseworker.is_active
    assert caseworker.suspended_at is not None
    alerted = set(
        StaffAlert.objects.filter(code="account_suspended").values_list("staff_id", flat=True)
    )
    assert alerted == {c.pk for c in coordinators} | {auditor.pk}
    own = StaffAlert.objects.get(code="account_suspended", staff=suspender)
    with pytest.raises(NotAllowed):
        dismiss_alert(actor=suspender, alert_id=str(own.pk), reason="dealt_with")
    theirs = StaffAlert.objects.get(code="account_suspended", staff=colleague)
    dismiss_alert(actor=colleague, alert_id=str(theirs.pk), reason="dealt_with")
    # Undo: an admin alone cannot; with a coordinator's approval it goes through.
    with pytest.raises(CorridorError):
        accounts.set_active(actor=admin, staff=caseworker, active=True)
    approval_id = granted(admin, ApprovalKind.SET_ACTIVE, caseworker, colleague, active=1)
    accounts.set_active(actor=admin, staff=caseworker, active=True, approval_id=approval_id)
    caseworker.refresh_from_db()
    assert caseworker.is_active
    assert caseworker.suspended_at is None


def test_a_suspended_admin_also_needs_two_people_to_come_back(coordinators):
    rogue, other_admin = staff_with(Role.ADMIN), staff_with(Role.ADMIN)
    accounts.suspend_staff(actor=coordinators[0], staff=rogue)
    with pytest.raises(CorridorError):
        accounts.set_active(actor=other_admin, staff=rogue, active=True)
    rogue.refresh_from_db()
    assert not rogue.is_active


# ------------------------------------------------------------------------------ standby


def register(admin, approver, person, role=Role.COORDINATOR):
    approval_id = granted(admin, ApprovalKind.REGISTER_STANDBY, person, approver, role=role.value)
    return standby.register_standby(actor=admin, staff=person, role=role, approval_id=approval_id)


def test_registering_a_standby_needs_a_second_person(admin, coordinators):
    person = staff_with()
    with pytest.raises(CorridorError):
        standby.register_standby(actor=admin, staff=person, role=Role.COORDINATOR, approval_id="")
    registered = register(admin, coordinators[0], person)
    assert registered.approved_by == coordinators[0]
    assert roles_of(person) == frozenset()


def test_a_standby_on_duty_is_loud_and_at_most_twelve_hours(
    admin, coordinators, auditor, time_machine
):
    time_machine.move_to("2026-05-04 20:00:00Z", tick=False)
    person = staff_with()
    registered = register(admin, coordinators[0], person)
    activator = coordinators[1]
    with pytest.raises(CorridorError):
        standby.activate_standby(
            actor=activator, standby=registered, hours=13, reason="evacuation_night"
        )
    standby.activate_standby(
        actor=activator, standby=registered, hours=12, reason="evacuation_night"
    )
    assert Role.COORDINATOR in roles_of(person)
    alerted = set(
        StaffAlert.objects.filter(code="standby_activated").values_list("staff_id", flat=True)
    )
    assert alerted >= {c.pk for c in coordinators} | {auditor.pk}
    own = StaffAlert.objects.get(code="standby_activated", staff=activator)
    with pytest.raises(NotAllowed):
        dismiss_alert(actor=activator, alert_id=str(own.pk), reason="dealt_with")
    time_machine.shift(timedelta(hours=12, minutes=1))
    assert standby.sweep_standby() == 1
    person.refresh_from_db()
    assert Role.COORDINATOR not in roles_of(person)


def test_a_standby_never_approves_what_its_activator_asked_for(admin, coordinators):
    person = staff_with()
    registered = register(admin, coordinators[0], person)
    activator = coordinators[1]
    standby.activate_standby(
        actor=activator, standby=registered, hours=2, reason="coordinators_unreachable"
    )
    # The activator asks to remove a coordinator; their own standby may not approve it.
    approval = approvals.request_approval(
        actor=activator,
        kind=ApprovalKind.SET_ACTIVE,
        target_type="staff",
        target_id=str(coordinators[2].pk),
        payload={"active": 0},
        reason="account_support",
    )
    with pytest.raises(approvals.ApprovalProblem):
        approvals.grant_approval(actor=person, approval_id=str(approval.pk))
    # Another coordinator's request it may decide.
    other = approvals.request_approval(
        actor=coordinators[0],
        kind=ApprovalKind.SET_ACTIVE,
        target_type="staff",
        target_id=str(coordinators[2].pk),
        payload={"active": 0},
        reason="account_support",
    )
    approvals.grant_approval(actor=person, approval_id=str(other.pk))


def test_only_a_coordinator_puts_a_standby_on_duty(admin, coordinators):
    person = staff_with()
    registered = register(admin, coordinators[0], person)
    with pytest.raises(NotAllowed):
        standby.activate_standby(
            actor=admin, standby=registered, hours=2, reason="evacuation_night"
        )
    assert roles_of(person) == frozenset()
