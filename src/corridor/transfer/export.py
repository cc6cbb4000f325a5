"""Moving every case to another installation: an encrypted, versioned export file.

    approval = request_export(actor=coordinator)          # a second coordinator grants it
    digest = write_export(requester=coordinator, approval_id=..., output=path, passphrase=...)
    cases = read_export(path, passphrase=...)             # every byte authenticated first
    result = import_export(actor=..., cases=cases, as_staff=coordinator, digest=...)

The file (format "corridor-cases-export-v2", docs/operators.md "Moving an installation"):

    b"CORRIDOR-EXPORT\\n" | header JSON line (format, export_id, created, lock)
    | vault secretstream (vault/streams.py) of JSON lines: one per case, then
      {"end": <number of cases>}

The lock says how the stream key is reached: {"kind": "passphrase", "salt", "cost"} is
Argon2id of the passphrase with a random salt, at a cost the reader bounds (COST_LIMITS)
before it runs anything; {"kind": "recipient", "recipient", "sealed_key"} is a random
stream key in a libsodium sealed box to the receiving installation's X25519 public key
(`corridor export keypair`). The whole header is the stream's associated data, so a
changed header (a cost, a salt, a sealed key), a flipped byte, a dropped or reordered
chunk or a file cut short fails authentication (vault/streams.py raises, and the
reader says so in a sentence). Reading authenticates the whole stream before anything
is written. Version 1 files (a passphrase, salt and cost at the header's top level)
are still read.

What defends the plaintext: it exists only in memory, one case at a time while writing;
the file on disk is ciphertext from its first byte (written beside the target under a
temporary name, renamed at the end, removed on failure). The export is gated by two
coordinators (accounts.approvals), and its SHA-256 is in the audit log of both the
installation that wrote it and the one that read it, which links the two audit chains.
"""

from __future__ import annotations

import base64
import io
import json
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.access import case_key
from corridor.cases.models import (
    Case,
    CaseMember,
    ConsentSource,
    ExpenseCategory,
    Flag,
    IncidentKind,
    LegKind,
    LinkKind,
    MilestoneKind,
    Phase,
    Relation,
    TravelMode,
)
from corridor.cases.risk import RiskAnswers
from corridor.cases.services import progress, safety, work
from corridor.cases.services.assignment import assign_case
from corridor.cases.services.consent import record_consent
from corridor.cases.services.opening import link_cases, linked_cases
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import CorridorError, InvalidInput, KeyFailure
from corridor.intake.screening.facts import Facts
from corridor.pathways.access import access_application_references
from corridor.pathways.models import ApplicationStatus
from corridor.people import register
from corridor.people import services as people_services
from corridor.people.access import access_person_fields
from corridor.people.document_files import attach_file
from corridor.people.inputs import DocumentInput, NameEntry, PersonInput
from corridor.people.models import Channel, DocumentKind, DocumentWhereabouts, Person
from corridor.transfer import services as import_services
from corridor.transfer.access import access_case_for_export
from corridor.transfer.models import ImportedRow
from corridor.transfer.rows import (
    ApplicationDraft,
    CaseDraft,
    ExpenseDraft,
    JourneyDraft,
    PersonDraft,
    PlacementDraft,
)
from corridor.vault import keys as vault_keys
from corridor.vault import recipients
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

FORMAT = "corridor-cases-export-v2"
FORMAT_V1 = "corridor-cases-export-v1"
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
MOVED_CONSENT = "moved from another installation"
# What a file of an earlier version did not carry: read as empty. Version 2 files written
# before protocols, incidents, links, flags and cancelled journeys were carried lack those
# keys.
_EMPTY_V2: dict[str, Any] = {
    "caseworker": "",
    "placements": [],
    "journeys": [],
    "notes": [],
    "tasks": [],
    "risk": None,
    "consent": None,
    "history": None,
    "incidents": [],
    "links": [],
    "flags": [],
}
SHORT_PASSPHRASE = _("The passphrase must be at least 12 characters.")
COST_OUT_OF_BOUNDS = _(
    "%(name)s asks for a passphrase cost outside what this installation accepts"
    " (%(limits)s): nothing was read."
)
NEEDS_IDENTITY = _("%(name)s is locked to a recipient key: give --identity FILE.")
NEEDS_PASSPHRASE = _("%(name)s is locked with a passphrase, not a recipient key.")
NOT_FOR_THIS_KEY = _(
    "%(name)s is locked to another recipient key than this identity: nothing was imported."
)

