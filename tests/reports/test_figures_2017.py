"""The public report reproduces the shape of the 2017 figures from a generated caseload."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.reports import public
from corridor.reports.public_layout import public_document
from corridor.reports.rendering import public_csv
from corridor.reports.suppression import TOTAL
from tests.reports.conftest import public_report, read_csv
from tests.reports.figures_2017 import BY_QUARTER, TOTALS, insert_2017_caseload

pytestmark = pytest.mark.django_db
PUBLISHED_ON = date(2018, 8, 1)
ROWS = ("contacted", "out_of_region", "left_country")


def test_the_2017_figures_by_quarter():
    """Contacted, out of the region and out of the country, per quarter and for the year."""
    insert_2017_caseload()
    report = public_report("2017", today=PUBLISHED_ON)
    _header, cells = read_csv(public_csv(report))
    for quarter, expected in BY_QUARTER.items():
        got = tuple(int(cells[(public.MILESTONES, row, quarter)]) for row in ROWS)
        assert got == expected, quarter
    assert tuple(int(cells[(public.MILESTONES, row, TOTAL)]) for row in ROWS) == TOTALS
    assert cells[(public.REGIONS, "RU-CE", TOTAL)] == "170"


def test_cumulative_figures_match_the_sources():
    """By the end of June: more than 120 contacts, more than 60 out, 27 out of Russia
    (pathways.md §1.3); by the end of the year 170, 106 and 88 (§4)."""
    insert_2017_caseload()
    _header, cells = read_csv(public_csv(public_report("2017", today=PUBLISHED_ON)))
    june = [
        int(cells[(public.MILESTONES, row, "2017Q1")])
        + int(cells[(public.MILESTONES, row, "2017Q2")])
        for row in ROWS
    ]
    assert june[0] > 120
    assert june[1] > 60
    assert june[2] == 27


def test_the_summary_states_the_headline_numbers():
    insert_2017_caseload()
    document = public_document(public_report("2017", today=PUBLISHED_ON), language="en")
    assert (
        "170 people contacted us, 106 got out of the danger region and 88 left the country."
        in document.summary
    )
