"""What the report selectors share: period filters, counts per quarter, day differences.

Every figure is a GROUP BY in the database over plain columns (codes, dates,
amounts); durations come back as histograms of whole days. Quarters and day
differences are computed with the database's own date functions, so a
hundred thousand rows never pass through Python one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db.models import Count, DateField, Func, IntegerField, Q
from django.db.models.expressions import Combinable

from corridor.reports.periods import Period, parse_period

OTHER = "other"


def within(field: str, period: Period | None, *, moment: bool = False) -> Q:
    """`field` falls in the period (everything when None); `moment` for datetime columns."""
    if period is None:
        return Q()
    if moment:
        start = datetime.combine(period.start, time.min, tzinfo=UTC)
        end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=UTC)
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def per_quarter(
    field: str, period: Period, *, moment: bool = False, count: str = "id"
) -> dict[str, Count]:
    """One count per quarter of the period (`q0`, `q1`, …), each filtered on `field`."""
    return {
        f"q{index}": Count(count, filter=within(field, parse_period(quarter), moment=moment))
        for index, quarter in enumerate(period.quarters)
    }


def quarter_counts(row: dict[str, Any], period: Period) -> Iterator[tuple[str, int]]:
    """(quarter, count) from a row annotated by per_quarter."""
    for index, quarter in enumerate(period.quarters):
        yield quarter, int(row[f"q{index}"])


class DateOf(Func):
    """The calendar date (UTC) of a datetime column."""

    output_field = DateField()
    template = "((%(expressions)s) AT TIME ZONE 'UTC')::date"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s)", **extra)


class DaysBetween(Func):
    """Whole days from the second date to the first, in the database's native arithmetic
    (Django's own date subtraction calls back into Python for every row on SQLite)."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra,
        )


def days_between(later: str | Combinable, earlier: str | Combinable) -> DaysBetween:
    """later - earlier, two dates, in whole days."""
    return DaysBetween(later, earlier)


def histogram(
    rows: Iterable[dict[str, Any]], *, key: str = "days", count: str = "n"
) -> dict[int, int]:
    """{whole days: how many} from grouped rows; negative spans (data entry slips) dropped."""
    result: dict[int, int] = defaultdict(int)
    for row in rows:
        days = row[key]
        if days is not None and int(days) >= 0:
            result[int(days)] += row[count]
    return dict(result)


def histograms_by(
    rows: Iterable[dict[str, Any]], by: str | None, *, key: str = "days"
) -> dict[str, dict[int, int]]:
    """{value of `by` (or "" when None): histogram} from rows grouped by `by` and `key`."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row[by] or "") if by else ""].append(row)
    return {group: histogram(items, key=key) for group, items in groups.items()}
