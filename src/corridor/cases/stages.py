"""The rules of a case's life, as tables and pure functions (no database).

A case has a coarse phase that the per-person milestones drive forward, overlay
flags that can hold in any open phase, and a closure reason once closed. Every
refusal is a sentence in plain words saying what is missing, so the person at
the screen knows what to do next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from corridor.cases.models import ClosureReason, Flag, MilestoneKind, Phase
from corridor.core.exceptions import InvalidInput

PHASE_ORDER: tuple[Phase, ...] = (
    Phase.INTAKE,
    Phase.VERIFICATION,
    Phase.SAFETY,
    Phase.PREPARATION,
    Phase.DEPARTURE,
    Phase.ARRIVED,
    Phase.FOLLOW_UP,
    Phase.CLOSED,
)
MILESTONE_ORDER: tuple[MilestoneKind, ...] = tuple(MilestoneKind)
STEP_BEFORE: dict[MilestoneKind, MilestoneKind] = dict(
    zip(MILESTONE_ORDER[1:], MILESTONE_ORDER, strict=False)
)

# A milestone needs these milestones of the same person first.
MILESTONE_NEEDS: dict[MilestoneKind, tuple[MilestoneKind, ...]] = {
    MilestoneKind.LEFT_COUNTRY: (MilestoneKind.OUT_OF_REGION,),
    MilestoneKind.ARRIVED: (MilestoneKind.LEFT_COUNTRY,),
    MilestoneKind.STATUS_OBTAINED: (MilestoneKind.ARRIVED,),
}

# A phase is reached when every person in the household holds these milestones.
PHASE_NEEDS: dict[Phase, tuple[MilestoneKind, ...]] = {
    Phase.SAFETY: (MilestoneKind.OUT_OF_REGION,),
    Phase.PREPARATION: (MilestoneKind.OUT_OF_REGION, MilestoneKind.SAFE_PLACE),
    Phase.DEPARTURE: (MilestoneKind.DOCUMENTS_READY, MilestoneKind.VISA_GRANTED),
    Phase.ARRIVED: (MilestoneKind.ARRIVED,),
    Phase.FOLLOW_UP: (MilestoneKind.ARRIVED, MilestoneKind.STATUS_OBTAINED),
}

# Phases a case may be moved back to after a setback (a person returned, a visa fell
# through): only with a reason, and never into intake, which is before any help.
SETBACK_TARGETS = frozenset({Phase.VERIFICATION, Phase.SAFETY, Phase.PREPARATION})
SETBACK_REASONS = frozenset(
    {"returned_to_region", "visa_refused", "documents_lost", "placement_ended", "other_setback"}
)

# Closure reasons that need every person to have arrived.
CLOSURE_NEEDS: dict[ClosureReason, tuple[MilestoneKind, ...]] = {
    ClosureReason.SAFE: (MilestoneKind.ARRIVED,),
}

MILESTONE_IN_FUTURE = _("A milestone cannot be dated in the future.")
MILESTONE_BEFORE_PREVIOUS = _("“%(kind)s” cannot be dated before “%(previous)s” (%(date)s).")
MILESTONE_NEEDS_FIRST = _("Record “%(needed)s” for this person first.")
MILESTONE_TWICE = _("This person already has “%(kind)s”.")
CASE_CLOSED = _("The case is closed: reopen it first.")
PHASE_NEEDS_MILESTONES = _(
    "To move to %(phase)s, every person needs: %(needs)s. Missing for %(count)s person(s)."
)
BACKWARD_NEEDS_SETBACK = _(
    "A case moves back only to verification, safety or preparation, with a reason."
)
CLOSE_WITH_TRANSITION = _("Close a case with a closure reason, not as a phase change.")
CLOSURE_UNKNOWN = _("Choose one of the closure reasons.")
CLOSURE_NEEDS_ARRIVAL = _("A case closes as “safe” only when every person has arrived.")
REOPEN_ONLY_CLOSED = _("Only a closed case can be reopened.")
FLAG_ON_CLOSED = _("Flags cannot be raised on a closed case.")
FLAG_ALREADY = _("The flag “%(flag)s” is already raised.")
FLAG_NOT_RAISED = _("The flag “%(flag)s” is not raised.")
SAME_PHASE = _("The case is already in this phase.")
MILESTONE_AFTER_NEXT = _("“%(kind)s” cannot be dated after “%(later)s” (%(date)s).")
MILESTONE_NEEDED_BY = _("Retract “%(later)s” first: it needs “%(kind)s”.")
MILESTONE_SAME_DATE = _("That is the date already recorded.")


class StageProblem(InvalidInput):
    """A change to a case's phase, milestones, flags or closure is not allowed now."""


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at: the phase, each person's milestones, the open flags."""

    phase: Phase
    members: Sequence[Mapping[MilestoneKind, date]]
    flags: frozenset[Flag] = field(default_factory=frozenset)


