"""Receiving a request from the portal: sealed to the intake key before it is stored.

    request = receive_portal_request(actor=RequesterActor(), answers={...},
                                     session_digest=digest, form_token=token)

Nothing here needs the KEK, so the portal keeps taking requests while the organisation
is sealed. A stored request is never dropped: the limits below refuse *new* requests
(with a time to come back), never ones already kept.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import RequesterActor
from corridor.core.ids import new_reference
from corridor.core.tasks import enqueue_on_commit
from corridor.intake.errors import PortalBusy
from corridor.intake.models import Channel, Request, RequestFlag, Signal, Stage
from corridor.intake.selectors import count_awaiting_screening
from corridor.intake.services._common import spend_form_token, start_of_today, take_or_refuse
from corridor.intake.services.screening import screen_request_task
from corridor.intake.services.sessions import bind_requester_session
from corridor.intake.sources import flooded
from corridor.intake.tally import count_arrival
from corridor.intake.throttles import session_bucket
from corridor.vault.fields import JSONValue
from corridor.vault.intake import intake_key_of, seal_for_intake

REFERENCE_PREFIX = "RQ"


def check_portal_open() -> None:
    """PortalBusy when more portal requests wait to be screened than the team can take."""
    if count_awaiting_screening(Channel.PORTAL) >= settings.CORRIDOR_PORTAL_PENDING_LIMIT:
        raise PortalBusy(retry_after=int(settings.CORRIDOR_PORTAL_RETRY_HOURS) * 3600)


def receive_portal_request(
    *,
    actor: RequesterActor,
    answers: Mapping[str, JSONValue],
    session_digest: str,
    form_token: str,
) -> Request:
    """Store a portal request sealed to the intake key and bind the session to it.

    Raises PortalBusy, TooManyAttempts (nothing was sealed or stored) or FormAlreadyUsed
    (the same form was already stored: nothing new is stored).
    """
    check_portal_open()
    take_or_refuse([session_bucket("submit", session_digest)], limit="submit", source=actor.source)
    # A source that used up one of its own limits is flooding: what it still sends is
    # stored, but flagged so verifiers read it after the others (docs/users/verifier.md).
    from_flood = flooded(actor.source)
    request_id = uuid.uuid4()
    payload = json.dumps(dict(answers), ensure_ascii=False, sort_keys=True).encode("utf-8")
    # Who can decrypt: only the key provider (intake private key); not this process.
    sealed = seal_for_intake(payload, str(request_id))
    day = start_of_today()
    with transaction.atomic():
        spend_form_token(form_token)
        request = Request.objects.create(
            id=request_id,
            reference=free_reference(),
            channel=Channel.PORTAL,
            received_on=day.date(),
            sealed_answers=sealed,
            sealed_to=intake_key_of(sealed),
            created_at=day,
            updated_at=day,
        )
        bind_requester_session(
            digest=session_digest, request_id=request.id, stage=Stage.CODENAME_DUE, held_key=None
        )
        count_arrival(request)
        if from_flood:
            RequestFlag.objects.create(request=request, code=Signal.FLOOD, raised_on=day.date())
        record_event(
            actor=actor,
            event=EventType.REQUEST_RECEIVED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
            detail={"channel": Channel.PORTAL.value},
        )
        # Screened in the background (ids only); the portal itself holds no key.
        enqueue_on_commit(screen_request_task, str(request.id))
    return request


def free_reference() -> str:
    while True:
        reference = new_reference(REFERENCE_PREFIX)
        if not Request.objects.filter(reference=reference).exists():
            return reference
