"""Anonymous counters that outlive the records they count (e.g. intake requests).

Intake calls `increment` when a request arrives and again when it is decided,
so the number of requests per quarter, channel and outcome survives the erasure
of declined and suspected requests. A row holds a name, a coarse period, a few
codes and a count: no id, no timestamp, no free text. That defends against the
tally becoming a second, unerasable record of who wrote and when: a period
finer than a month or a dimension that is not a short code is refused.
Callers write it inside their own audited transaction; the tally itself is not
audited (an audit row per increment would log the very times it leaves out).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from corridor.core.exceptions import InvalidInput
from corridor.core.models import Tally

# The intake tally the reports read. Dimensions: `channel` (portal, hotline, referral, …)
# and `outcome`: `received` on arrival, then the decision (accepted, declined, duplicate,
# suspected) counted under the quarter the request ARRIVED in, so each quarter's outcomes
# add up to no more than its arrivals.
INTAKE_REQUESTS = "intake.requests"
RECEIVED = "received"

NAME_INVALID = "A tally name is lower-case letters, digits, dots and underscores."
PERIOD_INVALID = "A tally period is a year (2025), a quarter (2025Q3) or a month (2025-07)."
DIMENSION_INVALID = "Tally dimensions are short codes: lower-case letters, digits, _ and -."
COUNT_INVALID = "A tally grows by a positive whole number."

_NAME = re.compile(r"[a-z][a-z0-9_.]{0,59}")
_PERIOD = re.compile(r"\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,30}")
_VALUE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class TallyCount:
    period: str
    dimensions: dict[str, str]
    count: int


def increment(name: str, *, period: str, by: int = 1, **dimensions: str) -> None:
    """Add `by` to the counter `name` for `period` and `dimensions`, creating it at 0."""
    if not _NAME.fullmatch(name):
        raise InvalidInput(NAME_INVALID)
    if not _PERIOD.fullmatch(period):
        raise InvalidInput(PERIOD_INVALID)
    if isinstance(by, bool) or not isinstance(by, int) or by < 1:
        raise InvalidInput(COUNT_INVALID)
    key = _canonical(dimensions)
    with transaction.atomic():
        rows = Tally.objects.filter(name=name, period=period, dimensions=key)
        if rows.update(count=F("count") + by):
            return
        try:
            # A savepoint: a concurrent first increment may insert the row between our
            # update and this insert; then the update below adds to theirs.
            with transaction.atomic():
                Tally.objects.create(name=name, period=period, dimensions=key, count=by)
        except IntegrityError:
            rows.update(count=F("count") + by)


def list_tallies(name: str, *, periods: Collection[str] | None = None) -> list[TallyCount]:
    """Every counter of `name` (in `periods`, if given), ordered by period and dimensions."""
    rows = Tally.objects.filter(name=name)
    if periods is not None:
        rows = rows.filter(period__in=list(periods))
    return [
        TallyCount(period=row.period, dimensions=_parse(row.dimensions), count=row.count)
        for row in rows.order_by("period", "dimensions")
    ]


def _canonical(dimensions: dict[str, str]) -> str:
    for key, value in dimensions.items():
        if not _KEY.fullmatch(key) or not isinstance(value, str) or not _VALUE.fullmatch(value):
            raise InvalidInput(DIMENSION_INVALID)
    text = ";".join(f"{key}={dimensions[key]}" for key in sorted(dimensions))
    if len(text) > 200:
        raise InvalidInput(DIMENSION_INVALID)
    return text


def _parse(text: str) -> dict[str, str]:
    if not text:
        return {}
    return dict(item.split("=", 1) for item in text.split(";"))