def check_milestone(
    milestones: Mapping[MilestoneKind, date], kind: MilestoneKind, on: date, today: date
) -> None:
    """Refuse a milestone dated in the future, out of order, repeated, or before its needs."""
    if on > today:
        raise StageProblem(str(MILESTONE_IN_FUTURE))
    if kind in milestones:
        raise StageProblem(str(MILESTONE_TWICE % {"kind": kind.label}))
    for needed in MILESTONE_NEEDS.get(kind, ()):
        if needed not in milestones:
            raise StageProblem(str(MILESTONE_NEEDS_FIRST % {"needed": needed.label}))
    position = MILESTONE_ORDER.index(kind)
    for previous in MILESTONE_ORDER[:position]:
        reached = milestones.get(previous)
        if reached is not None and on < reached:
            raise StageProblem(
                str(
                    MILESTONE_BEFORE_PREVIOUS
                    % {"kind": kind.label, "previous": previous.label, "date": reached.isoformat()}
                )
            )


def check_milestone_date(
    others: Mapping[MilestoneKind, date], kind: MilestoneKind, on: date, today: date
) -> None:
    """Refuse a corrected date for `kind` (`others`: the person's other steps) that is in the
    future, before a step it follows, or after a step that needs it."""
    rest = {other: reached for other, reached in others.items() if other is not kind}
    check_milestone(rest, kind, on, today)
    for later, needs in MILESTONE_NEEDS.items():
        reached = rest.get(later)
        if kind in needs and reached is not None and on > reached:
            raise StageProblem(
                str(
                    MILESTONE_AFTER_NEXT
                    % {"kind": kind.label, "later": later.label, "date": reached.isoformat()}
                )
            )


def check_retraction(milestones: Mapping[MilestoneKind, date], kind: MilestoneKind) -> None:
    """Refuse retracting a step that a later step of the same person needs."""
    for later, needs in MILESTONE_NEEDS.items():
        if kind in needs and later in milestones:
            raise StageProblem(
                str(MILESTONE_NEEDED_BY % {"later": later.label, "kind": kind.label})
            )


def phase_after_retraction(facts: CaseFacts) -> Phase:
    """The phase once a step is retracted: unchanged while the milestones still carry it,
    else where they do carry the case (at least verification, never further than now)."""
    if facts.phase is Phase.CLOSED or facts.phase not in PHASE_NEEDS:
        return facts.phase
    if missing_for(facts.phase, facts.members) == 0:
        return facts.phase
    carried = derived_phase(CaseFacts(phase=Phase.VERIFICATION, members=facts.members))
    return min(carried, facts.phase, key=PHASE_ORDER.index)


def missing_for(phase: Phase, members: Sequence[Mapping[MilestoneKind, date]]) -> int:
    """How many persons still lack a milestone the phase needs (0: the phase is reached)."""
    needs = PHASE_NEEDS.get(phase, ())
    if not members:
        return 1 if needs else 0
    return sum(1 for person in members if any(kind not in person for kind in needs))


