"""Protected reads for imports: the held upload and the stored facts a row is compared
with. Each opens a sealed value and records the read in the same transaction; only
`access` modules may import `vault.opening` (an import contract enforces it).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import date
from typing import Any

from django.db import transaction

from corridor.accounts.models import Staff
from corridor.audit.access import ReasonNoteNotFound, access_reason_note_by_seq
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import (
    Case,
    CaseFlag,
    CaseLink,
    CaseMember,
    Incident,
    Note,
    Placement,
    RiskAssessment,
    Task,
    TravelLeg,
)
from corridor.cases.services.consent import current_consent
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, KeyFailure
from corridor.intake.models import Request
from corridor.intake.screening.facts import Facts
from corridor.people.access import (
    PROTOCOL_FIELDS,
    access_file,
    access_person_documents,
    access_protocol_fields,
)
from corridor.people.models import ContactProtocol, DocumentFile
from corridor.transfer.models import HeldUpload, ImportedRow
from corridor.transfer.uploads import GONE, Upload
from corridor.vault import keys as vault_keys
from corridor.vault.datakey import DataKey
from corridor.vault.errors import KeyDestroyed, KeyNotFound, VaultError
from corridor.vault.fields import JSONValue, Sealed
from corridor.vault.opening import open_field


def access_upload_by_id(staff: Staff, held_id: str) -> tuple[HeldUpload, Upload]:
    """The person's own held upload, opened (the read recorded); InvalidInput if gone or
    someone else's."""
    try:
        wanted = uuid.UUID(str(held_id))
    except ValueError:
        raise InvalidInput(str(GONE)) from None
    held = HeldUpload.objects.filter(pk=wanted, staff=staff).first()
    if held is None or held.key_id is None or held.content is None:
        raise InvalidInput(str(GONE))
    key = vault_keys.data_key(held.key_id, for_actor=staff.actor_id, case_id=None)
    with transaction.atomic():
        opened = open_field(held.content, key=key)
        record_event(
            actor=staff,
            event=EventType.UPLOAD_OPENED,
            object_type=ObjectType.IMPORT_UPLOAD,
            object_id=str(held.pk),
        )
    if not isinstance(opened, dict):
        raise InvalidInput(str(GONE))
    upload = Upload(
        filename=str(opened.get("filename", "")),
        data=base64.b64decode(str(opened.get("data", ""))),
        mapping=str(opened.get("mapping", "")),
    )
    return held, upload


def access_request_facts_for_import(actor: Actor, request: Request) -> Facts | None:
    """An earlier request's facts, to compare with an imported row: empty when erased,
    None when this actor may not open them (the row is then refused as a maybe-duplicate)."""
    return _facts(
        actor,
        request.key_id,
        request.facts,
        owner=str(request.pk),
        object_type=ObjectType.REQUEST,
        object_id=str(request.pk),
        # A person's request read because a sheet's row named them: counted toward the
        # insider alert like a request opened on its page (unlike a screening service's).
        event=EventType.REQUEST_READ,
        detail={"purpose": "comparison"},
    )


def access_imported_facts(actor: Actor, row: ImportedRow, case: Case) -> Facts | None:
    """An imported case's facts, to compare with a new row; as above."""
    return _facts(
        actor,
        row.key_id,
        row.facts,
        owner=str(case.pk),
        object_type=ObjectType.CASE,
        object_id=str(case.pk),
        event=EventType.CASE_VIEWED,
        detail={"page": "import", "opened": 0},
        case_ref=case.ref,
    )


def _facts(
    actor: Actor,
    key_id: uuid.UUID | None,
    sealed: Sealed[JSONValue] | None,
    *,
    owner: str,
    object_type: ObjectType,
    object_id: str,
    event: EventType,
    detail: dict[str, str | int],
    case_ref: str = "",
) -> Facts | None:
    if key_id is None or sealed is None:
        return Facts()
    try:
        key = vault_keys.data_key(key_id, for_actor=actor.actor_id, case_id=owner)
        with transaction.atomic():
            facts = Facts.from_json(open_field(sealed, key=key))
            record_event(
                actor=actor,
                event=event,
                object_type=object_type,
                object_id=object_id,
                case_id=case_ref,
                detail=detail,
            )
    except (KeyDestroyed, KeyNotFound):
        return Facts()  # erased meanwhile: nothing left to compare
    except (VaultError, KeyFailure):
        return None
    return facts


