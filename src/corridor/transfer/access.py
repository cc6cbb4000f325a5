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
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import (
    Case,
    CaseMember,
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
from corridor.people.access import access_file, access_person_documents
from corridor.people.models import DocumentFile
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
    risk answers, the sharing consent in force, each person's register entries and
    files. One audited read names the case (each file read is audited with its SHA-256
    by access_file, each register read by access_person_documents)."""
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
            }
        )
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
            }
            for row in TravelLeg.objects.filter(case=case, cancelled_on__isnull=True).order_by(
                "travel_on", "pk"
            )
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


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""
