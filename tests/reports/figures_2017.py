"""A generated caseload with the shape of the 2017 evacuation (pathways.md §1.3 and §4):
by the end of June more than 120 contacts, more than 60 out of Chechnya and 27 out of
Russia; by the end of the year more than 170 contacts, 106 out of the region and 88 out
of the country. The hotline opened on 29 March and the first request came on 2 April, so
the first quarter has none. Fictional people: only the counts and dates follow the sources.
"""

from __future__ import annotations

from datetime import date, timedelta

from corridor.cases.models import MilestoneKind
from tests.reports.plain_caseload import PlainCase, insert_caseload

# Per quarter of 2017: (contacted, out of the region, out of the country).
BY_QUARTER = {
    "2017Q1": (0, 0, 0),
    "2017Q2": (122, 62, 27),
    "2017Q3": (30, 28, 35),
    "2017Q4": (18, 16, 26),
}
TOTALS = (170, 106, 88)


def spread(first: date, last: date, count: int) -> list[date]:
    """`count` dates from first to last, evenly."""
    if count == 0:
        return []
    step = (last - first).days / max(count - 1, 1)
    return [first + timedelta(days=round(i * step)) for i in range(count)]


def insert_2017_caseload() -> None:
    contacts = (
        spread(date(2017, 4, 2), date(2017, 6, 30), 122)
        + spread(date(2017, 7, 1), date(2017, 9, 30), 30)
        + spread(date(2017, 10, 1), date(2017, 12, 20), 18)
    )
    out = (
        spread(date(2017, 4, 7), date(2017, 6, 30), 62)
        + spread(date(2017, 7, 3), date(2017, 9, 30), 28)
        + spread(date(2017, 10, 2), date(2017, 12, 20), 16)
    )
    left = (
        spread(date(2017, 5, 26), date(2017, 6, 30), 27)
        + spread(date(2017, 7, 5), date(2017, 9, 30), 35)
        + spread(date(2017, 10, 5), date(2017, 12, 28), 26)
    )
    cases = []
    for index, contacted in enumerate(contacts):
        steps: dict[str, date] = {}
        if index < len(out):
            steps[MilestoneKind.OUT_OF_REGION] = max(out[index], contacted)
        if index < len(left):
            steps[MilestoneKind.LEFT_COUNTRY] = max(left[index], steps[MilestoneKind.OUT_OF_REGION])
        cases.append(PlainCase(opened=contacted, people=[steps], region="RU-CE"))
    insert_caseload(cases)