def access_case_for_export(actor: Staff, case: Case, key: DataKey) -> dict[str, Any]:
    """What a move carries of a case beyond its people's fields, opened in memory: the
    placements' addresses, the journeys' itineraries, the notes, the tasks, the latest
    risk answers, the sharing consent in force, each person's register entries, files
    and contact protocol (with its check-in schedule), the incidents with their
    checklists and sealed notes, the links to other cases. One audited read names the
    case (each file read is audited with its SHA-256 by access_file, each register read
    by access_person_documents, each protocol by access_protocol_fields, each incident
    note by access_reason_note_by_seq)."""
    members = (
        CaseMember.objects.filter(case=case, left_at__isnull=True)
        .select_related("person")
        .order_by("joined_at", "pk")
    )
    people: list[dict[str, Any]] = []
    for member in members:
        documents = access_person_documents(
            actor=actor, person=member.person, key=key, case_ref=case.ref
        )
        position = {str(row["document"].pk): number for number, row in enumerate(documents)}
        files = []
        for row in DocumentFile.objects.filter(person=member.person).order_by("created_at", "pk"):
            opened = access_file(actor=actor, file=row, key=key, case_ref=case.ref)
            files.append(
                {
                    "title": opened.title,
                    "document": position.get(str(row.document_id)),
                    "data": base64.b64encode(b"".join(opened.chunks)).decode("ascii"),
                }
            )
        people.append(
            {
                "documents": [
                    {
                        "kind": row["document"].kind,
                        "issuing_country": row["document"].issuing_country,
                        "number": str(row["number"] or ""),
                        "issued_on": str(row["issued_on"] or ""),
                        "expires_on": _day(row["document"].expires_on),
                        "whereabouts": row["document"].whereabouts,
                    }
                    for row in documents
                ],
                "files": files,
                "protocol": _protocol(actor, case, member.person_id, key),
            }
        )
    place = {str(member.person_id): number for number, member in enumerate(members)}
    latest = RiskAssessment.objects.filter(case=case).order_by("-created_at").first()
    consent = current_consent(case)
    record: dict[str, Any] = {
        "members": people,
        "placements": [
            {
                "shelter_ref": row.shelter_ref,
                "address": str(open_field(row.address, key=key)) if row.address else "",
                "starts_on": row.starts_on.isoformat(),
                "ends_on": _day(row.ends_on),
            }
            for row in Placement.objects.filter(case=case).order_by("starts_on", "pk")
        ],
        "journeys": [
            {
                "kind": row.kind,
                "from_place": row.from_place,
                "to_place": row.to_place,
                "mode": row.mode,
                "travel_on": row.travel_on.isoformat(),
                "itinerary": str(open_field(row.itinerary, key=key)) if row.itinerary else "",
                "completed": row.completed_on is not None,
                "cancelled_on": _day(row.cancelled_on),
            }
            for row in TravelLeg.objects.filter(case=case).order_by("travel_on", "pk")
        ],
        "notes": [
            str(open_field(row.body, key=key)) if row.body else ""
            for row in Note.objects.filter(case=case).order_by("created_at", "pk")
        ],
        "tasks": [
            {
                "title": str(open_field(row.title, key=key)) if row.title else "",
                "due_on": row.due_on.isoformat(),
                "done": row.done_at is not None,
            }
            for row in Task.objects.filter(case=case).order_by("created_at", "pk")
        ],
        "risk": (
            open_field(latest.answers, key=key)
            if latest is not None and latest.answers is not None
            else None
        ),
        "consent": (
            {"keep": consent.keep, "share": consent.share, "source": consent.source}
            if consent is not None
            else None
        ),
        "history": audit_summary(case),
        "incidents": [
            _incident(actor, row, place, key)
            for row in Incident.objects.filter(case=case).order_by("created_at", "pk")
        ],
        "links": _links(case),
        # Flags in force (detained, missing, on hold, compromised): a moved case keeps them.
        "flags": [
            {"flag": row.flag, "reason": row.reason}
            for row in CaseFlag.objects.filter(case=case, cleared_at__isnull=True).order_by(
                "raised_at", "pk"
            )
        ],
    }
    record_event(
        actor=actor,
        event=EventType.CASE_VIEWED,
        object_type=ObjectType.CASE,
        object_id=str(case.pk),
        case_id=case.ref,
        detail={"page": "export", "opened": 1},
    )
    return record


