"""Opening a request: the first time someone on the team reads it.

    open_request(actor=verifier, request_id=request.id)

The key provider opens the sealed box; the answers are re-sealed under a fresh data key
of the request's own, and the box is deleted, so afterwards only that key (which a
later erasure destroys) can read them. Messages that arrived sealed to the intake key
move with it.
"""

from __future__ import annotations

import json
import uuid

from django.db import transaction

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.intake.access import access_request_by_id
from corridor.intake.models import Message, Request
from corridor.intake.services.messages import file_message
from corridor.vault import keys as vault_keys
from corridor.vault.errors import DecryptionFailed
from corridor.vault.fields import JSONValue, seal_field
from corridor.vault.ledger import KeyOwner
from corridor.vault.providers import key_provider


def open_request(*, actor: Staff, request_id: uuid.UUID) -> Request:
    """Unseal the request for the team and re-seal it under its own data key; an
    already opened request is returned as it is."""
    return open_sealed_request(actor=actor, request=access_request_by_id(actor, request_id))


def open_sealed_request(*, actor: Actor, request: Request) -> Request:
    """The opening itself, for a caller that has checked `actor` may do it (a staff
    member through `open_request`, the screening task as the worker)."""
    sealed = request.sealed_answers
    if sealed is None:
        return request
    answers = _answers(key_provider().open_intake(bytes(sealed), str(request.id)))
    # The key is stored before the rows that name it (two databases, not atomic
    # together): a failure below leaves an unused key, never a row without its key.
    key = vault_keys.create_data_key(owner=KeyOwner(kind="request", object_id=str(request.id)))
    opened = False
    try:
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=request.pk)
            if locked.sealed_answers is not None:
                intake_key = locked.sealed_to
                seal_field(locked, "answers", answers, key=key)
                locked.sealed_answers = None
                locked.sealed_to = None
                locked.opened_at = clock.now()
                locked.updated_at = locked.opened_at
                locked.save()
                for message in Message.objects.filter(
                    request=locked, sealed_body__isnull=False
                ).order_by("position"):
                    file_message(message, key=key)
                record_event(
                    actor=actor,
                    event=EventType.INTAKE_OPENED,
                    object_type=ObjectType.REQUEST,
                    object_id=str(locked.id),
                    detail={"data_key": str(key.key_id), "intake_key": str(intake_key)},
                )
                opened = True
    finally:
        if not opened:
            # Someone else opened it first, or this attempt failed: the key seals nothing.
            vault_keys.destroy_data_key(key.key_id)
    return locked


def _answers(payload: bytes) -> JSONValue:
    try:
        value: JSONValue = json.loads(payload)
    except ValueError:
        raise DecryptionFailed("The sealed request is not the portal's format.") from None
    return value
