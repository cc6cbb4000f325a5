"""Erasing requests the organisation did not take on: declined, duplicate and suspected
ones, once their configured number of days has passed.

The request's sealed columns, its messages and its screening rows are blanked and
committed first; then its data key is destroyed (crypto-shredding: every backup copy of
the ciphertext becomes unreadable once key-store backups age out). The row itself stays,
with its reference, channel, status `erased` and dates, so counts still add up.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import SystemActor
from corridor.intake.models import (
    Codename,
    Decision,
    IndexEntry,
    Message,
    NarrativeBand,
    Request,
    RequesterSession,
    Status,
)
from corridor.intake.services.decisions import ERASED_LATER
from corridor.vault import keys as vault_keys


def erase_due_requests(*, actor: SystemActor) -> int:
    """Erase every declined, duplicate or suspected request whose day has come."""
    due = Request.objects.filter(status__in=ERASED_LATER, erase_on__lte=clock.today())
    return sum(
        erase_request(actor=actor, request_id=pk) for pk in list(due.values_list("pk", flat=True))
    )


def erase_request(*, actor: SystemActor, request_id: uuid.UUID) -> bool:
    """Blank one request and destroy its key once that commits; False if not due."""
    with transaction.atomic():
        request = (
            Request.objects.select_for_update()
            .filter(pk=request_id, status__in=ERASED_LATER)
            .first()
        )
        if request is None:
            return False
        key_id = request.key_id
        Message.objects.filter(request=request).update(
            body=None, sealed_body=None, sealed_to=None, for_requester=None, key_id=None
        )
        Decision.objects.filter(request=request).update(note=None, key_id=None)
        IndexEntry.objects.filter(request=request).delete()
        NarrativeBand.objects.filter(request=request).delete()
        Codename.objects.filter(request=request, retired_on__isnull=True).update(
            retired_on=clock.today()
        )
        RequesterSession.objects.filter(request=request).delete()
        request.answers = None
        request.facts = None
        request.key_id = None
        request.sealed_answers = None
        request.sealed_to = None
        request.narrative_signature = ""
        request.status = Status.ERASED
        request.save()
        record_event(
            actor=actor,
            event=EventType.REQUEST_ERASED,
            object_type="request",
            object_id=str(request.id),
        )
        if key_id is not None:
            transaction.on_commit(lambda: vault_keys.destroy_data_key(key_id))
    return True
