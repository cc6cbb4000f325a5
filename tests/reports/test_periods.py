"""Report periods: whole quarters and years, and the publication lag."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.core.exceptions import InvalidInput
from corridor.reports.periods import (
    check_public_period,
    latest_public_year,
    months_before,
    parse_period,
)

pytestmark = pytest.mark.pure


def test_a_year_has_four_quarters():
    period = parse_period("2025")
    assert (period.start, period.end, period.is_year) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
        True,
    )
    assert period.quarters == ("2025Q1", "2025Q2", "2025Q3", "2025Q4")


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2025Q1", date(2025, 1, 1), date(2025, 3, 31)),
        ("2024q1", date(2024, 1, 1), date(2024, 3, 31)),
        (" 2025Q3 ", date(2025, 7, 1), date(2025, 9, 30)),
        ("2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_a_quarter_is_three_calendar_months(raw, start, end):
    period = parse_period(raw)
    assert (period.start, period.end, period.quarters) == (start, end, (period.code,))


@pytest.mark.parametrize(
    "raw", ["", "25", "2025Q0", "2025Q5", "2025-07", "2025H1", "last year", "0999"]
)
def test_anything_else_is_refused(raw):
    with pytest.raises(InvalidInput, match="2025Q3"):
        parse_period(raw)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 11, 25), 6, date(2026, 5, 25)),
        (date(2026, 8, 31), 6, date(2026, 2, 28)),
        (date(2026, 3, 15), 6, date(2025, 9, 15)),
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
    ],
)
def test_months_before_clamps_to_the_month_end(day, months, expected):
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("today", "lag", "year"),
    [
        (date(2026, 11, 25), 6, "2025"),
        (date(2026, 7, 1), 6, "2025"),
        (date(2026, 6, 30), 6, "2024"),
        (date(2026, 1, 10), 0, "2025"),
        (date(2025, 12, 31), 0, "2025"),
    ],
)
def test_the_default_is_the_latest_whole_year_the_lag_allows(today, lag, year):
    assert latest_public_year(today, lag).code == year


def test_a_period_ending_inside_the_lag_is_refused_and_the_latest_named():
    today = date(2026, 11, 25)
    check_public_period(parse_period("2026Q1"), today=today, lag_months=6)
    check_public_period(parse_period("2025"), today=today, lag_months=6)
    for recent in ("2026Q2", "2026", "2027"):
        with pytest.raises(InvalidInput, match=r"latest whole year .* is 2025"):
            check_public_period(parse_period(recent), today=today, lag_months=6)
