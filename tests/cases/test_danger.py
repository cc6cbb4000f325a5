"""The order of a caseworker's cases: danger first, and every row says why."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from corridor.cases.danger import CaseSignals, Reason, Signal, Tier, order_by_danger, rank

pytestmark = pytest.mark.pure
TODAY = date(2026, 4, 10)


def case(ref: str, **facts) -> CaseSignals:
    values = {"phase": "safety", "risk_level": "medium", "opened_on": TODAY, "members": 1}
    values.update(facts)
    return CaseSignals(ref=ref, **values)


def refs(cases: list[CaseSignals]) -> list[str]:
    return [row.signals.ref for row in order_by_danger(cases, today=TODAY)]


def test_the_tiers_come_in_the_order_of_danger():
    cases = [
        case("CR-CALM-0001", risk_level="critical"),
        case("CR-TASK-0001", overdue_tasks=1, oldest_task_due=date(2026, 4, 9)),
        case("CR-PAST-0001", risk_level="critical", opened_on=date(2026, 4, 1)),
        case("CR-FLAG-0001", flags=frozenset({"missing"})),
        case(
            "CR-CHEK-0001", overdue_check_ins=1, check_in_due_since=datetime(2026, 4, 9, tzinfo=UTC)
        ),
        case("CR-INCI-0001", incidents=("missed_check_in",)),
        case("CR-DURE-0001", incidents=("duress",)),
    ]
    assert refs(cases) == [
        "CR-DURE-0001",
        "CR-INCI-0001",
        "CR-CHEK-0001",
        "CR-FLAG-0001",
        "CR-PAST-0001",
        "CR-TASK-0001",
        "CR-CALM-0001",
    ]


def test_a_row_carries_every_reason_not_just_the_top_one():
    row = rank(
        case(
            "CR-MANY-0001",
            risk_level="high",
            opened_on=date(2025, 12, 1),
            incidents=("duress", "missed_check_in"),
            flags=frozenset({"detained", "on_hold"}),
            overdue_tasks=2,
            oldest_task_due=date(2026, 4, 6),
        ),
        today=TODAY,
    )
    assert row.tier is Tier.DURESS
    assert [reason.signal for reason in row.reasons] == [
        Signal.DURESS,
        Signal.INCIDENT,
        Signal.DETAINED,
        Signal.PAST_REGION_TARGET,
        Signal.PAST_COUNTRY_TARGET,
        Signal.TASKS_OVERDUE,
    ]
    assert row.reasons[-1] == Reason(Signal.TASKS_OVERDUE, count=2, days=4)


def test_days_past_a_target_follow_the_risk_level():
    """Critical: 2 days to leave the region, 60 to leave the country (the defaults)."""
    row = rank(case("CR-CRIT-0001", risk_level="critical", opened_on=date(2026, 4, 5)), today=TODAY)
    assert row.reasons == (Reason(Signal.PAST_REGION_TARGET, days=3, target=2),)
    low = rank(case("CR-LOWW-0001", risk_level="low", opened_on=date(2026, 4, 5)), today=TODAY)
    assert low.reasons == ()


def test_a_target_is_met_once_everyone_has_the_milestone():
    opened = date(2026, 1, 1)
    partly = rank(
        case("CR-PART-0001", risk_level="critical", opened_on=opened, members=2, out_of_region=1),
        today=TODAY,
    )
    assert Signal.PAST_REGION_TARGET in {reason.signal for reason in partly.reasons}
    everyone = rank(
        case("CR-DONE-0001", risk_level="critical", opened_on=opened, members=2, out_of_region=2),
        today=TODAY,
    )
    assert {reason.signal for reason in everyone.reasons} == {Signal.PAST_COUNTRY_TARGET}


def test_an_unassessed_case_has_no_targets():
    assert (
        rank(case("CR-NONE-0001", risk_level="", opened_on=date(2020, 1, 1)), today=TODAY).reasons
        == ()
    )


def test_within_a_tier_the_bigger_figure_comes_first():
    assert refs(
        [
            case("CR-ONEE-0001", incidents=("raid",)),
            case("CR-TWOO-0001", incidents=("raid", "missing")),
        ]
    ) == ["CR-TWOO-0001", "CR-ONEE-0001"]
    assert refs(
        [
            case(
                "CR-LATE-0001",
                overdue_check_ins=1,
                check_in_due_since=datetime(2026, 4, 9, 12, tzinfo=UTC),
            ),
            case(
                "CR-EARL-0001",
                overdue_check_ins=1,
                check_in_due_since=datetime(2026, 4, 9, 8, tzinfo=UTC),
            ),
        ]
    ) == ["CR-EARL-0001", "CR-LATE-0001"]
    assert refs(
        [
            case("CR-NEAR-0001", risk_level="high", opened_on=date(2026, 4, 1)),
            case("CR-FARR-0001", risk_level="high", opened_on=date(2026, 3, 1)),
        ]
    ) == ["CR-FARR-0001", "CR-NEAR-0001"]


def test_calm_cases_go_by_risk_level_then_the_nearest_next_action():
    assert refs(
        [
            case("CR-LOWW-0001", risk_level="low", next_task_due=date(2026, 4, 11)),
            case("CR-HIGH-0002", risk_level="high", next_task_due=date(2026, 4, 20)),
            case("CR-HIGH-0001", risk_level="high", next_task_due=date(2026, 4, 12)),
            case("CR-NONE-0001", risk_level=""),
        ]
    ) == ["CR-HIGH-0001", "CR-HIGH-0002", "CR-LOWW-0001", "CR-NONE-0001"]
