"""C3: the two-person rule for account changes, with an emergency path that is always reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts import approvals
from corridor.accounts import services as accounts
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, StaffAlert
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.core.exceptions import NotAllowed
from tests.factories import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer():
    return staff_with()


def ask_role(admin, target, role=Role.CASEWORKER) -> Approval:
    return approvals.request_approval(
        actor=admin,
        kind=ApprovalKind.GRANT_DATA_ROLE,
        target_type="staff",
        target_id=str(target.pk),
        payload={"role": role.value},
        reason="role_change",
    )


def test_an_admin_cannot_grant_a_data_role_alone(admin, newcomer):
    """Without a granted approval the data role is refused and not given."""
    with pytest.raises(approvals.ApprovalProblem):
        accounts.grant_role(actor=admin, staff=newcomer, role=Role.CASEWORKER)
    assert roles_of(newcomer) == frozenset()


def test_an_admin_cannot_make_themself_a_coordinator(admin, coordinator):
    """Separation of duties: the admin role never combines with a data role, even approved."""
    approval = ask_role(admin, admin, Role.COORDINATOR)
    approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    with pytest.raises(NotAllowed):
        accounts.grant_role(
            actor=admin, staff=admin, role=Role.COORDINATOR, approval_id=str(approval.pk)
        )
    assert Role.COORDINATOR not in roles_of(admin)


def test_a_granted_approval_lets_the_requester_carry_it_out_once(admin, coordinator, newcomer):
    """Request, coordinator grants, admin carries it out; the same approval cannot be reused."""
    approval = ask_role(admin, newcomer)
    approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    accounts.grant_role(
        actor=admin, staff=newcomer, role=Role.CASEWORKER, approval_id=str(approval.pk)
    )
    assert Role.CASEWORKER in roles_of(newcomer)
    other = staff_with()
    with pytest.raises(approvals.ApprovalProblem):
        accounts.grant_role(
            actor=admin, staff=other, role=Role.CASEWORKER, approval_id=str(approval.pk)
        )


def test_an_approval_covers_exactly_what_was_asked(admin, coordinator, newcomer):
    """An approval for caseworker cannot be used to grant coordinator."""
    approval = ask_role(admin, newcomer, Role.CASEWORKER)
    approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    with pytest.raises(approvals.ApprovalProblem):
        accounts.grant_role(
            actor=admin, staff=newcomer, role=Role.COORDINATOR, approval_id=str(approval.pk)
        )


def test_the_requester_cannot_approve_their_own_request(admin, newcomer):
    approval = ask_role(admin, newcomer)
    with pytest.raises(approvals.ApprovalProblem, match="your own request"):
        approvals.grant_approval(actor=admin, approval_id=str(approval.pk))


def test_a_person_without_the_approver_role_cannot_approve(admin, newcomer):
    """Another admin may not approve a data role: only a coordinator may."""
    second_admin = staff_with(Role.ADMIN)
    caseworker = staff_with(Role.CASEWORKER)
    approval = ask_role(admin, newcomer)
    for person in (second_admin, caseworker):
        with pytest.raises(approvals.ApprovalProblem, match="cannot approve"):
            approvals.grant_approval(actor=person, approval_id=str(approval.pk))


def test_an_expired_request_cannot_be_granted_or_used(admin, coordinator, newcomer, time_machine):
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    approval = ask_role(admin, newcomer)
    time_machine.shift(timedelta(hours=25))
    with pytest.raises(approvals.ApprovalProblem, match="expired"):
        approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    assert approvals.sweep_approvals() == (1, 0)
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.EXPIRED


def test_a_refused_request_cannot_be_used(admin, coordinator, newcomer):
    approval = ask_role(admin, newcomer)
    approvals.refuse_approval(
        actor=coordinator, approval_id=str(approval.pk), reason="verify_first"
    )
    with pytest.raises(approvals.ApprovalProblem):
        accounts.grant_role(
            actor=admin, staff=newcomer, role=Role.CASEWORKER, approval_id=str(approval.pk)
        )


def test_the_on_call_pool_is_alerted_when_someone_asks(admin, coordinator, newcomer):
    """A request alerts the pool for its kind (everyone but the requester)."""
    approvals.set_on_call(actor=coordinator, kind=ApprovalKind.GRANT_DATA_ROLE, on=True)
    ask_role(admin, newcomer)
    assert StaffAlert.objects.filter(staff=coordinator, code="approval_requested").count() == 1
    assert StaffAlert.objects.filter(staff=admin).count() == 0


def test_emergency_acts_at_once_and_leaves_a_review_that_goes_overdue(
    admin, coordinator, newcomer, time_machine
):
    """The emergency path acts now; after 24 hours without review it is flagged overdue.
    (It is left only for accounts that hold no data role: here, a password reset.)"""
    time_machine.move_to("2026-05-01 22:00:00Z", tick=False)
    password = accounts.reset_password(
        actor=admin, staff=newcomer, emergency_reason="evacuation_night"
    )
    newcomer.refresh_from_db()
    assert newcomer.check_password(password)
    approval = Approval.objects.get(emergency=True)
    assert approval.status == ApprovalStatus.EMERGENCY
    assert StaffAlert.objects.filter(staff=coordinator, code="emergency_review_due").exists()
    time_machine.shift(timedelta(hours=23))
    assert approvals.sweep_approvals() == (0, 0)
    time_machine.shift(timedelta(hours=2))
    assert approvals.sweep_approvals() == (0, 1)
    approval.refresh_from_db()
    assert approval.overdue_flagged_at is not None
    assert StaffAlert.objects.filter(staff=coordinator, code="emergency_review_overdue").exists()
    assert approvals.sweep_approvals() == (0, 0)  # flagged once


def test_an_emergency_needs_a_listed_reason(admin, newcomer):
    with pytest.raises(approvals.ApprovalProblem):
        accounts.reset_factors(actor=admin, staff=newcomer, emergency_reason="because")
    assert not Approval.objects.filter(emergency=True).exists()


def test_only_another_coordinator_reviews_an_emergency(admin, coordinator, newcomer):
    accounts.reset_factors(actor=admin, staff=newcomer, emergency_reason="device_seized")
    approval = Approval.objects.get(emergency=True)
    with pytest.raises(approvals.ApprovalProblem):
        approvals.review_emergency(actor=admin, approval_id=str(approval.pk), outcome="upheld")
    approvals.review_emergency(actor=coordinator, approval_id=str(approval.pk), outcome="upheld")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.REVIEWED
    assert approval.reviewed_by == coordinator


def test_resetting_a_password_needs_a_second_person_then_shows_a_one_time_password(
    admin, coordinator
):
    target = staff_with(Role.CASEWORKER)
    with pytest.raises(approvals.ApprovalProblem):
        accounts.reset_password(actor=admin, staff=target)
    approval = approvals.request_approval(
        actor=admin,
        kind=ApprovalKind.RESET_PASSWORD,
        target_type="staff",
        target_id=str(target.pk),
        reason="account_support",
    )
    approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    password = accounts.reset_password(actor=admin, staff=target, approval_id=str(approval.pk))
    target.refresh_from_db()
    assert target.check_password(password)
    assert target.must_change_password


def test_a_caseworker_cannot_ask_for_account_changes(newcomer):
    caseworker = staff_with(Role.CASEWORKER)
    with pytest.raises(NotAllowed):
        ask_role(caseworker, newcomer)
