"""Closing a case through its checklist, and reopening it.

Closing refuses while anything still runs unaccounted (cases/closing.py): each
placement, journey, next action, incident and pending application is ended or
kept running with a reason, sealed under the case's key. Contact protocols stop
with the case: no check-in falls due and no missed check-in raises an incident
while it is closed; reopening starts each one afresh.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases import stages
from corridor.cases.closing import Disposition, RunningItem, RunningKind, check_accounted
from corridor.cases.models import Case, ClosureReason, Phase
from corridor.cases.selectors import list_protocols_of_case, list_running
from corridor.cases.services import logistics, work
from corridor.cases.services._base import case_key, check_version, facts_of, log
from corridor.cases.services.consent import check_case_sharing
from corridor.cases.services.progress import lock_case, set_phase
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import NotAllowed

KEPT = "kept_running"
REOPEN_COORDINATORS_ONLY = _("Only a coordinator can reopen a case.")


def close_case(
    *,
    actor: Actor,
    case: Case,
    reason: str,
    version: int | None = None,
    dispositions: Mapping[str, Disposition] | None = None,
    also_running: Sequence[RunningItem] = (),
    sharing_confirmed: bool = False,
) -> Case:
    """Close the case for `reason` once everything running is ended or kept with a reason.

    `also_running`: what apps above cases know runs in it (pending applications), so the
    rule is the same for them; the caller lists them, cases cannot read them itself.
    Handing the case to a partner sends the person's data out, so their answer on sharing
    is asked first, outside the closing transaction: a refusal stays recorded.
    """
    if reason == ClosureReason.REFERRED_OUT:
        check_case_sharing(
            actor=actor, case=case, purpose="case_referred_out", confirmed=sharing_confirmed
        )
    with transaction.atomic():
        return _close(actor, case, reason, version, dispositions or {}, also_running)


def _close(
    actor: Actor,
    case: Case,
    reason: str,
    version: int | None,
    chosen: Mapping[str, Disposition],
    also_running: Sequence[RunningItem],
) -> Case:
    lock_case(case)
    check_version(case, version)
    closure = stages.check_closure(facts_of(case), reason)
    items = [*list_running(case), *also_running]
    check_accounted(items, chosen)
    case.closure_reason = closure
    case.closed_at = clock.now()
    case.save(update_fields=["closure_reason", "closed_at", "updated_at"])
    set_phase(actor, case, Phase.CLOSED, reason=closure)
    kept = [item for item in items if not chosen[item.key].end]
    for item in items:
        if chosen[item.key].end:
            _end(actor, case, item)
    key = case_key(actor, case) if kept else None
    for item in kept:
        log(
            actor=actor,
            case=case,
            event=EventType.KEPT_AT_CLOSING,
            object_type=_OBJECT_TYPES[item.kind],
            object_id=item.object_id,
            reason=KEPT,
            detail={"kind": item.kind},
            reason_text=chosen[item.key].reason.strip(),
            key=key,
            timeline_detail=item.label,
        )
    for protocol in list_protocols_of_case(case):
        log(
            actor=actor,
            case=case,
            event=EventType.PROTOCOL_STOPPED,
            object_type=ObjectType.PERSON,
            object_id=str(protocol.person_id),
            reason="case_closed",
        )
    log(actor=actor, case=case, event=EventType.CASE_CLOSED, reason=closure)
    return case


@transaction.atomic
def reopen_case(*, actor: Actor, case: Case, reason: str) -> Case:
    """Reopen a closed case where its milestones put it; each contact protocol starts
    afresh, its next check-in one interval from now. Staff reopen only as coordinators."""
    if isinstance(actor, Staff) and Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(REOPEN_COORDINATORS_ONLY))
    lock_case(case)
    phase = stages.phase_after_reopening(facts_of(case))
    case.closure_reason = ""
    case.closed_at = None
    case.reopened_count += 1
    case.save(update_fields=["closure_reason", "closed_at", "reopened_count", "updated_at"])
    set_phase(actor, case, phase, reason=reason or "reopened")
    now = clock.now()
    for protocol in list_protocols_of_case(case):
        # Not a check-in (none happened): the protocol resumes, so a case closed for months
        # does not raise a missed check-in the minute it reopens.
        protocol.check_in_due_at = now + timedelta(hours=protocol.check_in_every_hours)
        protocol.overdue_raised_at = None
        protocol.save(update_fields=["check_in_due_at", "overdue_raised_at"])
    log(actor=actor, case=case, event=EventType.CASE_REOPENED, reason=reason)
    return case


_OBJECT_TYPES = {
    RunningKind.PLACEMENT: ObjectType.PLACEMENT,
    RunningKind.JOURNEY: ObjectType.TRAVEL_LEG,
    RunningKind.TASK: ObjectType.TASK,
    RunningKind.INCIDENT: ObjectType.INCIDENT,
    RunningKind.APPLICATION: ObjectType.APPLICATION,
}


def _end(actor: Actor, case: Case, item: RunningItem) -> None:
    if item.kind is RunningKind.PLACEMENT:
        placement = case.placements.get(pk=item.object_id)
        logistics.end_placement(
            actor=actor, placement=placement, ends_on=max(clock.today(), placement.starts_on)
        )
    elif item.kind is RunningKind.JOURNEY:
        leg = case.legs.get(pk=item.object_id)
        logistics.cancel_travel_leg(actor=actor, leg=leg, reason="case_closed")
    elif item.kind is RunningKind.TASK:
        work.complete_task(actor=actor, task=case.tasks.get(pk=item.object_id))
