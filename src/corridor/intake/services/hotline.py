"""Requests taken by phone or messenger: the hotline operator records them during the call.

    request = record_hotline_request(actor=operator, answers={...}, escalate=True,
                                     conflict=False)

Unlike portal requests these are not sealed to the intake key: the operator's process
creates a request data key through the key provider and seals the answers under it, so
the operator can read what they recorded (through intake.access) until screening ends.
"Escalate now" alerts every coordinator at once; a conflict of interest (the operator
knows the caller or their family) takes the request out of the operator's sight.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.alerts import alert_coordinators
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.core.tasks import enqueue_on_commit
from corridor.intake.models import Channel, Request
from corridor.intake.services.requests import free_reference
from corridor.intake.services.screening import screen_request_task
from corridor.intake.tally import count_arrival
from corridor.vault import keys as vault_keys
from corridor.vault.fields import JSONValue, seal_field
from corridor.vault.ledger import KeyOwner

# The triage asked in the first minute, then the rest of the call.
TRIAGE_FIELDS = ("danger_now", "where", "can_talk", "callback")
DETAIL_FIELDS = (
    "full_name", "phone", "date_of_birth", "document_number", "story", "notes",
    "consent_keep", "consent_share",
)  # fmt: skip
CHOICE_VALUES = {
    "danger_now": ("yes", "no", "unknown"),
    "can_talk": ("yes", "no", "unknown"),
    "consent_keep": ("yes", "no"),
    "consent_share": ("yes", "ask", "no"),
}
FIELD_LIMIT = 8000
ESCALATION_ALERT = "hotline_escalation"
CONFLICT_ALERT = "hotline_conflict"

NOT_AN_OPERATOR = _("Only hotline operators record calls.")
TRIAGE_MISSING = _("Answer the triage first: is the caller in danger right now, and can they talk?")
CHOICE_INVALID = _("Choose one of the answers offered.")


def check_hotline_answers(answers: Mapping[str, str]) -> dict[str, JSONValue]:
    """The answers to keep (trimmed, empty ones dropped), or InvalidInput."""
    kept: dict[str, JSONValue] = {}
    for name in TRIAGE_FIELDS + DETAIL_FIELDS:
        value = str(answers.get(name) or "").strip()[:FIELD_LIMIT]
        if not value:
            continue
        if name in CHOICE_VALUES and value not in CHOICE_VALUES[name]:
            raise InvalidInput(str(CHOICE_INVALID))
        kept[name] = value
    if "danger_now" not in kept or "can_talk" not in kept:
        raise InvalidInput(str(TRIAGE_MISSING))
    return kept


def record_hotline_request(
    *, actor: Staff, answers: Mapping[str, str], escalate: bool, conflict: bool
) -> Request:
    """Store what the operator recorded, sealed under a new request key, and queue its
    screening; alerts the coordinators when escalated or when the operator has a
    conflict of interest."""
    if Role.HOTLINE_OPERATOR not in roles_of(actor):
        raise NotAllowed(str(NOT_AN_OPERATOR))
    kept = check_hotline_answers(answers)
    # Who can decrypt: holders of the request key (the operator until screening ends,
    # verifiers and coordinators, the worker), never the portal.
    # keyd's ledger records the key as this request's: it opens for no other object.
    request_id = uuid.uuid4()
    key = vault_keys.create_data_key(owner=KeyOwner(kind="request", object_id=str(request_id)))
    now = clock.now()
    with transaction.atomic():
        request = Request(
            id=request_id,
            reference=free_reference(),
            channel=Channel.HOTLINE,
            received_on=clock.today(),
            recorded_by=None if conflict else actor,
            conflict_of_interest=conflict,
            escalated_at=now if escalate else None,
            opened_at=now,
        )
        seal_field(request, "answers", kept, key=key)
        request.save()
        record_event(
            actor=actor,
            event=EventType.HOTLINE_RECORDED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
            detail={"channel": Channel.HOTLINE.value, "conflict": int(conflict)},
        )
        if escalate:
            _escalate(actor, request)
        if conflict:
            alert_coordinators(code=CONFLICT_ALERT, case_ref=request.reference)
        enqueue_on_commit(screen_request_task, str(request.id))
        count_arrival(request)
    return request


def _escalate(actor: Staff, request: Request) -> None:
    alerted = alert_coordinators(code=ESCALATION_ALERT, case_ref=request.reference)
    record_event(
        actor=actor,
        event=EventType.HOTLINE_ESCALATED,
        object_type=ObjectType.REQUEST,
        object_id=str(request.id),
        detail={"alerted": alerted},
    )
