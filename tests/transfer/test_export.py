"""`corridor export cases` and `corridor import cases --from-export`: every case leaves in
one encrypted file that two coordinators agreed to, and comes back whole; a flipped byte
or a file cut short is refused with a sentence and nothing written."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.accounts import approvals
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, CaseMember, Expense, Milestone
from corridor.pathways.models import Application
from corridor.people.models import Person
from corridor.transfer import export
from corridor.vault import keys as vault_keys
from corridor.vault.opening import open_field
from tests.cases.conftest import CASE_DB
from tests.factories import (
    staff_with,
)
from tests.transfer.test_import import run as run_import

pytestmark = CASE_DB
CANARY = "CANARYEXPORT7Q"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def installation(sheet_installation, open_case):
    """The 2017 list imported (milestones, expenses, applications) and a case with a canary
    in every sealed field."""
    open_case(CANARY)
    return sheet_installation


@pytest.fixture
def sheet_installation(sheet, coordinator, tmp_path: Path):
    _listing, workbook, mapping = sheet
    run_import(str(workbook), "--mapping", str(mapping), "--as", coordinator.username)
    return tmp_path


def granted_export(coordinator) -> str:
    approval = export.request_export(actor=coordinator)
    second = staff_with(Role.COORDINATOR)
    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
    return str(approval.pk)


def write(tmp_path: Path, approval_id: str, name: str = "move.corridor-export") -> Path:
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    target = tmp_path / name
    out = io.StringIO()
    call_command(
        "export", "cases", "--approval", approval_id, "--output", str(target),
        "--passphrase-file", str(phrase), stdout=out,
    )  # fmt: skip
    assert "SHA-256" in out.getvalue()
    return target


def read_back(path: Path, coordinator) -> str:
    phrase = path.parent / "phrase.txt"
    return run_import(
        "--from-export", str(path), "--passphrase-file", str(phrase), "--as", coordinator.username
    )


def shape() -> dict[str, object]:
    return {
        "cases": Case.objects.count(),
        "people": Person.objects.count(),
        "milestones": Counter(Milestone.objects.values_list("kind", flat=True)),
        "expenses": Counter(Expense.objects.values_list("currency", "amount_minor")),
        "applications": Counter(Application.objects.values_list("route_id", "status")),
    }


def doubled(before: dict[str, object]) -> dict[str, object]:
    return {
        name: value * 2 if isinstance(value, int) else Counter({k: v * 2 for k, v in value.items()})
        for name, value in before.items()
    }


def test_an_export_read_back_gives_the_same_cases_milestones_expenses_and_applications(
    installation, coordinator
):
    """Every case comes back through the services: the counts double (the file is read
    into the same installation), the canary decrypts under the new case's own key, the
    file holds no plaintext, and both ends audit the same SHA-256; a second read creates
    nothing."""
    tmp_path = installation
    before = shape()
    assert before["cases"] == 4
    path = write(tmp_path, granted_export(coordinator))
    data = path.read_bytes()
    assert CANARY.encode() not in data
    assert "Ислам".encode() not in data
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    exported = AuditEntry.objects.get(event_type=EventType.CASES_EXPORTED)
    out = read_back(path, coordinator)
    assert "Created 4 cases; 0 were imported before." in out
    assert shape() == doubled(before)
    read = AuditEntry.objects.get(event_type=EventType.EXPORT_READ)
    assert json.loads(read.detail)["sha256"] == json.loads(exported.detail)["sha256"]
    opened = []
    for member in CaseMember.objects.select_related("case", "person"):
        case = member.case
        key = vault_keys.data_key(case.key_id, for_actor=coordinator.actor_id, case_id=str(case.pk))
        opened.append(open_field(member.person.names, key=key))
    with_canary = [n for n in opened if any(CANARY in e["given"] for e in n)]
    assert len(with_canary) == 2  # the original and its copy, each under its own key
    assert "Created 0 cases; 4 were imported before." in read_back(path, coordinator)


@pytest.mark.parametrize("damage", ["flip", "cut", "header"])
def test_a_damaged_export_is_refused_with_a_sentence_and_nothing_written(
    installation, coordinator, damage
):
    tmp_path = installation
    path = write(tmp_path, granted_export(coordinator))
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut":
        del data[-20:]
    else:
        data[data.index(b'"created"') + 12] ^= 0x01
    path.write_bytes(bytes(data))
    before = shape()
    with pytest.raises(CommandError, match="altered, damaged or cut short"):
        read_back(path, coordinator)
    assert shape() == before
    assert not AuditEntry.objects.filter(event_type=EventType.EXPORT_READ).exists()


def test_the_export_needs_a_second_coordinator(installation, coordinator, tmp_path):
    approval = export.request_export(actor=coordinator)
    with pytest.raises(CommandError, match="not"):
        write(tmp_path, str(approval.pk))
    assert not (tmp_path / "move.corridor-export").exists()
    assert not AuditEntry.objects.filter(event_type=EventType.CASES_EXPORTED).exists()
