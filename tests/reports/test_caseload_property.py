"""Over random caseloads, the public CSV never shows a small count or lets one be worked out."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.reports.rendering import public_csv
from corridor.reports.suppression import TOTAL
from tests.reports.conftest import public_report, read_csv
from tests.reports.plain_caseload import insert_caseload, random_caseload
from tests.reports.test_suppression import naive_upper_bound

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def grids(cells: dict[tuple[str, str, str], str]) -> dict[str, list[list[int | None]]]:
    """Each table of the CSV as a grid with its Total row and column last."""
    result = {}
    for name in dict.fromkeys(table for table, _r, _c in cells):
        rows = list(dict.fromkeys(r for t, r, _c in cells if t == name))
        columns = list(dict.fromkeys(c for t, _r, c in cells if t == name))
        assert rows[-1] == TOTAL
        assert columns[-1] == TOTAL
        result[name] = [
            [
                None if cells[(name, r, c)] == "suppressed" else int(cells[(name, r, c)])
                for c in columns
            ]
            for r in rows
        ]
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=1, max_value=150),
    k=st.integers(min_value=3, max_value=8),
    period=st.sampled_from(["2025", "2025Q1", "2025Q4"]),
)
def test_the_public_csv_of_any_caseload_is_safe(seed, count, k, period):
    """No value from 1 to k-1 is shown, and no suppressed cell's interval from its row and
    column totals lies entirely below k."""
    caseload = random_caseload(
        random.Random(seed), count, start=date(2024, 10, 1), end=date(2026, 3, 1)
    )
    with transaction.atomic():
        insert_caseload(caseload)
        data = public_csv(public_report(period, k=k))
        transaction.set_rollback(True)
    _header, cells = read_csv(data)
    for value in cells.values():
        assert value == "suppressed" or not 0 < int(value) < k
    for name, grid in grids(cells).items():
        for i, line in enumerate(grid):
            for j, value in enumerate(line):
                if value is None:
                    assert naive_upper_bound(grid, i, j) >= k, (name, i, j)
