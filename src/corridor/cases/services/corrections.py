"""Correcting what was recorded by mistake: a milestone's date, or the milestone itself.

A misclick ("left the country" for the wrong person) must not flow into every
report. The row is corrected or deleted, the days between the person's steps are
recounted, the phase follows, and the timeline and the audit log keep what was
there before and why it changed (the why sealed under the case's key).
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases import stages
from corridor.cases.models import Case, Milestone, MilestoneKind
from corridor.cases.services._base import case_key, facts_of, log, touch
from corridor.cases.services.progress import lock_case, recount_step_days, set_phase
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput

REASON_NEEDED = _("Say why: the reason is kept, encrypted, with the correction.")
REASON_TOO_LONG = _("A reason holds at most 2,000 characters.")
NOT_OF_CASE = _("That milestone is not part of this case.")
CORRECTION = "correction"


def check_reason(reason_text: str) -> str:
    """The reason for a correction, stripped; refuse an empty or overlong one."""
    text = reason_text.strip()
    if not text:
        raise InvalidInput(str(REASON_NEEDED))
    if len(text) > 2000:
        raise InvalidInput(str(REASON_TOO_LONG))
    return text


@transaction.atomic
def correct_milestone(
    *, actor: Actor, case: Case, milestone: Milestone, reached_on: date, reason_text: str
) -> Milestone:
    """Move a milestone to the date it really happened; the step days follow."""
    text = check_reason(reason_text)
    lock_case(case)
    milestone = _own(case, milestone)
    kind = MilestoneKind(milestone.kind)
    if reached_on == milestone.reached_on:
        raise InvalidInput(str(stages.MILESTONE_SAME_DATE))
    stages.check_milestone_date(_steps_of(milestone), kind, reached_on, clock.today())
    before = milestone.reached_on
    milestone.reached_on = reached_on
    milestone.save(update_fields=["reached_on"])
    recount_step_days([milestone.person_id])
    milestone.refresh_from_db(fields=["days_after_previous"])
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.MILESTONE_CORRECTED,
        object_type=ObjectType.PERSON,
        object_id=str(milestone.person_id),
        reason=CORRECTION,
        detail={"kind": kind, "from": before.isoformat(), "on": reached_on.isoformat()},
        reason_text=text,
        key=case_key(actor, case),
        timeline_detail=f"{kind}: {before.isoformat()} → {reached_on.isoformat()}",
    )
    return milestone


@transaction.atomic
def retract_milestone(
    *, actor: Actor, case: Case, milestone: Milestone, reason_text: str, reason: str = CORRECTION
) -> None:
    """Delete a milestone recorded by mistake; the step days and the phase follow, so the
    reports no longer count it."""
    text = check_reason(reason_text)
    lock_case(case)
    milestone = _own(case, milestone)
    kind = MilestoneKind(milestone.kind)
    stages.check_retraction(_steps_of(milestone), kind)
    person_id, was_on = milestone.person_id, milestone.reached_on
    milestone.delete()
    recount_step_days([person_id])
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.MILESTONE_RETRACTED,
        object_type=ObjectType.PERSON,
        object_id=str(person_id),
        reason=reason,
        detail={"kind": kind, "from": was_on.isoformat()},
        reason_text=text,
        key=case_key(actor, case),
        timeline_detail=f"{kind}: {was_on.isoformat()}",
    )
    phase = stages.phase_after_retraction(facts_of(case))
    if phase != case.phase:
        set_phase(actor, case, phase, reason="milestone_retracted")


def _own(case: Case, milestone: Milestone) -> Milestone:
    """The milestone as stored now, if it belongs to this case."""
    found = Milestone.objects.filter(pk=milestone.pk, case=case).first()
    if found is None:
        raise InvalidInput(str(NOT_OF_CASE))
    return found


def _steps_of(milestone: Milestone) -> dict[MilestoneKind, date]:
    return {
        MilestoneKind(kind): reached_on
        for kind, reached_on in Milestone.objects.filter(person_id=milestone.person_id).values_list(
            "kind", "reached_on"
        )
    }
