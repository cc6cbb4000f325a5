"""What happens to a stored scan after its upload: which register entry it shows, whether
it is kept past its application's decision, and its shredding.

    link_file(actor=..., file=..., document=entry_or_None, case_ref=...)
    keep_file(actor=..., file=..., key=..., reason="...", case_ref=...)
    shred_file(file=..., reason="decided_application")   # the worker's job

Shredding removes the row with its sealed title and reason, and then the ciphertext
(vault.files); the audit log keeps that it happened, never what the file was.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor, SystemActor
from corridor.core.exceptions import InvalidInput
from corridor.people.models import DocumentFile, IdentityDocument
from corridor.vault.datakey import DataKey
from corridor.vault.fields import seal_field
from corridor.vault.files import delete_file

REASON_MAX = 500
SHREDDER = SystemActor(name="shredder")
NOT_THEIR_DOCUMENT = _("That document is not in this person's register.")
REASON_NEEDED = _("Say why the scan must be kept: the next caseworker reads it.")
REASON_TOO_LONG = _("A reason has at most 500 characters.")


@transaction.atomic
def link_file(
    *, actor: Actor, file: DocumentFile, document: IdentityDocument | None, case_ref: str = ""
) -> DocumentFile:
    """Say which register entry a stored file shows (None: none of them)."""
    if document is not None and document.person_id != file.person_id:
        raise InvalidInput(str(NOT_THEIR_DOCUMENT))
    DocumentFile.objects.filter(pk=file.pk).update(document=document)
    file.document = document
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_FILE_LINKED,
        object_type=ObjectType.DOCUMENT_FILE,
        object_id=str(file.pk),
        case_id=case_ref,
        detail={"document": str(document.pk) if document else "none"},
    )
    return file


@transaction.atomic
def keep_file(
    *, actor: Actor, file: DocumentFile, key: DataKey, reason: str, case_ref: str = ""
) -> DocumentFile:
    """Keep `file` past the shredding after its application's decision, for `reason`
    (sealed under the case key: a reason may name the person's circumstances)."""
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(str(REASON_NEEDED))
    if len(reason) > REASON_MAX:
        raise InvalidInput(str(REASON_TOO_LONG))
    row = DocumentFile.objects.select_for_update().get(pk=file.pk)
    seal_field(row, "kept_reason", reason, key=key)
    row.kept_at = clock.now()
    row.kept_by = actor.actor_id
    row.save(update_fields=["kept_reason", "kept_at", "kept_by"])
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_FILE_KEPT,
        object_type=ObjectType.DOCUMENT_FILE,
        object_id=str(file.pk),
        case_id=case_ref,
        detail={"kept": "yes"},
    )
    return row


def shred_file(*, file: DocumentFile, reason: str, case_ref: str = "") -> None:
    """Delete the file's row (its sealed title with it) and, once that commits, its
    ciphertext; audited as the system's act. Refuses a kept file."""
    with transaction.atomic():
        deleted, _rows = DocumentFile.objects.filter(pk=file.pk, kept_at__isnull=True).delete()
        if not deleted:
            return
        record_event(
            actor=SHREDDER,
            event=EventType.DOCUMENT_FILE_SHREDDED,
            object_type=ObjectType.DOCUMENT_FILE,
            object_id=str(file.pk),
            case_id=case_ref,
            detail={"reason": reason, "bytes": file.size},
        )
        name = file.storage_name
        transaction.on_commit(lambda: delete_file(name))
