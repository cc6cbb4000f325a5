"""Calendar quarters, in one place: the label of a day's quarter (`2025Q3`), where a
quarter starts and ends, and the quarters from one day to another.

    quarter_of(date(2025, 8, 14))          -> "2025Q3"
    quarter_start(date(2025, 8, 14))       -> date(2025, 7, 1)
    quarter_bounds(2025, 3)                -> (date(2025, 7, 1), date(2025, 9, 30))
    quarters_between(date(2024, 12, 1), date(2025, 2, 1)) -> ("2024Q4", "2025Q1")
"""

from __future__ import annotations

import calendar
from datetime import date


def quarter_number(day: date) -> int:
    """1 to 4."""
    return (day.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def quarter_of(day: date) -> str:
    """The quarter label of a day, e.g. `2025Q3`."""
    return quarter_label(day.year, quarter_number(day))


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of quarter `quarter` (1 to 4) of `year`."""
    first_month = 3 * quarter - 2
    last_month = first_month + 2
    return date(year, first_month, 1), date(
        year, last_month, calendar.monthrange(year, last_month)[1]
    )


def quarter_start(day: date) -> date:
    """The first day of the quarter `day` is in."""
    return quarter_bounds(day.year, quarter_number(day))[0]


def quarters_between(first: date, last: date) -> tuple[str, ...]:
    """The labels of every quarter from `first`'s to `last`'s, in order (none if reversed)."""
    start = first.year * 4 + quarter_number(first) - 1
    end = last.year * 4 + quarter_number(last) - 1
    return tuple(quarter_label(index // 4, index % 4 + 1) for index in range(start, end + 1))
