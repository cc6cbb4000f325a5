"""The import page's upload: taken into memory only, and held sealed between the preview
and the confirmation.

What this defends against: a spreadsheet full of names and phones left in plaintext on
disk. Uploads are never spooled to a temporary file (core/uploads.py, the only upload
handler settings name). Held for the confirmation, the bytes are sealed under a fresh
key that only the uploader may unwrap (a draft's key, vault/ledger.py), and shredded
once imported, cancelled or an hour old.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.tasks import periodic
from corridor.transfer.models import HeldUpload
from corridor.vault import keys as vault_keys
from corridor.vault.fields import JSONValue, seal_field
from corridor.vault.ledger import KeyOwner

KEEP_FOR = timedelta(hours=1)
GONE = _("This upload is no longer held: upload the file again.")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    mapping: str


def hold_upload(*, staff: Staff, upload: Upload) -> HeldUpload:
    """Seal the upload for the confirmation step. Who can decrypt: `staff` only (keyd serves
    a draft's key to the person it belongs to)."""
    held_id = uuid.uuid4()
    key = vault_keys.create_data_key(
        owner=KeyOwner(kind="draft", object_id=str(held_id), staff_id=staff.pk)
    )
    content: dict[str, JSONValue] = {
        "filename": upload.filename[:200],
        "data": base64.b64encode(upload.data).decode("ascii"),
        "mapping": upload.mapping,
    }
    with transaction.atomic():
        held = HeldUpload(id=held_id, staff=staff)
        seal_field(held, "content", content, key=key)
        held.save()
        record_event(
            actor=staff,
            event=EventType.UPLOAD_HELD,
            object_type=ObjectType.IMPORT_UPLOAD,
            object_id=str(held.pk),
            detail={"bytes": len(upload.data)},
        )
    return held


def shred_upload(*, actor: Staff, held: HeldUpload, reason: str) -> None:
    """Delete the held upload and destroy its key once the deletion commits."""
    key_id = held.key_id
    with transaction.atomic():
        record_event(
            actor=actor,
            event=EventType.UPLOAD_SHREDDED,
            object_type=ObjectType.IMPORT_UPLOAD,
            object_id=str(held.pk),
            reason=reason,
        )
        held.delete()
        if key_id is not None:
            transaction.on_commit(lambda: vault_keys.destroy_data_key(key_id))


@periodic("transfer.purge_uploads", every=timedelta(minutes=15))
def purge_old_uploads() -> None:
    """Uploads held longer than an hour are shredded."""
    for held in HeldUpload.objects.filter(created_at__lt=clock.now() - KEEP_FOR).select_related(
        "staff"
    ):
        shred_upload(actor=held.staff, held=held, reason="expired")
