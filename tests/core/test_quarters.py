"""Quarter arithmetic, the one copy tallies, reports, the demo and the routes board use."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.core.quarters import quarter_bounds, quarter_of, quarter_start, quarters_between
from corridor.reports.periods import parse_period

pytestmark = pytest.mark.pure


def test_a_day_and_its_quarter():
    assert quarter_of(date(2025, 8, 14)) == "2025Q3"
    assert quarter_start(date(2025, 12, 31)) == date(2025, 10, 1)
    assert quarter_bounds(2024, 1) == (date(2024, 1, 1), date(2024, 3, 31))


def test_quarters_across_a_new_year_and_a_reports_period():
    assert quarters_between(date(2024, 12, 1), date(2025, 2, 1)) == ("2024Q4", "2025Q1")
    assert quarters_between(date(2025, 2, 1), date(2024, 12, 1)) == ()
    assert parse_period("2025").quarters == ("2025Q1", "2025Q2", "2025Q3", "2025Q4")
    assert parse_period("2025q2").end == date(2025, 6, 30)