def derived_phase(facts: CaseFacts) -> Phase:
    """The phase the milestones have carried the case to: never behind the current one.

    Intake and verification end by a decision, not a milestone, unless a person
    is already out of danger (an emergency evacuation before verification ends).
    """
    if facts.phase is Phase.CLOSED:
        return Phase.CLOSED
    best: Phase = facts.phase
    for phase in PHASE_ORDER[PHASE_ORDER.index(facts.phase) + 1 : -1]:
        if phase in PHASE_NEEDS and missing_for(phase, facts.members) == 0:
            best = phase
    return best


def check_transition(facts: CaseFacts, to: Phase, *, setback_reason: str = "") -> None:
    """Refuse a manual phase change that the rules do not allow, saying what is missing."""
    if facts.phase is Phase.CLOSED:
        raise StageProblem(str(CASE_CLOSED))
    if to is Phase.CLOSED:
        raise StageProblem(str(CLOSE_WITH_TRANSITION))
    if to is facts.phase:
        raise StageProblem(str(SAME_PHASE))
    if PHASE_ORDER.index(to) < PHASE_ORDER.index(facts.phase):
        if to not in SETBACK_TARGETS or setback_reason not in SETBACK_REASONS:
            raise StageProblem(str(BACKWARD_NEEDS_SETBACK))
        return
    count = missing_for(to, facts.members)
    if count:
        needs = ", ".join(str(kind.label) for kind in PHASE_NEEDS[to])
        raise StageProblem(
            str(PHASE_NEEDS_MILESTONES % {"phase": to.label, "needs": needs, "count": count})
        )


def check_closure(facts: CaseFacts, reason: str) -> ClosureReason:
    """The closure reason, if the case may close for it now."""
    if facts.phase is Phase.CLOSED:
        raise StageProblem(str(CASE_CLOSED))
    try:
        closure = ClosureReason(reason)
    except ValueError:
        raise StageProblem(str(CLOSURE_UNKNOWN)) from None
    for needed in CLOSURE_NEEDS.get(closure, ()):
        if not facts.members or any(needed not in person for person in facts.members):
            raise StageProblem(str(CLOSURE_NEEDS_ARRIVAL))
    return closure


def phase_after_reopening(facts: CaseFacts) -> Phase:
    """A reopened case goes back to where its milestones put it (at least verification)."""
    if facts.phase is not Phase.CLOSED:
        raise StageProblem(str(REOPEN_ONLY_CLOSED))
    return derived_phase(CaseFacts(phase=Phase.VERIFICATION, members=facts.members))


def check_flag_change(facts: CaseFacts, flag: Flag, *, raise_it: bool) -> None:
    if raise_it:
        if facts.phase is Phase.CLOSED:
            raise StageProblem(str(FLAG_ON_CLOSED))
        if flag in facts.flags:
            raise StageProblem(str(FLAG_ALREADY % {"flag": flag.label}))
    elif flag not in facts.flags:
        raise StageProblem(str(FLAG_NOT_RAISED % {"flag": flag.label}))


def next_phase_needs(facts: CaseFacts) -> tuple[Phase, tuple[MilestoneKind, ...]] | None:
    """The next phase the milestones can reach and what it needs, for the case page."""
    if facts.phase is Phase.CLOSED:
        return None
    for phase in PHASE_ORDER[PHASE_ORDER.index(facts.phase) + 1 : -1]:
        if phase in PHASE_NEEDS:
            return phase, PHASE_NEEDS[phase]
    return None


def milestones_by_person(
    rows: Iterable[tuple[object, MilestoneKind | str, date]],
) -> dict[object, dict[MilestoneKind, date]]:
    """Group (person id, kind, date) rows into one mapping per person."""
    grouped: dict[object, dict[MilestoneKind, date]] = {}
    for person_id, kind, reached_on in rows:
        grouped.setdefault(person_id, {})[MilestoneKind(kind)] = reached_on
    return grouped


def days_after_previous(reached: Mapping[MilestoneKind, date], kind: MilestoneKind) -> int | None:
    """Days from the person's step before `kind` to `kind`, both in `reached`; else None."""
    before = STEP_BEFORE.get(kind)
    if before is None or before not in reached or kind not in reached:
        return None
    return (reached[kind] - reached[before]).days
