"""Milestones, phases, flags, closure and reopening, by the rules in cases/stages.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import date

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases import stages
from corridor.cases.models import (
    Case,
    CaseFlag,
    Flag,
    Milestone,
    MilestoneKind,
    Phase,
)
from corridor.cases.services._base import check_version, facts_of, log, touch
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.people.models import Person

NOT_A_MEMBER = "This person is not in the case."


@transaction.atomic
def record_milestone(
    *,
    actor: Actor,
    case: Case,
    person: Person,
    kind: MilestoneKind,
    reached_on: date,
    reason: str = "",
) -> Milestone:
    """Record a dated milestone for one person; the case's phase follows the milestones.
    `reason`, a code, says why when the milestone was worked out rather than recorded."""
    lock_case(case)
    if not case.members.filter(person=person, left_at__isnull=True).exists():
        raise InvalidInput(NOT_A_MEMBER)
    existing = {
        MilestoneKind(row.kind): row.reached_on for row in Milestone.objects.filter(person=person)
    }
    stages.check_milestone(existing, kind, reached_on, clock.today())
    milestone = Milestone.objects.create(case=case, person=person, kind=kind, reached_on=reached_on)
    # The new step's days, and the next step's when this one was recorded late.
    recount_step_days([person.pk])
    milestone.refresh_from_db(fields=["days_after_previous"])
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.MILESTONE_RECORDED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        reason=reason,
        detail={"kind": kind, "on": reached_on.isoformat()},
    )
    _follow_milestones(actor, case)
    return milestone


# "Documents ready" follows the document register once a plan is chosen: the plan and the
# catalog belong to pathways, above cases in the layers (pyproject.toml), so pathways
# registers its follower here (PathwaysConfig.ready) and the writes of cases that can make
# a household's documents ready (a journey planned or cancelled moves the day they must
# be valid on) call `follow_readiness` inside their transaction.
ReadinessFollower = Callable[[Actor, Case], object]
_READINESS_FOLLOWERS: list[ReadinessFollower] = []


def register_readiness_follower(follower: ReadinessFollower) -> None:
    if follower not in _READINESS_FOLLOWERS:
        _READINESS_FOLLOWERS.append(follower)


def follow_readiness(actor: Actor, case: Case) -> None:
    """Let the registered followers record what the case's change made ready."""
    for follower in _READINESS_FOLLOWERS:
        follower(actor, case)


def recount_step_days(person_ids: Collection[object]) -> None:
    """Set each milestone's days since the step before, for these people: after a step is
    recorded, or after some were deleted (a case erased while they had moved to another)."""
    reached: dict[object, dict[MilestoneKind, Milestone]] = defaultdict(dict)
    for milestone in Milestone.objects.filter(person_id__in=person_ids):
        reached[milestone.person_id][MilestoneKind(milestone.kind)] = milestone
    for steps in reached.values():
        dates = {kind: milestone.reached_on for kind, milestone in steps.items()}
        for kind, milestone in steps.items():
            days = stages.days_after_previous(dates, kind)
            if days != milestone.days_after_previous:
                milestone.days_after_previous = days
                milestone.save(update_fields=["days_after_previous"])


@transaction.atomic
def advance_phase(
    *, actor: Actor, case: Case, to: Phase, setback_reason: str = "", version: int | None = None
) -> Case:
    """Move the case to `to`, or raise StageProblem naming what is missing."""
    lock_case(case)
    check_version(case, version)
    stages.check_transition(facts_of(case), to, setback_reason=setback_reason)
    set_phase(actor, case, to, reason=setback_reason or "manual")
    return case


@transaction.atomic
def raise_flag(*, actor: Actor, case: Case, flag: Flag, reason: str = "") -> CaseFlag:
    lock_case(case)
    stages.check_flag_change(facts_of(case), flag, raise_it=True)
    row = CaseFlag.objects.create(case=case, flag=flag, raised_by=actor.actor_id, reason=reason)
    touch(case)
    log(actor=actor, case=case, event=EventType.FLAG_RAISED, reason=reason, detail={"flag": flag})
    return row


@transaction.atomic
def clear_flag(*, actor: Actor, case: Case, flag: Flag, reason: str = "") -> None:
    lock_case(case)
    stages.check_flag_change(facts_of(case), flag, raise_it=False)
    CaseFlag.objects.filter(case=case, flag=flag, cleared_at__isnull=True).update(
        cleared_at=clock.now(), cleared_by=actor.actor_id
    )
    touch(case)
    log(actor=actor, case=case, event=EventType.FLAG_CLEARED, reason=reason, detail={"flag": flag})


def _follow_milestones(actor: Actor, case: Case) -> None:
    derived = stages.derived_phase(facts_of(case))
    if derived != case.phase:
        set_phase(actor, case, derived, reason="milestones")


def set_phase(actor: Actor, case: Case, phase: Phase, *, reason: str) -> None:
    previous = case.phase
    case.phase = phase
    case.phase_changed_at = clock.now()
    case.save(update_fields=["phase", "phase_changed_at", "updated_at"])
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.PHASE_CHANGED,
        reason=reason,
        detail={"from": previous, "to": phase},
    )


def lock_case(case: Case) -> None:
    """Serialise writers on one case: the rules read the milestones they are about to change."""
    Case.objects.select_for_update().filter(pk=case.pk).first()
    case.refresh_from_db()
