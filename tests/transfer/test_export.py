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
from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.access import access_reason_note_by_seq
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import (
    Case,
    CaseFlag,
    CaseLink,
    CaseMember,
    Expense,
    Incident,
    Milestone,
    Note,
    Placement,
    RiskAssessment,
    SharingConsent,
    Task,
    TravelLeg,
)
from corridor.cases.services.opening import linked_cases
from corridor.core import clock
from corridor.pathways.models import Application
from corridor.people.models import ContactProtocol, DocumentFile, IdentityDocument, Person
from corridor.transfer import export
from corridor.transfer.access import audit_summary
from corridor.transfer.models import ImportedRow
from corridor.vault import keys as vault_keys
from corridor.vault.files import open_file
from corridor.vault.opening import open_field
from tests.cases.conftest import CASE_DB
from tests.factories import (
    MOVED_FILE,
    fill_case_for_move,
    staff_with,
)
from tests.transfer.test_import import run as run_import

pytestmark = CASE_DB
CANARY = "CANARYEXPORT7Q"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def installation(sheet_installation, open_case, coordinator):
    """The 2017 list imported (milestones, expenses, applications, placements, notes) and
    a case with a canary in every sealed field and every part a move carries (linked to
    the list's first case)."""
    first = Case.objects.order_by("opened_at", "ref").first()
    fill_case_for_move(coordinator, open_case(CANARY), CANARY, link_to=first)
    return sheet_installation


@pytest.fixture
def one_case(vault_keys, open_case, coordinator, tmp_path: Path) -> Path:
    """Just the case with every part (for tests about the file, not the catalog)."""
    fill_case_for_move(coordinator, open_case(CANARY), CANARY)
    return tmp_path


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


def write(tmp_path: Path, approval_id: str, name: str = "move.corridor-export", *lock: str) -> Path:
    phrase = tmp_path / "phrase.txt"
    phrase.write_text(PASSPHRASE + "\n", encoding="utf-8")
    target = tmp_path / name
    out = io.StringIO()
    call_command(
        "export", "cases", "--approval", approval_id, "--output", str(target),
        *(lock or ("--passphrase-file", str(phrase))), stdout=out,
    )  # fmt: skip
    assert "SHA-256" in out.getvalue()
    return target


def read_back(path: Path, coordinator, *extra: str) -> str:
    phrase = path.parent / "phrase.txt"
    unlock = ("--passphrase-file", str(phrase)) if not extra else ()
    return run_import("--from-export", str(path), *unlock, "--as", coordinator.username, *extra)


def shape() -> dict[str, object]:
    """What a move must carry, counted (sealed values checked apart)."""
    return {
        "cases": Case.objects.count(),
        "people": Person.objects.count(),
        "milestones": Counter(Milestone.objects.values_list("kind", flat=True)),
        "expenses": Counter(Expense.objects.values_list("currency", "amount_minor")),
        "applications": Counter(Application.objects.values_list("route_id", "status")),
        "placements": Counter(Placement.objects.values_list("shelter_ref", "starts_on")),
        "journeys": Counter(
            TravelLeg.objects.values_list(
                "kind", "to_place", "travel_on", "completed_on", "cancelled_on"
            )
        ),
        # The schedule to the microsecond: a moved person's next check-in is due when it was.
        "protocols": Counter(
            ContactProtocol.objects.values_list(
                "channel", "check_in_every_hours", "last_check_in_at", "check_in_due_at"
            )
        ),
        "incidents": Counter(
            (i.kind, i.person_id is None, i.created_at, i.closed_at, _steps(i.checklist))
            for i in Incident.objects.all()
        ),
        "links": Counter(CaseLink.objects.values_list("kind", flat=True)),
        "flags": Counter(
            CaseFlag.objects.filter(cleared_at__isnull=True).values_list("flag", "reason")
        ),
        "notes": Note.objects.count(),
        "tasks": Counter(
            Task.objects.exclude(due_on=clock.today()).values_list("due_on", flat=True)
        ),
        "done_tasks": Task.objects.filter(done_at__isnull=False).count(),
        "risk": Counter(RiskAssessment.objects.values_list("level", "score")),
        "risk_levels": Counter(Case.objects.values_list("risk_level", flat=True)),
        "consent": Counter(SharingConsent.objects.values_list("keep", "share", "source")),
        "documents": Counter(
            IdentityDocument.objects.values_list("kind", "issuing_country", "whereabouts")
        ),
        "files": Counter(DocumentFile.objects.values_list("media_type", flat=True)),
        "leads": Counter(Case.objects.values_list("lead__username", flat=True)),
    }


