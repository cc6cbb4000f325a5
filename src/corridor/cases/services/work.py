"""Next actions, notes and risk assessments."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases import risk
from corridor.cases.models import Case, Note, Phase, RiskAssessment, Task
from corridor.cases.services._base import case_key, log, touch
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.vault.datakey import DataKey
from corridor.vault.fields import seal_field

TITLE_EMPTY = _("Say what the next action is.")
NEXT_ACTION_NEEDED = _("This is the case's last open action: add the next one as you complete it.")
TASK_DONE = _("This action is already done.")
NOTE_EMPTY = _("The note is empty.")
NOTE_TOO_LONG = _("A note holds at most 20,000 characters.")


@transaction.atomic
def add_task(
    *,
    actor: Actor,
    case: Case,
    title: str,
    due_on: date,
    assignee: Staff | None = None,
    key: DataKey | None = None,
) -> Task:
    """A next action for the case. `key`: the case's key when the caller already holds it
    (open_case, whose case is not committed yet, so keyd could not check it)."""
    if not title.strip():
        raise InvalidInput(str(TITLE_EMPTY))
    if key is None or key.key_id != case.key_id:
        key = case_key(actor, case)
    task = Task(case=case, due_on=due_on, assignee=assignee)
    seal_field(task, "title", title.strip()[:500], key=key)
    task.save()
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.TASK_ADDED,
        object_type=ObjectType.TASK,
        object_id=str(task.pk),
        detail={"due": due_on.isoformat()},
    )
    return task


@transaction.atomic
def complete_task(
    *,
    actor: Actor,
    task: Task,
    next_title: str = "",
    next_due: date | None = None,
) -> Task | None:
    """Mark an action done. Every open case keeps an open next action, so completing the
    last one needs the next one; returns that new action, if any."""
    case = task.case
    if task.done_at is not None:
        raise InvalidInput(str(TASK_DONE))
    others = case.tasks.filter(done_at__isnull=True).exclude(pk=task.pk).exists()
    wants_next = bool(next_title.strip())
    if not others and not wants_next and case.phase != Phase.CLOSED:
        raise InvalidInput(str(NEXT_ACTION_NEEDED))
    task.done_at = clock.now()
    task.save(update_fields=["done_at", "updated_at"])
    log(
        actor=actor,
        case=case,
        event=EventType.TASK_COMPLETED,
        object_type=ObjectType.TASK,
        object_id=str(task.pk),
    )
    if wants_next:
        return add_task(
            actor=actor,
            case=case,
            title=next_title,
            due_on=next_due or clock.today(),
            assignee=task.assignee,
        )
    touch(case)
    return None


@transaction.atomic
def add_note(*, actor: Staff, case: Case, body: str) -> Note:
    if not body.strip():
        raise InvalidInput(str(NOTE_EMPTY))
    if len(body) > 20_000:
        raise InvalidInput(str(NOTE_TOO_LONG))
    key = case_key(actor, case)
    note = Note(case=case, author=actor)
    seal_field(note, "body", body, key=key)
    note.save()
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.NOTE_ADDED,
        object_type=ObjectType.NOTE,
        object_id=str(note.pk),
    )
    return note


@transaction.atomic
def assess_risk(*, actor: Staff, case: Case, answers: risk.RiskAnswers) -> RiskAssessment:
    """Record a (re-)assessment: sealed answers and reasons, plain score and level."""
    result = risk.assess(answers)
    key = case_key(actor, case)
    assessment = RiskAssessment(
        case=case, score=result.score, level=result.level, assessed_by=actor
    )
    seal_field(
        assessment,
        "answers",
        {name: bool(getattr(answers, name)) for name in risk.RiskAnswers.names()},
        key=key,
    )
    seal_field(assessment, "reasons", list(result.reasons), key=key)
    assessment.save()
    case.risk_level = result.level
    case.risk_score = result.score
    case.save(update_fields=["risk_level", "risk_score", "updated_at"])
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.RISK_ASSESSED,
        object_type=ObjectType.RISK_ASSESSMENT,
        object_id=str(assessment.pk),
        detail={"level": result.level, "score": result.score},
    )
    return assessment
