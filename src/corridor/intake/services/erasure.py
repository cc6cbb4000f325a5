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

from corridor.accounts import drafts
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor, SystemActor
from corridor.intake.keyd_phase import record_phase
from corridor.intake.models import (
    Codename,
    Decision,
    IndexEntry,
    Message,
    NarrativeBand,
    Request,
    RequesterSession,
    RequestFile,
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


def erase_requests_of_case(*, actor: Actor, case_id: uuid.UUID, case_ref: str) -> list[str]:
    """Inside a case's erasure: blank every request accepted into (or carried to) the case,
    in the caller's transaction, and return the data keys to destroy once it commits.

    Without this the case's erasure left the person's request readable: its answers
    (story, phone, name), thread, blind-index entries, bands and a working codename."""
    key_ids: list[str] = []
    for request in Request.objects.select_for_update().filter(case_id=case_id).order_by("pk"):
        key_ids += _blank_request(request)
        record_event(
            actor=actor,
            event=EventType.REQUEST_ERASED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
            case_id=case_ref,
            detail={"with_case": 1},
        )
    return key_ids


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
        key_ids = _blank_request(request)
        record_event(
            actor=actor,
            event=EventType.REQUEST_ERASED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
        )
        _destroy_after_commit(key_ids)
    return True


def _blank_request(request: Request) -> list[str]:
    """Blank the request's sealed values, thread, screening rows and codenames and mark it
    erased; the data keys its rows named, to destroy after commit."""
    key_ids = {str(request.key_id)} if request.key_id is not None else set()
    messages = Message.objects.filter(request=request)
    key_ids |= {str(key) for key in messages.exclude(key_id=None).values_list("key_id", flat=True)}
    decisions = Decision.objects.filter(request=request)
    key_ids |= {str(key) for key in decisions.exclude(key_id=None).values_list("key_id", flat=True)}
    messages.update(body=None, sealed_body=None, sealed_to=None, for_requester=None, key_id=None)
    # Files still in their intake boxes; carried ones are the case's and go with it.
    RequestFile.objects.filter(request=request).update(sealed_content=None, sealed_to=None)
    decisions.update(note=None, key_id=None)
    IndexEntry.objects.filter(request=request).delete()
    NarrativeBand.objects.filter(request=request).delete()
    # A retired codename opens nothing; removing the lookup and public key as well
    # leaves nothing that says which codename belonged to this request.
    for codename in Codename.objects.filter(request=request):
        codename.retired_on = codename.retired_on or clock.today()
        codename.lookup = f"erased-{codename.pk}"
        codename.public_key = b""
        codename.save(update_fields=["retired_on", "lookup", "public_key"])
    RequesterSession.objects.filter(request=request).delete()
    drafts.shred_drafts_under(f"/requests/{request.pk}/", reason="request_erased")
    request.answers = None
    request.facts = None
    request.key_id = None
    request.sealed_answers = None
    request.sealed_to = None
    request.narrative_signature = ""
    request.deletion_due_at = None  # nothing left for a planned deletion to do
    request.status = Status.ERASED
    request.save()
    record_phase(request)
    return sorted(key_ids)


def _destroy_after_commit(key_ids: list[str]) -> None:
    for key_id in key_ids:
        transaction.on_commit(lambda key_id=key_id: vault_keys.destroy_data_key(key_id))  # type: ignore[misc]