# Argon2id cost a file may ask for (memory in KiB). Read before any derivation runs, so
# a made-up header can neither make the reader spend gigabytes and minutes nor lower
# the cost below what the writer uses (vault/requester.DEFAULT_COST).
COST_LIMITS = {
    "time_cost": (2, 8),
    "memory_cost": (19 * 1024, 256 * 1024),
    "parallelism": (1, 4),
}

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


@dataclass(frozen=True)
class Lock:
    """How an export is locked (writing) or unlocked (reading): a passphrase, or an X25519
    key pair (the recipient's public key to write, its private key to read)."""

    passphrase: str | None = None
    recipient: recipients.Recipient | None = None
    identity: recipients.Identity | None = None


def request_export(*, actor: Staff) -> Approval:
    """Ask a second coordinator to agree to exporting every case."""
    return approvals.request_approval(
        actor=actor,
        kind=ApprovalKind.EXPORT_CASES,
        target_type=ObjectType.EXPORT,
        target_id=TARGET_ID,
        reason="export_cases",
    )


def write_export(*, requester: Staff, approval_id: str, output: Path, lock: Lock) -> str:
    """Write every case to `output`, encrypted under `lock`; return its SHA-256.

    Who can decrypt: whoever holds the passphrase, or the private key of the recipient
    key. The approval is used up and the export recorded with its hash in the
    transaction that reads the cases; a failure leaves no file and uses nothing up."""
    key, header = _new_header(lock)
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
                detail={
                    "cases": count,
                    "sha256": digest,
                    "approval": approval_id,
                    "lock": str(header["lock"]["kind"]),
                },
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


def read_header(path: Path) -> dict[str, Any]:
    """The export's header (checked, cost bounded), to know how it is locked."""
    try:
        with path.open("rb") as handle:
            return _read_header(handle, path.name)[0]
    except OSError as problem:
        raise ExportRefused(f"Cannot read {path.name}: {problem.strerror}.") from None


def read_export(path: Path, *, lock: Lock) -> ExportContents:
    """Every case in the export, after the whole stream has authenticated; ExportRefused
    with a sentence for anything else (nothing is written by reading)."""
    name = path.name
    try:
        with path.open("rb") as handle:
            header, raw_header = _read_header(handle, name)
            key = _unlock(header["lock"], lock, name)
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
    cases = [{**_EMPTY_V2, **case} for case in cases]
    if end != {"end": len(cases)}:  # authenticated, so only a writer's bug gets here
        raise ExportRefused(str(DAMAGED % {"name": name}))
    return ExportContents(export_id=str(export_id), cases=cases, sha256=file_digest(path))


@dataclass
class ExportImportResult:
    created: list[str]
    skipped: int
    refused: list[str]


def import_export(*, actor: Actor, contents: ExportContents, as_staff: Staff) -> ExportImportResult:
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
        row_key = _row_key(contents.export_id, record["ref"])
        if ImportedRow.objects.filter(row_key=row_key).exists():
            result.skipped += 1
            continue
        draft = _draft(number, record)
        try:
            with transaction.atomic():
                case = import_services.write_case(actor, draft, as_staff=as_staff)
                _write_rest(as_staff, case, record)
                _hand_over(actor, case, str(record.get("caseworker") or ""), as_staff=as_staff)
                import_services.remember(
                    actor,
                    case,
                    draft,
                    row_key=row_key,
                    batch=batch,
                    history=_history(record["history"]),
                )
        except KeyFailure:
            raise
        except (CorridorError, IntegrityError) as problem:
            result.refused.append(f"{record['ref']}: {problem}")
            continue
        result.created.append(case.ref)
    _link(actor, contents)
    return result


