"""C3 as a property: over random sequences of actions by several people, no single person
completes a gated action outside the emergency path, and every emergency ends reviewed or
flagged overdue."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from corridor.accounts import approvals
from corridor.accounts import services as accounts
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, Staff
from corridor.accounts.roles import Role
from corridor.core.exceptions import CorridorError

PEOPLE = ["admin_a", "admin_b", "coord_c", "coord_d", "worker_e"]
ROLES = {
    "admin_a": Role.ADMIN,
    "admin_b": Role.ADMIN,
    "coord_c": Role.COORDINATOR,
    "coord_d": Role.COORDINATOR,
    "worker_e": Role.CASEWORKER,
}
APPROVERS = {
    ApprovalKind.GRANT_DATA_ROLE: {Role.COORDINATOR},
    ApprovalKind.RESET_FACTORS: {Role.ADMIN, Role.COORDINATOR},
}


class ApprovalMachine(RuleBasedStateMachine):
    requests = Bundle("requests")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.clock = time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False)
        self.now = self.clock.start()
        self.people: dict[str, Staff] = {}
        for name in PEOPLE:
            person = Staff(username=name)
            person.set_unusable_password()
            person.save()
            person.groups.set([Group.objects.get_or_create(name=ROLES[name].value)[0]])
            self.people[name] = person
        self.target = Staff(username="target_t")
        self.target.set_unusable_password()
        self.target.save()
        self.completed: list[tuple[str, str]] = []  # (approval id, how)

    def teardown(self) -> None:
        try:
            self.now.shift(timedelta(hours=25))
            approvals.sweep_approvals()
            for approval in Approval.objects.filter(emergency=True):
                assert approval.status == ApprovalStatus.REVIEWED or approval.overdue_flagged_at
        finally:
            self.clock.stop()
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    def _carry_out(self, actor: Staff, kind: str, **go_ahead: str | None) -> None:
        if kind == ApprovalKind.GRANT_DATA_ROLE:
            accounts.grant_role(actor=actor, staff=self.target, role=Role.CASEWORKER, **go_ahead)
        else:
            accounts.reset_factors(actor=actor, staff=self.target, **go_ahead)

    @rule(
        target=requests,
        who=st.sampled_from(PEOPLE),
        kind=st.sampled_from(list(APPROVERS)),
    )
    def ask(self, who: str, kind: str) -> str:
        payload = {"role": Role.CASEWORKER.value} if kind == ApprovalKind.GRANT_DATA_ROLE else {}
        try:
            approval = approvals.request_approval(
                actor=self.people[who],
                kind=kind,
                target_type="staff",
                target_id=str(self.target.pk),
                payload=payload,
                reason="role_change",
            )
        except CorridorError:
            return ""
        return str(approval.pk)

    @rule(request=requests, who=st.sampled_from(PEOPLE))
    def grant(self, request: str, who: str) -> None:
        if request:
            with contextlib.suppress(CorridorError):
                approvals.grant_approval(actor=self.people[who], approval_id=request)

    @rule(request=requests, who=st.sampled_from(PEOPLE))
    def refuse(self, request: str, who: str) -> None:
        if request:
            with contextlib.suppress(CorridorError):
                approvals.refuse_approval(
                    actor=self.people[who], approval_id=request, reason="not_expected"
                )

    @rule(request=requests, who=st.sampled_from(PEOPLE))
    def carry_out(self, request: str, who: str) -> None:
        if not request:
            return
        kind = Approval.objects.get(pk=request).kind
        try:
            self._carry_out(self.people[who], kind, approval_id=request)
        except CorridorError:
            return
        self.completed.append((request, "approval"))

    @rule(who=st.sampled_from(PEOPLE), kind=st.sampled_from(list(APPROVERS)))
    def carry_out_alone(self, who: str, kind: str) -> None:
        with pytest.raises(CorridorError):
            self._carry_out(self.people[who], kind)

    @rule(
        who=st.sampled_from(PEOPLE),
        kind=st.sampled_from(list(APPROVERS)),
        reason=st.sampled_from(["device_seized", "evacuation_night", "not a reason"]),
    )
    def emergency(self, who: str, kind: str, reason: str) -> None:
        try:
            self._carry_out(self.people[who], kind, emergency_reason=reason)
        except CorridorError:
            return
        latest = Approval.objects.filter(emergency=True).latest("created_at")
        self.completed.append((str(latest.pk), "emergency"))

    @rule(who=st.sampled_from(PEOPLE))
    def review(self, who: str) -> None:
        for approval in Approval.objects.filter(status=ApprovalStatus.EMERGENCY)[:1]:
            with contextlib.suppress(CorridorError):
                approvals.review_emergency(
                    actor=self.people[who], approval_id=str(approval.pk), outcome="upheld"
                )

    @rule(hours=st.integers(min_value=1, max_value=30))
    def wait(self, hours: int) -> None:
        self.now.shift(timedelta(hours=hours))
        approvals.sweep_approvals()

    @invariant()
    def nobody_acts_alone(self) -> None:
        for approval_id, how in self.completed:
            approval = Approval.objects.get(pk=approval_id)
            if how == "emergency":
                assert approval.emergency
                continue
            assert approval.decided_by_id is not None
            assert approval.decided_by_id != approval.requested_by_id
            approver_roles = {Role(g.name) for g in approval.decided_by.groups.all()}
            assert approver_roles & APPROVERS[approval.kind]
            assert approval.status == ApprovalStatus.EXECUTED


@pytest.mark.slow
class TestApprovalStateMachine(TestCase):
    def test_no_single_person_completes_a_gated_action(self) -> None:
        """≥ 1,000 random sequences of requests, grants, refusals, emergencies and waits."""
        run_state_machine_as_test(
            ApprovalMachine,
            settings=settings(
                max_examples=1000,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