def _steps(checklist: list[dict[str, object]]) -> tuple[tuple[str, object, bool], ...]:
    """A checklist as codes, times and whether a skip has its note (not who did it)."""
    return tuple(
        (str(i["step"]), i.get("done_at") or i.get("skipped_at"), "note" in i) for i in checklist
    )


def sealed_in_copy(coordinator) -> dict[str, object]:
    """The canary case's copy (the newest case with a file), its sealed parts opened."""
    copy = Case.objects.filter(members__person__files__isnull=False).order_by("-opened_at").first()
    assert copy is not None
    key = vault_keys.data_key(copy.key_id, for_actor=coordinator.actor_id, case_id=str(copy.pk))
    person = copy.members.get().person
    document = IdentityDocument.objects.get(person=person)
    stored = DocumentFile.objects.get(person=person)
    legs = TravelLeg.objects.filter(case=copy)
    closed = Incident.objects.get(case=copy, closed_at__isnull=False)
    skipped = next(i["note"] for i in closed.checklist if "note" in i)
    return {
        "address": open_field(Placement.objects.get(case=copy).address, key=key),
        "itinerary": open_field(legs.get(cancelled_on__isnull=True).itinerary, key=key),
        "cancelled": open_field(legs.get(cancelled_on__isnull=False).itinerary, key=key),
        "safe_hours": open_field(ContactProtocol.objects.get(person=person).safe_hours, key=key),
        "skipped": access_reason_note_by_seq(actor=coordinator, seq=skipped, key=key),
        "outcome": access_reason_note_by_seq(actor=coordinator, seq=closed.outcome_event, key=key),
        "open_incident": Incident.objects.get(case=copy, closed_at__isnull=True).person == person,
        "notes": [open_field(n.body, key=key) for n in Note.objects.filter(case=copy)],
        "tasks": sorted(open_field(t.title, key=key) for t in Task.objects.filter(case=copy)),
        "number": open_field(document.number, key=key),
        "file": b"".join(open_file(stored.storage_name, key=key)),
        "file_title": open_field(stored.title, key=key),
        "file_document": stored.document_id == document.pk,
    }


def doubled(before: dict[str, object]) -> dict[str, object]:
    return {
        name: value * 2 if isinstance(value, int) else Counter({k: v * 2 for k, v in value.items()})
        for name, value in before.items()
    }