def audit_summary(case: Case, *, up_to: int | None = None) -> dict[str, Any]:
    """The case's audit entries as a summary the new installation keeps and anyone holding
    the old audit log can check (docs/decisions/0013-export-audit-summary.md): how many,
    the first and last sequence number, and the SHA-256 of their leaf hashes in order.
    `up_to`: the last sequence number a summary covered, to check it again later."""
    entries = AuditEntry.objects.filter(case_id=case.ref)
    if up_to is not None:
        entries = entries.filter(seq__lte=up_to)
    digest = hashlib.sha256()
    seqs: list[int] = []
    for seq, leaf in entries.order_by("seq").values_list("seq", "leaf_hash"):
        digest.update(leaf.encode("ascii") + b"\n")
        seqs.append(seq)
    return {
        "entries": len(seqs),
        "first_seq": seqs[0] if seqs else 0,
        "last_seq": seqs[-1] if seqs else 0,
        "sha256": digest.hexdigest(),
    }


def _protocol(actor: Staff, case: Case, person_id: Any, key: DataKey) -> dict[str, Any] | None:
    """A person's contact protocol: its words opened, and the schedule as it stands, so
    the next check-in falls due on the new installation when it would have here."""
    protocol = ContactProtocol.objects.filter(person_id=person_id).first()
    if protocol is None:
        return None
    opened = access_protocol_fields(
        actor=actor, protocol=protocol, key=key, fields=PROTOCOL_FIELDS, case_ref=case.ref
    )
    return {
        "channel": protocol.channel,
        "every_hours": protocol.check_in_every_hours,
        "portal_counts_as_check_in": protocol.portal_counts_as_check_in,
        **{name: str(opened.get(name) or "") for name in PROTOCOL_FIELDS},
        "last_check_in_at": protocol.last_check_in_at.isoformat(),
        "check_in_due_at": _moment(protocol.check_in_due_at),
        "overdue_raised_at": _moment(protocol.overdue_raised_at),
    }


def _incident(
    actor: Staff, incident: Incident, place: dict[str, int], key: DataKey
) -> dict[str, Any]:
    """An incident: its kind, whose it is (the person's place among the members), when it
    opened and closed, its checklist (codes and times) with each skipped step's reason
    and the outcome opened from the audit log's sealed notes."""
    steps = []
    for item in incident.checklist:
        note = item.get("note")
        steps.append(
            {
                "step": str(item["step"]),
                "done_at": str(item.get("done_at") or ""),
                "skipped_at": str(item.get("skipped_at") or ""),
                "note": _note(actor, note, key) if isinstance(note, int) else "",
            }
        )
    outcome = incident.outcome_event
    return {
        "kind": incident.kind,
        "person": place.get(str(incident.person_id)) if incident.person_id else None,
        "opened_at": incident.created_at.isoformat(),
        "closed_at": _moment(incident.closed_at),
        "checklist": steps,
        "outcome": _note(actor, outcome, key) if outcome is not None else "",
    }


def _note(actor: Staff, seq: int, key: DataKey) -> str:
    try:
        return access_reason_note_by_seq(actor=actor, seq=seq, key=key)
    except ReasonNoteNotFound:
        return ""  # erased with its note: the step stays skipped, without the words


def _links(case: Case) -> list[dict[str, str]]:
    """The case's links to other cases, by the other case's reference (the import links
    them again when both cases are in the file)."""
    found = []
    for link in CaseLink.objects.filter(case_a=case).select_related("case_b"):
        found.append({"kind": link.kind, "other": link.case_b.ref})
    for link in CaseLink.objects.filter(case_b=case).select_related("case_a"):
        found.append({"kind": link.kind, "other": link.case_a.ref})
    return sorted(found, key=lambda item: (item["other"], item["kind"]))


def _moment(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
