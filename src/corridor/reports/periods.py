"""Report periods: calendar years (`2025`) and quarters (`2025Q3`), and the publication lag.

Public figures only cover whole calendar quarters or years that ended at least
the lag before today: a count of people who left "last month" would tell a
hunter when to look, a count for a quarter half a year ago tells much less.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.core.exceptions import InvalidInput
from corridor.core.quarters import quarter_bounds, quarter_label, quarters_between

PERIOD_INVALID = _("A period is a year such as 2025 or a quarter such as 2025Q3.")
PERIOD_TOO_RECENT = ngettext_lazy(
    "That period is too recent to publish: it must end at least %(months)s month before "
    "today; the latest whole year that can be published is %(latest)s.",
    "That period is too recent to publish: it must end at least %(months)s months before "
    "today; the latest whole year that can be published is %(latest)s.",
    "months",
)
_PERIOD = re.compile(r"(\d{4})(?:Q([1-4]))?")


@dataclass(frozen=True)
class Period:
    """A calendar year or quarter: its code, first and last day, and its quarters."""

    code: str
    start: date
    end: date

    @property
    def quarters(self) -> tuple[str, ...]:
        return quarters_between(self.start, self.end)

    @property
    def is_year(self) -> bool:
        return "Q" not in self.code


def parse_period(raw: str) -> Period:
    """`2025` or `2025Q3` (case-insensitive), or InvalidInput."""
    match = _PERIOD.fullmatch(raw.strip().upper())
    if match is None or not 1900 <= int(match.group(1)) <= 9999:
        raise InvalidInput(str(PERIOD_INVALID))
    year = int(match.group(1))
    if match.group(2) is None:
        return Period(code=str(year), start=date(year, 1, 1), end=date(year, 12, 31))
    quarter = int(match.group(2))
    start, end = quarter_bounds(year, quarter)
    return Period(code=quarter_label(year, quarter), start=start, end=end)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def latest_public_year(today: date, lag_months: int) -> Period:
    """The latest calendar year that ended at least `lag_months` before `today`."""
    cutoff = months_before(today, lag_months)
    year = cutoff.year if (cutoff.month, cutoff.day) == (12, 31) else cutoff.year - 1
    return parse_period(str(year))


def check_public_period(period: Period, *, today: date, lag_months: int) -> None:
    """Refuse a period that ends less than `lag_months` before `today`."""
    if period.end > months_before(today, lag_months):
        latest = latest_public_year(today, lag_months).code
        raise InvalidInput(str(PERIOD_TOO_RECENT % {"months": lag_months, "latest": latest}))
