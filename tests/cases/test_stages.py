"""The rules of a case's life, as tables (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.cases.models import ClosureReason, Flag, Phase
from corridor.cases.models import MilestoneKind as M
from corridor.cases.stages import (
    CaseFacts,
    StageProblem,
    check_closure,
    check_flag_change,
    check_milestone,
    check_transition,
    derived_phase,
    next_phase_needs,
    phase_after_reopening,
)

pytestmark = pytest.mark.pure
TODAY = date(2026, 6, 1)
D = date(2026, 5, 1)
ALL = dict.fromkeys(M, D)


def facts(phase: Phase, *members: dict, flags: frozenset = frozenset()) -> CaseFacts:
    return CaseFacts(phase=phase, members=list(members), flags=flags)


@pytest.mark.parametrize(
    ("current", "members", "expected"),
    [
        (Phase.INTAKE, [{}], Phase.INTAKE),
        (Phase.VERIFICATION, [{}], Phase.VERIFICATION),
        (Phase.VERIFICATION, [{M.OUT_OF_REGION: D}], Phase.SAFETY),
        (Phase.INTAKE, [{M.OUT_OF_REGION: D}], Phase.SAFETY),
        (Phase.SAFETY, [{M.OUT_OF_REGION: D, M.SAFE_PLACE: D}], Phase.PREPARATION),
        (Phase.SAFETY, [{M.OUT_OF_REGION: D, M.SAFE_PLACE: D}, {M.OUT_OF_REGION: D}], Phase.SAFETY),
        (
            Phase.PREPARATION,
            [{M.DOCUMENTS_READY: D, M.VISA_GRANTED: D, M.OUT_OF_REGION: D, M.SAFE_PLACE: D}],
            Phase.DEPARTURE,
        ),
        (Phase.PREPARATION, [{M.DOCUMENTS_READY: D}], Phase.PREPARATION),
        (Phase.DEPARTURE, [{M.ARRIVED: D, M.LEFT_COUNTRY: D, M.OUT_OF_REGION: D}], Phase.ARRIVED),
        (Phase.ARRIVED, [dict(ALL)], Phase.FOLLOW_UP),
        (Phase.SAFETY, [dict(ALL), dict(ALL)], Phase.FOLLOW_UP),
        (Phase.FOLLOW_UP, [{}], Phase.FOLLOW_UP),  # never backwards by itself
        (Phase.CLOSED, [dict(ALL)], Phase.CLOSED),
    ],
)
def test_milestones_carry_the_phase_forward(current, members, expected):
    assert derived_phase(facts(current, *members)) == expected


@pytest.mark.parametrize(
    ("existing", "kind", "on", "message"),
    [
        ({}, M.OUT_OF_REGION, date(2026, 6, 2), "future"),
        ({M.OUT_OF_REGION: D}, M.OUT_OF_REGION, D, "already has"),
        ({}, M.LEFT_COUNTRY, D, "Out of the danger region"),
        ({M.OUT_OF_REGION: D}, M.ARRIVED, D, "Left the country"),
        (
            {M.OUT_OF_REGION: D, M.LEFT_COUNTRY: D, M.ARRIVED: D},
            M.STATUS_OBTAINED,
            date(2026, 4, 1),
            "before",
        ),
        ({M.OUT_OF_REGION: date(2026, 5, 10)}, M.SAFE_PLACE, date(2026, 5, 9), "before"),
    ],
)
def test_bad_milestones_are_refused_with_a_reason(existing, kind, on, message):
    with pytest.raises(StageProblem, match=message):
        check_milestone(existing, kind, on, TODAY)


@pytest.mark.parametrize(
    ("existing", "kind", "on"),
    [
        ({}, M.OUT_OF_REGION, TODAY),
        ({}, M.SAFE_PLACE, D),  # a safe place inside the region can come first
        ({}, M.DOCUMENTS_READY, D),
        ({M.OUT_OF_REGION: D}, M.LEFT_COUNTRY, D),
        ({M.OUT_OF_REGION: D, M.LEFT_COUNTRY: D}, M.ARRIVED, date(2026, 5, 2)),
    ],
)
def test_good_milestones_pass(existing, kind, on):
    check_milestone(existing, kind, on, TODAY)


@pytest.mark.parametrize(
    ("current", "to", "members", "setback", "message"),
    [
        (Phase.SAFETY, Phase.PREPARATION, [{M.OUT_OF_REGION: D}], "", "every person needs"),
        (Phase.SAFETY, Phase.DEPARTURE, [{M.OUT_OF_REGION: D}], "", "Documents ready"),
        (Phase.PREPARATION, Phase.SAFETY, [{}], "", "moves back only"),
        (Phase.DEPARTURE, Phase.INTAKE, [{}], "visa_refused", "moves back only"),
        (Phase.DEPARTURE, Phase.SAFETY, [{}], "because", "moves back only"),
        (Phase.CLOSED, Phase.SAFETY, [{}], "", "closed"),
        (Phase.SAFETY, Phase.CLOSED, [{}], "", "closure reason"),
        (Phase.SAFETY, Phase.SAFETY, [{}], "", "already in this phase"),
    ],
)
def test_transitions_that_are_refused(current, to, members, setback, message):
    with pytest.raises(StageProblem, match=message):
        check_transition(facts(current, *members), to, setback_reason=setback)


@pytest.mark.parametrize(
    ("current", "to", "members", "setback"),
    [
        (Phase.INTAKE, Phase.VERIFICATION, [{}], ""),
        (Phase.VERIFICATION, Phase.SAFETY, [{M.OUT_OF_REGION: D}], ""),
        (Phase.DEPARTURE, Phase.SAFETY, [{}], "visa_refused"),
        (Phase.FOLLOW_UP, Phase.PREPARATION, [{}], "returned_to_region"),
        (Phase.ARRIVED, Phase.VERIFICATION, [{}], "other_setback"),
    ],
)
def test_transitions_that_are_allowed(current, to, members, setback):
    check_transition(facts(current, *members), to, setback_reason=setback)


@pytest.mark.parametrize("reason", [r for r in ClosureReason if r is not ClosureReason.SAFE])
def test_every_closure_reason_but_safe_closes_from_any_open_phase(reason):
    for phase in Phase:
        if phase is Phase.CLOSED:
            continue
        assert check_closure(facts(phase, {}), reason) is reason


def test_safe_needs_everyone_arrived():
    with pytest.raises(StageProblem, match="every person has arrived"):
        check_closure(facts(Phase.ARRIVED, {M.ARRIVED: D}, {}), "safe")
    assert check_closure(facts(Phase.ARRIVED, {M.ARRIVED: D}), "safe") is ClosureReason.SAFE


def test_unknown_closure_and_closing_twice_are_refused():
    with pytest.raises(StageProblem, match="closure reasons"):
        check_closure(facts(Phase.SAFETY, {}), "vanished")
    with pytest.raises(StageProblem, match="closed"):
        check_closure(facts(Phase.CLOSED, {}), "withdrawn")


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([{}], Phase.VERIFICATION),
        ([{M.OUT_OF_REGION: D}], Phase.SAFETY),
        ([dict(ALL)], Phase.FOLLOW_UP),
    ],
)
def test_reopening_returns_to_where_the_milestones_are(members, expected):
    assert phase_after_reopening(facts(Phase.CLOSED, *members)) == expected


def test_only_closed_cases_reopen():
    with pytest.raises(StageProblem, match="Only a closed case"):
        phase_after_reopening(facts(Phase.SAFETY, {}))


@pytest.mark.parametrize("flag", list(Flag))
def test_flags_hold_in_every_open_phase(flag):
    for phase in Phase:
        if phase is Phase.CLOSED:
            with pytest.raises(StageProblem, match="closed case"):
                check_flag_change(facts(phase, {}), flag, raise_it=True)
        else:
            check_flag_change(facts(phase, {}), flag, raise_it=True)
            with pytest.raises(StageProblem, match="already raised"):
                check_flag_change(facts(phase, {}, flags=frozenset({flag})), flag, raise_it=True)


@pytest.mark.parametrize("flag", list(Flag))
def test_a_flag_clears_only_if_raised(flag):
    check_flag_change(facts(Phase.SAFETY, {}, flags=frozenset({flag})), flag, raise_it=False)
    with pytest.raises(StageProblem, match="not raised"):
        check_flag_change(facts(Phase.SAFETY, {}), flag, raise_it=False)


def test_next_phase_names_what_it_needs():
    assert next_phase_needs(facts(Phase.VERIFICATION, {})) == (Phase.SAFETY, (M.OUT_OF_REGION,))
    assert next_phase_needs(facts(Phase.FOLLOW_UP, {})) is None
    assert next_phase_needs(facts(Phase.CLOSED, {})) is None
