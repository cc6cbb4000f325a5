"""Protected reads for imports: the held upload and the stored facts a row is compared
with. Each opens a sealed value and records the read in the same transaction; only
`access` modules may import `vault.opening` (an import contract enforces it).
"""

from __future__ import annotations

import base64
import uuid

from django.db import transaction

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, KeyFailure
from corridor.intake.models import Request
from corridor.intake.screening.facts import Facts
from corridor.transfer.models import HeldUpload, ImportedRow
from corridor.transfer.uploads import GONE, Upload
from corridor.vault import keys as vault_keys
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
