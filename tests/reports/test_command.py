"""`corridor report`: the contract, exit 2 and no file on bad arguments, the approval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalStatus
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.reports import services
from tests.factories import staff_with
from tests.processes import corridor_env, installed_data_dir, run_corridor
from tests.reports.conftest import TODAY

CASE_DB = pytest.mark.django_db(databases=["default", "keystore"])


def exported() -> list[dict]:
    rows = AuditEntry.objects.filter(event_type=EventType.REPORT_EXPORTED.value).order_by("seq")
    return [json.loads(row.detail) | {"actor": row.actor} for row in rows]


def refused(*args: str) -> int:
    with pytest.raises(CommandError) as failure:
        call_command("report", *args)
    return failure.value.returncode


@CASE_DB
@pytest.mark.parametrize("form", ["csv", "html", "pdf"])
def test_the_public_report_is_written_with_its_hash_in_the_log(tmp_path, frozen_today, form):
    target = tmp_path / f"public.{form}"
    call_command("report", "--public", "--format", form, "--output", str(target))
    data = target.read_bytes()
    assert data.startswith(
        {"csv": b"table,row,column,value", "html": b"<!DOCTYPE html>", "pdf": b"%PDF-"}[form]
    )
    (event,) = exported()
    assert event["period"] == "2025"
    assert event["actor"].startswith("system:cli:")
    assert event["sha256"] == services.sha256_hex(data)


@CASE_DB
@pytest.mark.parametrize(
    "arguments",
    [
        ["--public", "--format", "csv", "--period", "2025-07"],
        ["--public", "--format", "csv", "--period", "2026Q3"],
        ["--public", "--format", "csv", "--k", "4"],
        ["--public", "--format", "csv", "--approval", "00000000-0000-0000-0000-000000000000"],
        ["--internal", "--format", "csv"],
        ["--internal", "--format", "csv", "--approval", "not-an-id"],
        ["--internal", "--format", "csv", "--approval", "00000000-0000-0000-0000-000000000000"],
        [
            "--internal",
            "--format",
            "csv",
            "--k",
            "9",
            "--approval",
            "00000000-0000-0000-0000-000000000000",
        ],
    ],
)
def test_invalid_arguments_exit_2_and_write_nothing(tmp_path, frozen_today, arguments):
    assert refused(*arguments, "--output", str(tmp_path / "out")) == 2
    assert list(tmp_path.iterdir()) == []
    assert exported() == []


@CASE_DB
def test_an_output_in_a_missing_folder_exits_2(tmp_path, frozen_today):
    assert refused("--public", "--format", "csv", "--output", str(tmp_path / "no" / "x.csv")) == 2
    assert refused("--public", "--format", "csv", "--output", str(tmp_path)) == 2


@CASE_DB
def test_the_internal_report_needs_a_granted_approval_for_exactly_this_export(
    tmp_path, frozen_today, coordinator
):
    export = services.check_export(scope="internal", format="csv", period="2025", today=TODAY)
    approval = services.request_export(actor=coordinator, export=export)
    target = tmp_path / "internal.csv"
    arguments = ["--internal", "--format", "csv", "--period", "2025", "--output", str(target)]
    assert refused(*arguments, "--approval", str(approval.pk)) == 1
    approvals.grant_approval(actor=staff_with(Role.COORDINATOR), approval_id=str(approval.pk))
    wrong = ["--internal", "--format", "pdf", "--period", "2025", "--output", str(target)]
    assert refused(*wrong, "--approval", str(approval.pk)) == 2
    assert list(tmp_path.iterdir()) == []
    call_command("report", *arguments, "--approval", str(approval.pk))
    assert target.read_bytes().startswith(b"table,row,column,value\r\nmilestones,contacted,")
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.EXECUTED
    (event,) = exported()
    assert (event["scope"], event["approval"]) == ("internal", str(approval.pk))
    assert refused(*arguments, "--approval", str(approval.pk)) == 1


@pytest.fixture(scope="module")
def installed(tmp_path_factory, seed_root) -> Path:
    return installed_data_dir(tmp_path_factory.mktemp("report-cli"), seed_root)


@pytest.mark.process
def test_the_command_line_contract(installed, tmp_path):
    """As an operator runs it: exit 0 with a file; exit 2 and no file for a bad argument;
    the organisation's k from the environment, which --k may only raise."""
    env = corridor_env(installed, CORRIDOR_REPORT_MIN_K="7")
    target = tmp_path / "public.csv"
    ok = run_corridor(
        "report", "--public", "--format", "csv", "--k", "8", "--output", str(target), env=env
    )
    assert ok.returncode == 0, ok.stderr
    assert target.read_text(encoding="utf-8").splitlines()[0] == "table,row,column,value"
    assert "SHA-256" in ok.stdout
    for bad in (["--format", "docx"], ["--k", "6"], ["--period", "soon"], []):
        other = tmp_path / "other.csv"
        arguments = ["report", "--public", "--format", "csv", *bad, "--output", str(other)]
        if not bad:
            arguments = ["report", "--format", "csv", "--output", str(other)]
        result = run_corridor(*arguments, env=env)
        assert result.returncode == 2, (bad, result.stderr)
        assert not other.exists()
    low = run_corridor(
        "report",
        "--public",
        "--format",
        "csv",
        "--output",
        str(tmp_path / "x.csv"),
        env=corridor_env(installed, CORRIDOR_REPORT_MIN_K="2"),
    )
    assert low.returncode == 2
    assert "CORRIDOR_REPORT_MIN_K" in low.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public.csv"]
