"""What a person told us in their request, kept in their case: every answer as given, and
"in danger now" as the case's risk until someone assesses it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases.models import Case, IntakeRecord, RiskAssessment, RiskLevel
from corridor.cases.services._base import log, touch
from corridor.core.actors import Actor
from corridor.vault.datakey import DataKey
from corridor.vault.fields import JSONValue, seal_field


def record_intake_answers(
    *,
    actor: Actor,
    case: Case,
    key: DataKey,
    request_id: uuid.UUID,
    channel: str,
    received_on: date,
    answers: Mapping[str, JSONValue],
) -> IntakeRecord:
    """Keep the request's answers in the case (once per request; a second call for the
    same request returns the record already kept). Caller's transaction."""
    kept = IntakeRecord.objects.filter(case=case, request_id=request_id).first()
    if kept is not None:
        return kept
    record = IntakeRecord(
        case=case, request_id=request_id, channel=channel, received_on=received_on
    )
    # Who can decrypt: holders of the case's data key (its assigned staff, a coordinator
    # who reveals it); erasing the case destroys the key and so these answers.
    seal_field(record, "answers", dict(answers), key=key)
    record.save()
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.INTAKE_RECORDED,
        object_type=ObjectType.INTAKE_RECORD,
        object_id=str(record.pk),
        detail={"channel": channel, "answers": len(answers)},
    )
    return record


def seed_urgent_risk(*, actor: Actor, case: Case) -> bool:
    """The person said they are in danger now: the case shows the highest risk until
    someone assesses it. An assessed case keeps its assessment. Caller's transaction."""
    if RiskAssessment.objects.filter(case=case).exists() or case.risk_level == RiskLevel.CRITICAL:
        return False
    case.risk_level = RiskLevel.CRITICAL
    case.save(update_fields=["risk_level"])
    touch(case)
    log(actor=actor, case=case, event=EventType.RISK_SEEDED, reason="in_danger_now")
    return True
