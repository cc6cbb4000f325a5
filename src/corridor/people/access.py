"""The only way to a person's plaintext: open the fields asked for, and record the read.

Which fields a role may see is the caller's policy (cases.access); this module
opens exactly what it is given and writes one audit event naming the fields,
never their values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from typing import Any

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.people.document_files import OpenedFile
from corridor.people.inputs import SEALED_FIELDS, field_detail
from corridor.people.models import (
    ContactProtocol,
    CustodyHandover,
    DocumentFile,
    IdentityDocument,
    Person,
)
from corridor.vault.datakey import DataKey
from corridor.vault.files import open_file
from corridor.vault.opening import open_field

PROTOCOL_FIELDS = ("safe_hours", "if_someone_else_answers", "check_in_word", "duress_word")


def access_person_fields(
    *, actor: Actor, person: Person, key: DataKey, fields: Collection[str], case_ref: str
) -> dict[str, Any]:
    """The plaintext of `fields` of `person` (missing ones absent); the read is audited."""
    wanted = [name for name in SEALED_FIELDS if name in fields]
    opened = {
        name: open_field(getattr(person, name), key=key)
        for name in wanted
        if getattr(person, name) is not None
    }
    record_event(
        actor=actor,
        event=EventType.PERSON_OPENED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        case_id=case_ref,
        detail=field_detail(wanted),
    )
    return opened


def access_protocol_fields(
    *, actor: Actor, protocol: ContactProtocol, key: DataKey, fields: Collection[str], case_ref: str
) -> dict[str, Any]:
    wanted = [name for name in PROTOCOL_FIELDS if name in fields]
    opened = {
        name: open_field(getattr(protocol, name), key=key)
        for name in wanted
        if getattr(protocol, name) is not None
    }
    record_event(
        actor=actor,
        event=EventType.PERSON_OPENED,
        object_type=ObjectType.CONTACT_PROTOCOL,
        object_id=str(protocol.pk),
        case_id=case_ref,
        detail={"fields": "+".join(wanted) or "none"},
    )
    return opened


def access_person_documents(
    *, actor: Actor, person: Person, key: DataKey, case_ref: str
) -> list[dict[str, Any]]:
    """The person's identity documents with their numbers and issue dates opened, in the
    order they were registered; one audited read names the documents, never a number."""
    documents = list(IdentityDocument.objects.filter(person=person).order_by("created_at", "id"))
    opened = [
        {
            "document": document,
            "number": open_field(document.number, key=key) if document.number else "",
            "issued_on": open_field(document.issued_on, key=key) if document.issued_on else "",
        }
        for document in documents
    ]
    if documents:
        record_event(
            actor=actor,
            event=EventType.PERSON_OPENED,
            object_type=ObjectType.PERSON,
            object_id=str(person.pk),
            case_id=case_ref,
            detail={"fields": "documents", "documents": len(documents)},
        )
    return opened


def access_file(
    *, actor: Actor, file: DocumentFile, key: DataKey, case_ref: str = ""
) -> OpenedFile:
    """The file's title and plaintext chunks; the read is audited with its SHA-256.

    The file is read twice (once to hash it for the audit event, once to serve it), so
    the event names exactly what left, and nothing is held in memory beyond a chunk.
    """
    digest = hashlib.sha256()
    for chunk in open_file(file.storage_name, key=key):
        digest.update(chunk)
    title = open_field(file.title, key=key) if file.title else ""
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_FILE_OPENED,
        object_type=ObjectType.DOCUMENT_FILE,
        object_id=str(file.pk),
        case_id=case_ref,
        detail={"sha256": digest.hexdigest()},
    )
    return OpenedFile(file=file, title=str(title), chunks=open_file(file.storage_name, key=key))


def access_file_titles(
    *, actor: Actor, files: Sequence[DocumentFile], key: DataKey, case_ref: str
) -> dict[str, dict[str, str]]:
    """Each file's title and the reason it is kept (if it is), by file id; one audited
    read names how many files, never a title."""
    opened = {
        str(file.pk): {
            "title": str(open_field(file.title, key=key)) if file.title else "",
            "kept_reason": str(open_field(file.kept_reason, key=key)) if file.kept_reason else "",
        }
        for file in files
    }
    if files:
        record_event(
            actor=actor,
            event=EventType.PERSON_OPENED,
            object_type=ObjectType.PERSON,
            object_id=str(files[0].person_id),
            case_id=case_ref,
            detail={"fields": "file_titles", "files": len(files)},
        )
    return opened


def access_custody_notes(
    *, actor: Actor, handovers: Sequence[CustodyHandover], key: DataKey, case_ref: str
) -> dict[str, str]:
    """Which office or courier each handover went to, by handover id; audited once."""
    opened = {
        str(row.pk): str(open_field(row.to_note, key=key)) for row in handovers if row.to_note
    }
    if opened:
        record_event(
            actor=actor,
            event=EventType.PERSON_OPENED,
            object_type=ObjectType.DOCUMENT_CUSTODY,
            object_id=str(handovers[0].document_id),
            case_id=case_ref,
            detail={"fields": "custody_notes", "handovers": len(opened)},
        )
    return opened
