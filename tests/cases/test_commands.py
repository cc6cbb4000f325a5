"""`corridor cases list --json` and `corridor cases erase`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.accounts import approvals
from corridor.accounts.models import ApprovalKind
from corridor.accounts.roles import Role
from corridor.cases.models import Case, Flag
from corridor.cases.services import progress
from tests.cases.conftest import CASE_DB
from tests.factories import staff_with

pytestmark = CASE_DB


def cases_json() -> list[dict]:
    out = io.StringIO()
    call_command("cases", "list", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_list_prints_exactly_the_contract_keys_in_ref_order(
    open_case, coordinator, caseworker, canary
):
    first, second = open_case(canary), open_case()
    progress.raise_flag(actor=coordinator, case=second, flag=Flag.ON_HOLD)
    progress.raise_flag(actor=coordinator, case=second, flag=Flag.DETAINED)
    lines = cases_json()
    assert [line["ref"] for line in lines] == sorted([first.ref, second.ref])
    for line in lines:
        assert set(line) == {"ref", "phase", "flags", "risk_level", "assignee", "days_open"}
        assert line["assignee"] == caseworker.username
        assert line["days_open"] == 0
    flagged = next(line for line in lines if line["ref"] == second.ref)
    assert flagged["flags"] == ["detained", "on_hold"]
    assert canary not in json.dumps(lines)


def test_erase_needs_a_granted_approval(open_case, coordinator):
    case = open_case()
    second = staff_with(Role.COORDINATOR)
    approval = approvals.request_approval(
        actor=coordinator,
        kind=ApprovalKind.ERASE_CASE,
        target_type="cases.case",
        target_id=str(case.pk),
        reason="retention",
    )
    with pytest.raises(CommandError):
        call_command("cases", "erase", case.ref, "--approval", str(approval.pk))
    assert Case.objects.get(pk=case.pk).erased_at is None
    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
    call_command("cases", "erase", case.ref.lower(), "--approval", str(approval.pk))
    case.refresh_from_db()
    assert case.erased_at is not None
    assert case.key_id is None
    assert case.ref not in [line["ref"] for line in cases_json()]


def test_erase_of_an_unknown_case_exits_2():
    with pytest.raises(CommandError) as failure:
        call_command("cases", "erase", "CR-0000-0000", "--approval", "nope")
    assert failure.value.returncode == 2


def test_erase_request_asks_a_second_coordinator_and_the_erase_follows(open_case, coordinator):
    """`corridor cases erase-request` opens the approval that `corridor cases erase` needs;
    its own asker cannot grant it, another coordinator can."""
    from corridor.accounts.models import Approval, StaffAlert

    case = open_case()
    second = staff_with(Role.COORDINATOR)
    out = io.StringIO()
    call_command(
        "cases",
        "erase-request",
        case.ref,
        "--reason",
        "requester_asked",
        "--as",
        coordinator.username,
        stdout=out,
    )
    approval = Approval.objects.get(kind=ApprovalKind.ERASE_CASE, target_id=str(case.pk))
    assert str(approval.pk) in out.getvalue()
    assert approval.requested_by == coordinator
    assert approval.reason == "requester_asked"
    assert StaffAlert.objects.filter(staff=second, approval=approval).exists()
    with pytest.raises(CommandError):  # asked once is enough
        call_command(
            "cases",
            "erase-request",
            case.ref,
            "--reason",
            "retention",
            "--as",
            coordinator.username,
        )
    with pytest.raises(approvals.ApprovalProblem):
        approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
    call_command("cases", "erase", case.ref, "--approval", str(approval.pk))
    assert Case.objects.get(pk=case.pk).erased_at is not None


def test_erase_request_refuses_an_unknown_reason_and_a_caseworker(open_case, caseworker):
    case = open_case()
    with pytest.raises(CommandError):
        call_command(
            "cases",
            "erase-request",
            case.ref,
            "--reason",
            "because",
            "--as",
            caseworker.username,
        )
    with pytest.raises(CommandError) as refused:
        call_command(
            "cases",
            "erase-request",
            case.ref,
            "--reason",
            "retention",
            "--as",
            caseworker.username,
        )
    assert refused.value.returncode == 1
