"""The public report's tables and CSV: the contract, never-publish, small categories, statistics."""

from __future__ import annotations

import re
from datetime import date

import pytest

from corridor.cases.models import MilestoneKind
from corridor.pathways.models import ApplicationStatus
from corridor.reports import public
from corridor.reports.public_layout import public_document
from corridor.reports.rendering import public_csv
from corridor.reports.services import mark_never_publish
from corridor.reports.suppression import TOTAL
from tests.reports.conftest import public_report, read_csv
from tests.reports.plain_caseload import PlainApplication, PlainCase, insert_caseload

pytestmark = pytest.mark.django_db
LABEL = re.compile(r"[a-z0-9_]+|[a-z0-9]+(-[a-z0-9]+)+|[A-Z]{2}(-[A-Z0-9]{1,3})?|\d{4}Q[1-4]|Total")


def granted(country: str, route: str, on: date, people: int = 1) -> PlainCase:
    return PlainCase(
        opened=date(2025, 1, 5),
        people=[{} for _ in range(people)],
        applications=[
            PlainApplication(
                country=country,
                route_id=route,
                status=ApplicationStatus.GRANTED,
                submitted_on=date(2025, 1, 10),
                decided_on=on,
                people=tuple(range(people)),
            )
        ],
    )


def spread_caseload() -> None:
    """Enough people that most cells are large: 40 per quarter, most leaving the region."""
    cases = []
    for quarter in range(4):
        for n in range(40):
            opened = date(2025, 3 * quarter + 1, 1 + n % 20)
            steps = {MilestoneKind.OUT_OF_REGION: date(2025, 3 * quarter + 2, 1 + n % 25)}
            if n % 2:
                steps[MilestoneKind.SAFE_PLACE] = date(2025, 3 * quarter + 3, 1 + n % 25)
            cases.append(
                PlainCase(opened=opened, people=[steps], region="RU-CE" if n % 4 else "RU-IN")
            )
    insert_caseload(cases)


def test_the_csv_keeps_the_contract(frozen_today):
    """UTF-8, the exact header, each table with a Total row and column, codes as labels,
    values non-negative integers or `suppressed`, nothing from 1 to k-1."""
    spread_caseload()
    insert_caseload([granted("DE", "de-humanitarian-admission", date(2025, 5, 2), 7)])
    header, cells = read_csv(public_csv(public_report()))
    assert header == ["table", "row", "column", "value"]
    assert {table for table, _r, _c in cells} == set(public.TABLE_ORDER)
    for (table, row, column), value in cells.items():
        assert LABEL.fullmatch(row), row
        assert LABEL.fullmatch(column), column
        assert value == "suppressed" or (value.isdigit() and not 0 < int(value) < 5), value
        assert (table, TOTAL, column) in cells
        assert (table, row, TOTAL) in cells
    columns = {column for _t, _r, column in cells}
    assert columns == {"2025Q1", "2025Q2", "2025Q3", "2025Q4", TOTAL}
    assert cells[(public.MILESTONES, "contacted", TOTAL)] == "167"
    assert cells[(public.MILESTONES, "contacted", "2025Q1")] == "47"
    assert cells[(public.MILESTONES, "out_of_region", TOTAL)] == "160"
    assert cells[(public.REGIONS, "RU-CE", TOTAL)] == "127"
    assert cells[(public.GRANTS_BY_COUNTRY, "DE", "2025Q2")] == "7"


def test_every_fully_shown_line_adds_up(frozen_today):
    spread_caseload()
    report = public_report()
    for table in report.tables:
        grid = table.table.grid()
        for line in grid:
            if all((grid.index(line), j) not in table.hidden for j in range(len(line))):
                assert sum(line[:-1]) == line[-1]


def test_a_never_publish_country_and_its_routes_become_other(frozen_today, coordinator):
    """France marked: no FR row, no fr- route; the people still count under `other`."""
    insert_caseload(
        [granted("FR", "fr-asylum-visa", date(2025, 4, 3), 3) for _ in range(3)]
        + [granted("DE", "de-humanitarian-admission", date(2025, 4, 3), 6)]
    )
    _header, before = read_csv(public_csv(public_report()))
    assert before[(public.GRANTS_BY_COUNTRY, "FR", TOTAL)] == "9"
    mark_never_publish(actor=coordinator, kind="country", code="fr")
    _header, after = read_csv(public_csv(public_report()))
    assert not any(row == "FR" or row.startswith("fr-") for _t, row, _c in after)
    assert after[(public.GRANTS_BY_COUNTRY, "other", TOTAL)] == "9"
    assert after[(public.GRANTS_BY_ROUTE, "other", TOTAL)] == "9"
    assert after[(public.GRANTS_BY_COUNTRY, TOTAL, TOTAL)] == "15"


