"""Moving every case to another installation: an encrypted, versioned export file.

    approval = request_export(actor=coordinator)          # a second coordinator grants it
    digest = write_export(requester=coordinator, approval_id=..., output=path, passphrase=...)
    cases = read_export(path, passphrase=...)             # every byte authenticated first
    result = import_export(actor=..., cases=cases, as_staff=coordinator, digest=...)

The file (format "corridor-cases-export-v1", docs/operators.md "Moving an installation"):

    b"CORRIDOR-EXPORT\\n" | header JSON line (format, export_id, created, salt, kdf cost)
    | vault secretstream (vault/streams.py) of JSON lines: one per case, then
      {"end": <number of cases>}

The stream key is Argon2id of the passphrase with the header's random salt (the cost
the codename derivation uses, vault/requester.py). The whole header is the stream's
associated data, so a changed header, a flipped byte, a dropped or reordered chunk or a
file cut short fails authentication (vault/streams.py raises, and the reader says so
in a sentence). Reading authenticates the whole stream before anything is written.

What defends the plaintext: it exists only in memory, one case at a time while writing;
the file on disk is ciphertext from its first byte (written beside the target under a
temporary name, renamed at the end, removed on failure). The export is gated by two
coordinators (accounts.approvals), and its SHA-256 is in the audit log of both the
installation that wrote it and the one that read it, which links the two audit chains.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, Staff
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case, CaseMember, ExpenseCategory, MilestoneKind, Relation
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import CorridorError, InvalidInput, KeyFailure
from corridor.intake.screening.facts import Facts
from corridor.pathways.access import access_application_references
from corridor.pathways.models import ApplicationStatus
from corridor.people.access import access_person_fields
from corridor.people.inputs import NameEntry, PersonInput
from corridor.transfer import services as import_services
from corridor.transfer.models import ImportedRow
from corridor.transfer.rows import ApplicationDraft, CaseDraft, ExpenseDraft, PersonDraft
from corridor.vault import keys as vault_keys
from corridor.vault.errors import DecryptionFailed, VaultError
from corridor.vault.manifest import file_digest
from corridor.vault.providers import key_provider
from corridor.vault.requester import DEFAULT_COST
from corridor.vault.streams import (
    decrypt_chunks,
    encrypt_stream,
    passphrase_stream_key,
    read_stream_header,
)

FORMAT = "corridor-cases-export-v1"
MAGIC = b"CORRIDOR-EXPORT\n"
HEADER_LIMIT = 4096
TARGET_ID = "installation"
# What the export carries of each person: who they are and how to reach them.
PERSON_FIELDS = ("names", "date_of_birth", "contacts", "narrative")
ROW_KEY_INDEX = "transfer_export_case"

NOT_AN_EXPORT = _("%(name)s is not a Corridor export file.")
OTHER_VERSION = _("%(name)s is an export in a format this version cannot read (%(format)s).")
DAMAGED = _(
    "%(name)s was altered, damaged or cut short, or the passphrase is wrong: nothing was imported."
)
MOVED_NEXT_ACTION = _("Check this case after the move to this installation")
SHORT_PASSPHRASE = _("The passphrase must be at least 12 characters.")

approvals.register_gated_action(
    ApprovalKind.EXPORT_CASES,
    approvals.GatedAction(
        requester_roles=frozenset({Role.COORDINATOR}),
        approver_roles=frozenset({Role.COORDINATOR}),
        # Every case leaves in one file: never on one person's word.
        emergency_allowed=False,
    ),
)


class ExportRefused(CorridorError):
    """An export file that cannot be read: the message says why; nothing was written."""


def request_export(*, actor: Staff) -> Approval:
    """Ask a second coordinator to agree to exporting every case."""
    return approvals.request_approval(
        actor=actor,
        kind=ApprovalKind.EXPORT_CASES,
        target_type=ObjectType.EXPORT,
        target_id=TARGET_ID,
        reason="export_cases",
    )


def write_export(*, requester: Staff, approval_id: str, output: Path, passphrase: str) -> str:
    """Write every case to `output`, encrypted under `passphrase`; return its SHA-256.

    Who can decrypt: whoever holds the passphrase. The approval is used up and the
    export recorded with its hash in the transaction that reads the cases; a failure
    leaves no file and uses nothing up."""
    key, header = _new_header(passphrase)
    fd, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    try:
        with transaction.atomic():
            approvals.authorise(
                actor=requester,
                kind=ApprovalKind.EXPORT_CASES,
                target_type=ObjectType.EXPORT,
                target_id=TARGET_ID,
                approval_id=approval_id,
            )
            with os.fdopen(fd, "wb") as handle:
                count = _write_file(handle, requester, key=key, header=header)
                handle.flush()
                os.fsync(handle.fileno())
            digest = file_digest(Path(temporary))
            record_event(
                actor=requester,
                event=EventType.CASES_EXPORTED,
                object_type=ObjectType.EXPORT,
                object_id=str(header["export_id"]),
                detail={"cases": count, "sha256": digest, "approval": approval_id},
            )
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return digest


@dataclass(frozen=True)
class ExportContents:
    export_id: str
    cases: list[dict[str, Any]]
    sha256: str


def read_export(path: Path, *, passphrase: str) -> ExportContents:
    """Every case in the export, after the whole stream has authenticated; ExportRefused
    with a sentence for anything else (nothing is written by reading)."""
    name = path.name
    try:
        with path.open("rb") as handle:
            header, raw_header = _read_header(handle, name)
            key = _derive(passphrase, bytes.fromhex(str(header["salt"])), header["cost"])
            export_id = uuid.UUID(str(header["export_id"]))
            stream_header = read_stream_header(handle, dek_id=export_id)
            plain = b"".join(
                decrypt_chunks(handle, stream_header, key=key, associated_data=raw_header)
            )
    except OSError as problem:
        raise ExportRefused(f"Cannot read {name}: {problem.strerror}.") from None
    except (DecryptionFailed, VaultError, ValueError, KeyError, TypeError):
        # DecryptionFailed here is the file's, not a key's: no key failure to report.
        raise ExportRefused(str(DAMAGED % {"name": name})) from None
    lines = [json.loads(line) for line in plain.decode("utf-8").splitlines()]
    *cases, end = lines
    if end != {"end": len(cases)}:  # authenticated, so only a writer's bug gets here
        raise ExportRefused(str(DAMAGED % {"name": name}))
    return ExportContents(export_id=str(export_id), cases=cases, sha256=file_digest(path))


@dataclass
class ExportImportResult:
    created: list[str]
    skipped: int
    refused: list[str]


def import_export(
    *, actor: Actor, contents: ExportContents, as_staff: Staff | None
) -> ExportImportResult:
    """Write every case of an export through the services the spreadsheet import uses,
    each case in its own transaction; a case imported before (same export, same
    reference) is skipped, so running it again creates nothing."""
    result = ExportImportResult(created=[], skipped=0, refused=[])
    batch = uuid.UUID(contents.export_id)
    record_event(
        actor=actor,
        event=EventType.EXPORT_READ,
        object_type=ObjectType.EXPORT,
        object_id=contents.export_id,
        detail={"cases": len(contents.cases), "sha256": contents.sha256},
    )
    for number, record in enumerate(contents.cases, start=1):
        row_key = key_provider().index(
            ROW_KEY_INDEX, f"{contents.export_id}|{record['ref']}".encode(), bits=63
        )
        if ImportedRow.objects.filter(row_key=row_key).exists():
            result.skipped += 1
            continue
        draft = _draft(number, record)
        try:
            with transaction.atomic():
                case = import_services.write_case(actor, draft, as_staff=as_staff)
                import_services.remember(actor, case, draft, row_key=row_key, batch=batch)
        except KeyFailure:
            raise
        except (CorridorError, IntegrityError) as problem:
            result.refused.append(f"{record['ref']}: {problem}")
            continue
        result.created.append(case.ref)
    return result


def _write_file(handle: IO[bytes], actor: Staff, *, key: bytes, header: dict[str, Any]) -> int:
    raw_header = _header_bytes(header)
    handle.write(MAGIC + raw_header)
    count = 0

    def lines() -> Iterator[bytes]:
        nonlocal count
        for case in Case.objects.filter(erased_at__isnull=True).order_by("opened_at", "ref"):
            yield _line(_case_record(actor, case))
            count += 1
        yield _line({"end": count})

    encrypt_stream(
        lines(),
        handle,
        dek_id=uuid.UUID(str(header["export_id"])),
        key=key,
        associated_data=raw_header,
    )
    return count


def _case_record(actor: Staff, case: Case) -> dict[str, Any]:
    """One case as plain values (in memory only)."""
    data_key = vault_keys.data_key(
        case.key_id or "", for_actor=actor.actor_id, case_id=str(case.pk)
    )
    members = (
        CaseMember.objects.filter(case=case, left_at__isnull=True)
        .select_related("person")
        .order_by("joined_at", "pk")
    )
    people = []
    for member in members:
        opened = access_person_fields(
            actor=actor, person=member.person, key=data_key, fields=PERSON_FIELDS, case_ref=case.ref
        )
        people.append({"relation": member.relation, **opened})
    milestones: dict[str, str] = {}
    for milestone in case.milestones.order_by("reached_on"):
        milestones.setdefault(milestone.kind, milestone.reached_on.isoformat())
    applications = list(case.applications.order_by("pk"))
    references = access_application_references(actor, case, applications, key=data_key)
    return {
        "ref": case.ref,
        "region": case.region,
        "opened_on": case.opened_at.date().isoformat(),
        "people": people,
        "milestones": milestones,
        "expenses": [
            {
                "category": expense.category,
                "amount_minor": expense.amount_minor,
                "currency": expense.currency,
                "spent_on": expense.spent_on.isoformat(),
                "funding_source": expense.funding_source.code if expense.funding_source else "",
            }
            for expense in case.expenses.select_related("funding_source").order_by("spent_on")
        ],
        "applications": [
            {
                "route_id": application.route_id,
                "authority": application.authority,
                "started_on": (application.submitted_on or case.opened_at.date()).isoformat(),
                "reference_number": references.get(str(application.pk), ""),
                "status": application.status,
                "decided_on": application.decided_on.isoformat() if application.decided_on else "",
            }
            for application in applications
        ],
    }


def _draft(number: int, record: dict[str, Any]) -> CaseDraft:
    """The export's case as the spreadsheet import's draft, written by the same code."""
    people = []
    for person in record["people"]:
        names = [NameEntry(**entry) for entry in person.get("names") or []]
        born = person.get("date_of_birth")
        data = PersonInput(
            names=names,
            date_of_birth=date.fromisoformat(born) if born else None,
            contacts=person.get("contacts"),
            narrative=person.get("narrative"),
        )
        people.append(PersonDraft(relation=Relation(person["relation"]), data=data, facts=Facts()))
    return CaseDraft(
        row=number,
        reference=record["ref"],
        region=record["region"],
        opened_on=date.fromisoformat(record["opened_on"]),
        next_action=str(MOVED_NEXT_ACTION),
        people=people,
        milestones=[
            (MilestoneKind(kind), date.fromisoformat(day))
            for kind, day in record["milestones"].items()
        ],
        expenses=[
            ExpenseDraft(
                category=ExpenseCategory(item["category"]),
                amount_minor=int(item["amount_minor"]),
                currency=item["currency"],
                spent_on=date.fromisoformat(item["spent_on"]),
                funding_source=item["funding_source"],
            )
            for item in record["expenses"]
        ],
        applications=[
            ApplicationDraft(
                route_id=item["route_id"],
                authority=item["authority"],
                started_on=date.fromisoformat(item["started_on"]),
                reference_number=item["reference_number"],
                outcome=ApplicationStatus(item["status"]),
                decided_on=date.fromisoformat(item["decided_on"]) if item["decided_on"] else None,
            )
            for item in record["applications"]
        ],
    )


def _new_header(passphrase: str) -> tuple[bytes, dict[str, Any]]:
    if len(passphrase) < 12:
        raise InvalidInput(str(SHORT_PASSPHRASE))
    salt = secrets.token_bytes(16)
    cost = dict(DEFAULT_COST)
    header = {
        "format": FORMAT,
        "export_id": str(uuid.uuid4()),
        "created": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "salt": salt.hex(),
        "cost": cost,
    }
    return _derive(passphrase, salt, cost), header


def _derive(passphrase: str, salt: bytes, cost: Any) -> bytes:
    return passphrase_stream_key(passphrase, salt=salt, cost=cost)


def _header_bytes(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii") + b"\n"


def _read_header(handle: IO[bytes], name: str) -> tuple[dict[str, Any], bytes]:
    if handle.read(len(MAGIC)) != MAGIC:
        raise ExportRefused(str(NOT_AN_EXPORT % {"name": name}))
    raw = io.BytesIO(handle.read(HEADER_LIMIT)).readline()
    try:
        header = json.loads(raw)
    except ValueError:
        raise ExportRefused(str(DAMAGED % {"name": name})) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        shown = header.get("format", "?") if isinstance(header, dict) else "?"
        raise ExportRefused(str(OTHER_VERSION % {"name": name, "format": shown}))
    # Back to just after the header line: the stream starts there.
    handle.seek(len(MAGIC) + len(raw))
    if _header_bytes(header) != raw:
        raise ExportRefused(str(DAMAGED % {"name": name}))
    cost = header.get("cost")
    if not isinstance(cost, dict) or int(cost.get("memory_cost", 0)) > 1024 * 1024:
        raise ExportRefused(str(DAMAGED % {"name": name}))
    return header, raw


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