def plan_export(contents: ExportContents) -> list[str]:
    """What reading the export would create, one line a case (a dry run: nothing written,
    nothing opened beyond the file)."""
    lines = []
    for record in contents.cases:
        row_key = _row_key(contents.export_id, record["ref"])
        if ImportedRow.objects.filter(row_key=row_key).exists():
            lines.append(f"{record['ref']}: imported before")
            continue
        parts = {
            "people": len(record["people"]),
            "milestones": len(record["milestones"]),
            "expenses": len(record["expenses"]),
            "applications": len(record["applications"]),
            "placements": len(record["placements"]),
            "journeys": len(record["journeys"]),
            "notes": len(record["notes"]),
            "tasks": len(record["tasks"]),
            "incidents": len(record["incidents"]),
            "protocols": sum(1 for p in record["people"] if p.get("protocol")),
            "documents": sum(len(p.get("documents", [])) for p in record["people"]),
            "files": sum(len(p.get("files", [])) for p in record["people"]),
        }
        shown = ", ".join(f"{count} {name}" for name, count in parts.items())
        lines.append(f"{record['ref']}: would create a case with {shown}")
    return lines


def _history(summary: dict[str, Any] | None) -> dict[str, str | int]:
    """The old installation's audit summary of the case, for the new one's audit log."""
    if not summary:
        return {}
    return {
        "old_audit_entries": int(summary["entries"]),
        "old_audit_first_seq": int(summary["first_seq"]),
        "old_audit_last_seq": int(summary["last_seq"]),
        "old_audit_sha256": str(summary["sha256"]),
    }


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
    more = access_case_for_export(actor, case, data_key)
    people = []
    for member, papers in zip(members, more.pop("members"), strict=True):
        opened = access_person_fields(
            actor=actor, person=member.person, key=data_key, fields=PERSON_FIELDS, case_ref=case.ref
        )
        people.append({"relation": member.relation, **opened, **papers})
    milestones: dict[str, str] = {}
    for milestone in case.milestones.order_by("reached_on"):
        milestones.setdefault(milestone.kind, milestone.reached_on.isoformat())
    applications = list(case.applications.order_by("pk"))
    references = access_application_references(actor, case, applications, key=data_key)
    return {
        "ref": case.ref,
        "caseworker": case.lead.username if case.lead is not None else "",
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
        **more,
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
    risk = record["risk"]
    return CaseDraft(
        row=number,
        reference=record["ref"],
        risk=RiskAnswers(**{k: bool(v) for k, v in risk.items()}) if risk else None,
        notes=list(record["notes"]),
        placements=[
            PlacementDraft(
                shelter_ref=item["shelter_ref"],
                address=item["address"],
                starts_on=date.fromisoformat(item["starts_on"]),
                ends_on=_date_or_none(item["ends_on"]),
            )
            for item in record["placements"]
        ],
        journeys=[
            JourneyDraft(
                kind=LegKind(item["kind"]),
                from_place=item["from_place"],
                to_place=item["to_place"],
                mode=TravelMode(item["mode"]),
                travel_on=date.fromisoformat(item["travel_on"]),
                itinerary=item["itinerary"],
                completed=bool(item["completed"]),
                cancelled_on=_date_or_none(item.get("cancelled_on") or ""),
            )
            for item in record["journeys"]
        ],
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


def _hand_over(actor: Actor, case: Case, username: str, *, as_staff: Staff) -> None:
    """The case's lead on the old installation leads it here when an active caseworker or
    coordinator has that username; otherwise the importer keeps it."""
    if not username or username == as_staff.username:
        return
    staff = Staff.objects.filter(username=username, is_active=True).first()
    if staff is not None and roles_of(staff) & {Role.CASEWORKER, Role.COORDINATOR}:
        assign_case(actor=actor, case=case, staff=staff)


def _date_or_none(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _write_rest(actor: Staff, case: Case, record: dict[str, Any]) -> None:
    """What the spreadsheet import has no column for: each person's register entries,
    files and contact protocol with its check-in schedule (sealed again under the new
    case's key), the tasks, the consent in force, the incidents."""
    key = case_key(actor, case)
    members = (
        CaseMember.objects.filter(case=case, left_at__isnull=True)
        .select_related("person")
        .order_by("joined_at", "pk")
    )
    for member, person in zip(members, record["people"], strict=True):
        registered = [
            register.add_document(
                actor=actor,
                person=member.person,
                key=key,
                case_ref=case.ref,
                data=DocumentInput(
                    kind=DocumentKind(item["kind"]),
                    issuing_country=item["issuing_country"],
                    number=item["number"],
                    issued_on=_date_or_none(item["issued_on"]),
                    expires_on=_date_or_none(item["expires_on"]),
                    whereabouts=DocumentWhereabouts(item["whereabouts"]),
                ),
            )
            for item in person.get("documents", [])
        ]
        for item in person.get("files", []):
            position = item["document"]
            attach_file(
                actor=actor,
                person=member.person,
                key=key,
                data=base64.b64decode(item["data"]),
                title=item["title"],
                document=registered[position] if position is not None else None,
                case_ref=case.ref,
            )
        if person.get("protocol"):
            _protocol(actor, case, member.person, person["protocol"])
    done = []
    for item in record["tasks"]:
        task = work.add_task(
            actor=actor,
            case=case,
            title=item["title"],
            due_on=date.fromisoformat(item["due_on"]),
            key=key,
        )
        if item["done"]:
            done.append(task)
    for task in done:
        work.complete_task(actor=actor, task=task)
    consent = record["consent"]
    if consent is not None:
        source = ConsentSource(consent["source"])
        record_consent(
            actor=actor,
            case=case,
            keep=bool(consent["keep"]),
            share=consent["share"],
            source=source,
            reason_text=str(MOVED_CONSENT) if source == ConsentSource.STAFF else "",
        )
    people = [member.person for member in members]
    for item in record["incidents"]:
        position = item["person"]
        safety.carry_incident(
            actor=actor,
            case=case,
            kind=IncidentKind(item["kind"]),
            person=people[position] if position is not None else None,
            opened_at=datetime.fromisoformat(item["opened_at"]),
            steps=[safety.CarriedStep(**step) for step in item["checklist"]],
            closed_at=_moment_or_none(item["closed_at"]),
            outcome=str(item["outcome"]),
        )
    if case.phase != Phase.CLOSED:  # a closed case holds no flag in force
        for item in record["flags"]:
            if not case.flags.filter(flag=item["flag"], cleared_at__isnull=True).exists():
                progress.raise_flag(
                    actor=actor, case=case, flag=Flag(item["flag"]), reason=item["reason"]
                )


def _protocol(actor: Staff, case: Case, person: Person, item: dict[str, Any]) -> None:
    """The person's contact protocol, its words sealed again under this case's key, and
    its schedule as it stood: the next check-in falls due when it would have."""
    protocol = safety.set_protocol(
        actor=actor,
        case=case,
        person=person,
        channel=Channel(item["channel"]),
        every_hours=int(item["every_hours"]),
        safe_hours=item["safe_hours"],
        if_someone_else_answers=item["if_someone_else_answers"],
        check_in_word=item["check_in_word"],
        duress_word=item["duress_word"],
        portal_counts_as_check_in=bool(item["portal_counts_as_check_in"]),
    )
    people_services.carry_check_in_schedule(
        actor=actor,
        protocol=protocol,
        last_check_in_at=datetime.fromisoformat(item["last_check_in_at"]),
        check_in_due_at=_moment_or_none(item["check_in_due_at"]),
        overdue_raised_at=_moment_or_none(item["overdue_raised_at"]),
        case_ref=case.ref,
    )


def _link(actor: Actor, contents: ExportContents) -> None:
    """Link again the cases the old installation linked, once every case of the file is
    here: a link to a case the file does not hold is left out, one made before is kept."""
    rows = {_row_key(contents.export_id, record["ref"]): record["ref"] for record in contents.cases}
    moved = {
        rows[row.row_key]: row.case
        for row in ImportedRow.objects.filter(row_key__in=list(rows)).select_related("case")
        if row.case is not None
    }
    for record in contents.cases:
        case = moved.get(record["ref"])
        for item in record["links"]:
            other = moved.get(item["other"])
            if case is None or other is None or record["ref"] > item["other"]:
                continue  # each link is listed by both cases: written from the first
            if other in linked_cases(case, frozenset({item["kind"]})):
                continue
            link_cases(actor=actor, case=case, other=other, kind=LinkKind(item["kind"]))


def _row_key(export_id: str, ref: str) -> int:
    """The case's mark as imported from this export (by its reference there)."""
    return key_provider().index(ROW_KEY_INDEX, f"{export_id}|{ref}".encode(), bits=63)


def _moment_or_none(value: str) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _new_header(lock: Lock) -> tuple[bytes, dict[str, Any]]:
    header: dict[str, Any] = {
        "format": FORMAT,
        "export_id": str(uuid.uuid4()),
        "created": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if lock.recipient is not None:
        key = recipients.new_stream_key()
        header["lock"] = {
            "kind": "recipient",
            "recipient": lock.recipient.fingerprint,
            "sealed_key": recipients.seal_stream_key(lock.recipient, key).hex(),
        }
        return key, header
    passphrase = lock.passphrase or ""
    if len(passphrase) < 12:
        raise InvalidInput(str(SHORT_PASSPHRASE))
    salt = secrets.token_bytes(16)
    cost = dict(DEFAULT_COST)
    header["lock"] = {"kind": "passphrase", "salt": salt.hex(), "cost": cost}
    return passphrase_stream_key(passphrase, salt=salt, cost=cost), header


def _unlock(found: dict[str, Any], lock: Lock, name: str) -> bytes:
    """The stream key: from the passphrase at the header's (bounded) cost, or opened from
    the sealed box with the identity. Wrong secrets surface as the stream failing."""
    if found["kind"] == "recipient":
        if lock.identity is None:
            raise ExportRefused(str(NEEDS_IDENTITY % {"name": name}))
        if found["recipient"] != lock.identity.recipient.fingerprint:
            raise ExportRefused(str(NOT_FOR_THIS_KEY % {"name": name}))
        return recipients.open_stream_key(lock.identity, bytes.fromhex(str(found["sealed_key"])))
    if lock.passphrase is None:
        raise ExportRefused(str(NEEDS_PASSPHRASE % {"name": name}))
    return passphrase_stream_key(
        lock.passphrase, salt=bytes.fromhex(str(found["salt"])), cost=found["cost"]
    )


def cost_limits_text() -> str:
    return ", ".join(f"{name} {low}–{high}" for name, (low, high) in COST_LIMITS.items())


def _check_cost(cost: Any, name: str) -> None:
    """Refuse a cost outside COST_LIMITS before Argon2 runs (the header is authenticated
    only once the stream is decrypted, which needs the derived key)."""
    refused = ExportRefused(str(COST_OUT_OF_BOUNDS % {"name": name, "limits": cost_limits_text()}))
    if not isinstance(cost, dict) or set(cost) != set(COST_LIMITS):
        raise refused
    for field_name, (low, high) in COST_LIMITS.items():
        value = cost[field_name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise refused


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
    if not isinstance(header, dict) or header.get("format") not in (FORMAT, FORMAT_V1):
        shown = header.get("format", "?") if isinstance(header, dict) else "?"
        raise ExportRefused(str(OTHER_VERSION % {"name": name, "format": shown}))
    # Back to just after the header line: the stream starts there.
    handle.seek(len(MAGIC) + len(raw))
    if _header_bytes(header) != raw:
        raise ExportRefused(str(DAMAGED % {"name": name}))
    if header["format"] == FORMAT_V1:  # a passphrase, salt and cost at the top level
        header["lock"] = {
            "kind": "passphrase",
            "salt": header.get("salt"),
            "cost": header.get("cost"),
        }
    lock = header.get("lock")
    if not isinstance(lock, dict) or lock.get("kind") not in ("passphrase", "recipient"):
        raise ExportRefused(str(DAMAGED % {"name": name}))
    if lock["kind"] == "passphrase":
        _check_cost(lock.get("cost"), name)
    return header, raw


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