def test_an_export_read_back_gives_the_same_cases_and_every_part_of_them(installation, coordinator):
    """Every case comes back through the services: the counts double (the file is read
    into the same installation), the canary decrypts under the new case's own key, the
    file holds no plaintext, and both ends audit the same SHA-256; a second read creates
    nothing."""
    tmp_path = installation
    before = shape()
    assert before["cases"] == 4
    originals = list(Case.objects.all())
    path = write(tmp_path, granted_export(coordinator))
    data = path.read_bytes()
    assert CANARY.encode() not in data
    assert MOVED_FILE not in data
    assert "Ислам".encode() not in data
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    exported = AuditEntry.objects.get(event_type=EventType.CASES_EXPORTED)
    alerts = Counter(StaffAlert.objects.values_list("code", flat=True))
    out = read_back(path, coordinator)
    assert "Created 4 cases; 0 were imported before." in out
    after = shape()
    # Each moved case also gets the next action "check this case after the move".
    moved_tasks = Task.objects.filter(due_on=clock.today(), done_at__isnull=True).count()
    assert moved_tasks >= 4
    assert after == doubled(before)
    assert sealed_in_copy(coordinator) == {
        "address": f"ул. {CANARY}, 3",
        "itinerary": f"bus {CANARY}",
        "cancelled": f"car {CANARY}",
        "safe_hours": f"evenings {CANARY}",
        "skipped": f"skipped {CANARY}",
        "outcome": f"outcome {CANARY}",
        "open_incident": True,
        "notes": [f"note {CANARY}"],
        "tasks": sorted([f"call back {CANARY}", f"done {CANARY}", str(export.MOVED_NEXT_ACTION)]),
        "number": f"75{CANARY}",
        "file": MOVED_FILE + CANARY.encode(),
        "file_title": f"scan {CANARY}",
        "file_document": True,
    }
    # The open incident pages the coordinators here once; the closed one pages no one.
    coordinators = StaffAlert.objects.filter(code="incident_opened").values("staff").distinct()
    assert Counter(StaffAlert.objects.values_list("code", flat=True)) - alerts == Counter(
        {"incident_opened": coordinators.count()}
    )
    # The link joins the two copies, not a copy and an original.
    copy = Case.objects.filter(members__person__files__isnull=False).order_by("-opened_at")[0]
    assert [c.pk for c in linked_cases(copy)] != []
    assert not {c.pk for c in linked_cases(copy)} & {c.pk for c in originals}
    # The old installation's audit of each case, summarised in the new one's log.
    imported = AuditEntry.objects.filter(event_type=EventType.CASE_IMPORTED)
    moved = [json.loads(e.detail) for e in imported if "old_audit_sha256" in e.detail]
    assert len(moved) == 4
    for case in originals:  # each summary checks against the old log, up to its last entry
        assert any(
            audit_summary(case, up_to=m["old_audit_last_seq"])
            == {
                "entries": m["old_audit_entries"],
                "first_seq": m["old_audit_first_seq"],
                "last_seq": m["old_audit_last_seq"],
                "sha256": m["old_audit_sha256"],
            }
            for m in moved
        )
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
    assert shape() == after  # nothing twice, not even a link


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


def test_the_dry_run_says_what_each_case_would_bring_and_writes_nothing(one_case, coordinator):
    tmp_path = one_case
    path = write(tmp_path, granted_export(coordinator))
    before = shape()
    entries, rows = AuditEntry.objects.count(), ImportedRow.objects.count()
    out = read_back(
        path, coordinator, "--passphrase-file", str(tmp_path / "phrase.txt"), "--dry-run"
    )
    assert out.count(": would create a case with ") == 1
    assert (
        "1 people, 1 milestones, 0 expenses, 0 applications, 1 placements, 2 journeys,"
        " 1 notes, 2 tasks, 2 incidents, 1 protocols, 1 documents, 1 files" in out
    )
    assert "Dry run: nothing was written." in out
    assert CANARY not in out
    assert shape() == before
    assert ImportedRow.objects.count() == rows
    assert AuditEntry.objects.count() == entries
    # After the real read, the dry run says every case is there already.
    read_back(path, coordinator)
    again = read_back(
        path, coordinator, "--passphrase-file", str(tmp_path / "phrase.txt"), "--dry-run"
    )
    assert again.count(": imported before") == 1


def test_an_export_locked_to_a_recipient_key_opens_only_with_its_identity(one_case, coordinator):
    """Attack: read the export with the passphrase route, or another installation's key."""
    tmp_path = one_case
    identity, other = tmp_path / "receiver.key", tmp_path / "other.key"
    for key in (identity, other):
        call_command("export", "keypair", "--identity", str(key), stdout=io.StringIO())
    assert oct(identity.stat().st_mode & 0o777) == "0o600"
    path = write(
        tmp_path, granted_export(coordinator), "locked.corridor-export",
        "--recipient-key", str(tmp_path / "receiver.key.pub"),
    )  # fmt: skip
    assert CANARY.encode() not in path.read_bytes()
    before = shape()
    with pytest.raises(CommandError, match="locked to a recipient key: give --identity"):
        read_back(path, coordinator, "--passphrase-file", str(tmp_path / "phrase.txt"))
    with pytest.raises(CommandError, match="locked to another recipient key"):
        read_back(path, coordinator, "--identity", str(other))
    with pytest.raises(CommandError, match="is not an identity"):
        read_back(path, coordinator, "--identity", str(tmp_path / "receiver.key.pub"))
    assert shape() == before
    out = read_back(path, coordinator, "--identity", str(identity))
    assert "Created 1 cases; 0 were imported before." in out
    assert shape() == doubled(before)
