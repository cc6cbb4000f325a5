"""Report tests: plain caseloads, a frozen today, and reading the public CSV back."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from corridor.reports.periods import parse_period
from corridor.reports.public import PublicReport, build_public_report

TODAY = date(2026, 11, 25)


def public_report(period: str = "2025", *, k: int = 5, today: date = TODAY) -> PublicReport:
    return build_public_report(parse_period(period), k=k, lag_months=6, today=today)


def read_csv(data: bytes) -> tuple[list[str], dict[tuple[str, str, str], str]]:
    """The header and {(table, row, column): value} of a public CSV."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return rows[0], {(t, r, c): v for t, r, c, v in rows[1:]}


@pytest.fixture
def frozen_today(time_machine):
    time_machine.move_to(TODAY.isoformat() + " 12:00:00+00:00", tick=False)
    return TODAY
