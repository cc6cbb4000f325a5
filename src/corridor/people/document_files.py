"""Scans and photos of a person's documents: the one writer and the one reader.

    attach_file(actor=..., person=..., key=..., data=upload_bytes, title=..., case_ref=...)
    opened = access_file(actor=..., file=..., key=..., case_ref=...)   # audited read
    for chunk in opened.chunks: ...

The upload arrives in memory (core.uploads.MemoryOnlyUploadHandler), is stripped there
(people.sanitise) and sealed chunk by chunk under the case key into the vault's file
store (vault.files): neither the original nor the stripped file is ever written in
plaintext. The row and its audit event commit together; if the row cannot be written,
the sealed file is removed again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.people.models import DocumentFile, FileType, IdentityDocument, Person
from corridor.people.sanitise import PDF, Sanitised, sanitise
from corridor.vault.datakey import DataKey
from corridor.vault.fields import seal_field
from corridor.vault.files import delete_file, seal_file

TITLE_MAX = 120
TITLE_TOO_LONG = _("A file's title has at most 120 characters.")
NOT_THEIR_DOCUMENT = _("That document is not in this person's register.")


@dataclass(frozen=True)
class OpenedFile:
    file: DocumentFile
    title: str
    chunks: Iterator[bytes]


def attach_file(
    *,
    actor: Actor,
    person: Person,
    key: DataKey,
    data: bytes,
    title: str,
    document: IdentityDocument | None = None,
    case_ref: str = "",
    rebuild_pdf: bool = False,
) -> DocumentFile:
    """Strip `data`, seal it under `key` and record it on `person` (and `document`).
    `rebuild_pdf`: a PDF is drawn and rebuilt from its page pictures (people.pdf_render)."""
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        raise InvalidInput(str(TITLE_TOO_LONG))
    if document is not None and document.person_id != person.pk:
        raise InvalidInput(str(NOT_THEIR_DOCUMENT))
    clean = sanitise(data, rebuild_pdf=rebuild_pdf)
    return store_clean_file(
        actor=actor,
        person=person,
        key=key,
        clean=clean,
        title=title,
        document=document,
        case_ref=case_ref,
        rebuilt=rebuild_pdf and clean.media_type == PDF,
    )


def store_clean_file(
    *,
    actor: Actor,
    person: Person,
    key: DataKey,
    clean: Sanitised,
    title: str,
    document: IdentityDocument | None = None,
    case_ref: str = "",
    rebuilt: bool = False,
) -> DocumentFile:
    """Seal `clean` (already stripped by people.sanitise) under `key` on `person`: for a
    file that was stripped elsewhere, such as one a requester sent from the portal."""
    sealed = seal_file([clean.content], key=key)
    try:
        with transaction.atomic():
            row = DocumentFile(
                id=uuid.uuid4(),
                person=person,
                document=document,
                key_id=key.key_id,
                storage_name=sealed.name,
                media_type=FileType(clean.media_type),
                size=sealed.size,
            )
            seal_field(row, "title", title, key=key)
            row.save()
            record_event(
                actor=actor,
                event=EventType.DOCUMENT_FILE_ADDED,
                object_type=ObjectType.DOCUMENT_FILE,
                object_id=str(row.pk),
                case_id=case_ref,
                detail={
                    "type": clean.media_type,
                    "bytes": sealed.size,
                    "rebuilt": int(rebuilt),
                },
            )
    except BaseException:
        delete_file(sealed.name)
        raise
    return row


def shred_files(person: Person) -> int:
    """Erasure: delete the person's file rows, and their ciphertext once that commits.

    The ciphertext is unreadable already once the case key is destroyed (the erasure
    does that next); removing it as well leaves no file to find at all."""
    names = list(DocumentFile.objects.filter(person=person).values_list("storage_name", flat=True))
    DocumentFile.objects.filter(person=person).delete()
    for name in names:
        transaction.on_commit(lambda name=name: delete_file(name))  # type: ignore[misc]
    return len(names)