def test_a_never_publish_route_becomes_other(frozen_today, coordinator):
    insert_caseload(
        [
            granted("DE", "de-humanitarian-admission", date(2025, 4, 3), 6),
            granted("DE", "de-family-reunion", date(2025, 4, 3), 6),
        ]
    )
    mark_never_publish(actor=coordinator, kind="route", code="de-family-reunion")
    _header, cells = read_csv(public_csv(public_report()))
    assert (public.GRANTS_BY_ROUTE, "de-family-reunion", TOTAL) not in cells
    assert cells[(public.GRANTS_BY_ROUTE, "other", TOTAL)] == "6"
    assert cells[(public.GRANTS_BY_COUNTRY, "DE", TOTAL)] == "12"


def test_a_country_below_k_for_the_period_is_never_named(frozen_today):
    """Two people granted by Switzerland in a year: `CH` would say someone went there."""
    insert_caseload(
        [
            granted("CH", "ch-humanitarian-visa", date(2025, 2, 3), 2),
            granted("DE", "de-humanitarian-admission", date(2025, 2, 3), 9),
        ]
    )
    _header, cells = read_csv(public_csv(public_report()))
    assert not any(row in ("CH", "ch-humanitarian-visa") for _t, row, _c in cells)
    assert cells[(public.GRANTS_BY_COUNTRY, "other", TOTAL)] == "suppressed"
    assert cells[(public.GRANTS_BY_COUNTRY, TOTAL, TOTAL)] == "11"


def test_a_region_of_a_never_publish_country_becomes_other(frozen_today, coordinator):
    spread_caseload()
    mark_never_publish(actor=coordinator, kind="country", code="RU")
    _header, cells = read_csv(public_csv(public_report()))
    regions = {row for table, row, _c in cells if table == public.REGIONS}
    assert regions == {"other", TOTAL}


def test_a_quarter_has_one_column_and_its_total(frozen_today):
    spread_caseload()
    _header, cells = read_csv(public_csv(public_report("2025Q2")))
    assert {column for _t, _r, column in cells} == {"2025Q2", TOTAL}
    assert cells[(public.MILESTONES, "contacted", "2025Q2")] == "40"


def test_the_regions_total_and_the_contacted_row_are_hidden_together(frozen_today):
    """People by region add up to the people contacted: one hides what the other hides."""
    cases = [PlainCase(opened=date(2025, 2, 1), region="RU-CE") for _ in range(30)]
    cases += [PlainCase(opened=date(2025, 5, 1), region="RU-CE") for _ in range(3)]
    insert_caseload(cases)
    report = public_report()
    regions, milestones = report.table(public.REGIONS), report.table(public.MILESTONES)
    for column in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", TOTAL):
        assert regions.shown(regions.table.cell(TOTAL, column)) == milestones.shown(
            milestones.table.cell("contacted", column)
        )
    assert milestones.shown(milestones.table.cell("contacted", "2025Q2")) is None


def test_statistics_need_k_people(frozen_today):
    """A median over four people is not stated; over forty it is."""
    few = [
        PlainCase(
            opened=date(2025, 3, 1), people=[{MilestoneKind.OUT_OF_REGION: date(2025, 3, 11)}]
        )
        for _ in range(4)
    ]
    insert_caseload(few)
    medians = {s.code: s for s in public_report().statistics}
    assert medians["median_days_contact_to_out_of_region"].value is None
    spread_caseload()
    medians = {s.code: s for s in public_report().statistics}
    assert medians["median_days_contact_to_out_of_region"].value is not None
    assert medians["median_days_contact_to_out_of_region"].people == 164


def test_the_document_says_not_shown_and_states_no_small_number(frozen_today):
    spread_caseload()
    insert_caseload([PlainCase(opened=date(2025, 6, 1), region="RU-DA") for _ in range(2)])
    document = public_document(public_report(), language="en")
    texts = [cell for section in document.sections for row in section.rows for cell in row.cells]
    assert "not shown" in texts
    numbers = [int(text) for text in texts if text.isdigit()]
    assert not [n for n in numbers if 0 < n < 5]
    assert any("people contacted us" in line for line in document.summary)
