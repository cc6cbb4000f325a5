"""The public report: additive count tables for one published period, suppressed together.

What is counted: people by milestone (and "contacted"), by outcome (closure
reason), by region of danger, people granted a visa or permit by country and by
route, and anonymous requests by outcome — each by calendar quarter. Routes and
countries a coordinator marked "never publish", and any whose count for the
period is below k, are folded into `other` before suppression, so a small,
telling destination never appears by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from corridor.cases.models import ClosureReason, MilestoneKind
from corridor.reports import stats
from corridor.reports.periods import Period
from corridor.reports.selectors import applications, marks, people
from corridor.reports.selectors._common import OTHER
from corridor.reports.selectors.marks import NeverPublishCodes
from corridor.reports.suppression import (
    TOTAL,
    CellRef,
    CountTable,
    SuppressedTable,
    suppress_linked,
)

MILESTONES = "people_by_milestone"
OUTCOMES = "people_by_outcome"
REGIONS = "people_by_region"
GRANTS_BY_COUNTRY = "grants_by_country"
GRANTS_BY_ROUTE = "grants_by_route"
REQUESTS = "requests_by_outcome"
TABLE_ORDER = (MILESTONES, OUTCOMES, REGIONS, GRANTS_BY_COUNTRY, GRANTS_BY_ROUTE, REQUESTS)
MILESTONE_ROWS = (people.CONTACTED, *MilestoneKind.values)
REQUEST_OUTCOMES = ("accepted", "declined", "duplicate", "suspected", marks.UNDECIDED)
# Shares of the people contacted in the period that the report states, where n >= k.
RATE_MILESTONES = (
    MilestoneKind.OUT_OF_REGION,
    MilestoneKind.VISA_GRANTED,
    MilestoneKind.LEFT_COUNTRY,
    MilestoneKind.ARRIVED,
)


@dataclass(frozen=True)
class PublicCounts:
    """Everything the public report counts, as read from the database."""

    contacted: Mapping[tuple[str, str], int]  # (region, quarter)
    milestones: Mapping[tuple[str, str], int]  # (kind, quarter)
    outcomes: Mapping[tuple[str, str], int]  # (closure reason, quarter)
    grants: Mapping[tuple[str, str, str], int]  # (country, route, quarter)
    requests: Mapping[tuple[str, str, str], int]  # (quarter, channel, outcome)
    days_to_region: Mapping[int, int]
    days_region_to_country: Mapping[int, int]
    never_publish: NeverPublishCodes


@dataclass(frozen=True)
class Statistic:
    """A rate or median the PDF and HTML state; None where fewer than k people."""

    code: str
    value: float | None
    people: int


@dataclass(frozen=True)
class PublicReport:
    period: Period
    k: int
    lag_months: int
    generated_on: date
    tables: tuple[SuppressedTable, ...]
    statistics: tuple[Statistic, ...]

    def table(self, name: str) -> SuppressedTable:
        return next(table for table in self.tables if table.table.name == name)

    def total(self, name: str, row: str) -> int | None:
        """A row's total for the period as published (None if suppressed)."""
        table = self.table(name)
        return table.shown(table.table.cell(row, TOTAL))


def read_public_counts(period: Period) -> PublicCounts:
    """Read what the public report counts for `period` (plain columns, GROUP BY only)."""
    return PublicCounts(
        contacted=people.count_contacted_by_region(period),
        milestones=people.count_milestones(period),
        outcomes=people.count_outcomes(period),
        grants=applications.count_granted_people(period),
        requests=marks.count_requests(period),
        days_to_region=people.days_from_contact([MilestoneKind.OUT_OF_REGION], period)[
            MilestoneKind.OUT_OF_REGION
        ].get("", {}),
        days_region_to_country=people.days_from_step_to_step(
            MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY, period
        ),
        never_publish=marks.never_publish_codes(),
    )


def build_public_report(period: Period, *, k: int, lag_months: int, today: date) -> PublicReport:
    """The suppressed public report for a period the caller has checked against the lag."""
    return assemble_public_report(
        read_public_counts(period), period=period, k=k, lag_months=lag_months, today=today
    )


def assemble_public_report(
    counts: PublicCounts, *, period: Period, k: int, lag_months: int, today: date
) -> PublicReport:
    """Tables, merges into `other`, suppression and statistics (no database)."""
    quarters = period.quarters
    hidden = counts.never_publish
    contacted_by_quarter: dict[tuple[str, str], int] = defaultdict(int)
    for (_region, quarter), n in counts.contacted.items():
        contacted_by_quarter[(people.CONTACTED, quarter)] += n
    milestones = {**counts.milestones, **contacted_by_quarter}
    regions: dict[tuple[str, str], int] = defaultdict(int)
    for (region, quarter), n in counts.contacted.items():
        regions[(_region_label(region, hidden.countries), quarter)] += n
    by_country: dict[tuple[str, str], int] = defaultdict(int)
    by_route: dict[tuple[str, str], int] = defaultdict(int)
    for (country, route, quarter), n in counts.grants.items():
        by_country[(country, quarter)] += n
        by_route[(route, quarter)] += n
    risky_routes = {route for country, route, _q in counts.grants if country in hidden.countries}
    requests: dict[tuple[str, str], int] = defaultdict(int)
    for (quarter, _channel, outcome), n in counts.requests.items():
        requests[(outcome if outcome in REQUEST_OUTCOMES else OTHER, quarter)] += n
    tables = [
        _fixed_table(MILESTONES, MILESTONE_ROWS, quarters, milestones),
        _fixed_table(OUTCOMES, tuple(ClosureReason.values), quarters, counts.outcomes),
        _open_table(REGIONS, quarters, _merged(regions, set(), k)),
        _open_table(GRANTS_BY_COUNTRY, quarters, _merged(by_country, set(hidden.countries), k)),
        _open_table(
            GRANTS_BY_ROUTE,
            quarters,
            _merged(by_route, set(hidden.routes) | risky_routes, k, countries=hidden.countries),
        ),
        _fixed_table(REQUESTS, (*REQUEST_OUTCOMES, OTHER), quarters, requests),
    ]
    links: list[tuple[CellRef, CellRef]] = []
    for column in (*quarters, TOTAL):
        links.append(((REGIONS, TOTAL, column), (MILESTONES, people.CONTACTED, column)))
        links.append(((GRANTS_BY_COUNTRY, TOTAL, column), (GRANTS_BY_ROUTE, TOTAL, column)))
    report = PublicReport(
        period=period,
        k=k,
        lag_months=lag_months,
        generated_on=today,
        tables=tuple(suppress_linked(tables, links, k)),
        statistics=(),
    )
    return replace(report, statistics=_statistics(report, counts, k))


def _statistics(report: PublicReport, counts: PublicCounts, k: int) -> tuple[Statistic, ...]:
    contacted = report.total(MILESTONES, people.CONTACTED)
    result = []
    for kind in RATE_MILESTONES:
        reached = report.total(MILESTONES, kind)
        value = None
        if contacted is not None and reached is not None and contacted >= k:
            value = stats.share(reached, contacted)
        result.append(
            Statistic(code=f"per_100_contacted_{kind}", value=value, people=contacted or 0)
        )
    for code, spans in (
        ("median_days_contact_to_out_of_region", counts.days_to_region),
        ("median_days_out_of_region_to_left_country", counts.days_region_to_country),
    ):
        n = sum(spans.values())
        result.append(
            Statistic(
                code=code, value=stats.at_least_k(n, stats.median_of_histogram(spans), k), people=n
            )
        )
    return tuple(result)


def _region_label(region: str, hidden_countries: frozenset[str]) -> str:
    """A region of danger (ISO 3166-2) as published: `other` if its country is hidden."""
    return OTHER if region.split("-")[0].upper() in hidden_countries else region


def _merged(
    counts: Mapping[tuple[str, str], int],
    hidden: set[str],
    k: int,
    *,
    countries: frozenset[str] = frozenset(),
) -> dict[tuple[str, str], int]:
    """Fold hidden labels, labels whose period total is below k, and (for routes) routes
    named after a hidden country, into `other`."""
    totals: dict[str, int] = defaultdict(int)
    for (label, _quarter), n in counts.items():
        totals[label] += n
    merged: dict[tuple[str, str], int] = defaultdict(int)
    for (label, quarter), n in counts.items():
        folded = label in hidden or totals[label] < k or label.split("-")[0].upper() in countries
        merged[(OTHER if folded else label, quarter)] += n
    return dict(merged)


def _fixed_table(
    name: str,
    rows: tuple[str, ...],
    quarters: tuple[str, ...],
    counts: Mapping[tuple[str, str], int],
) -> CountTable:
    """A table whose rows are a fixed list of codes (zero rows included)."""
    known = set(rows)
    folded: dict[tuple[str, str], int] = defaultdict(int)
    for (label, quarter), n in counts.items():
        folded[(label if label in known else OTHER, quarter)] += n
    return CountTable(
        name=name,
        rows=rows,
        columns=quarters,
        counts=tuple(tuple(folded.get((row, q), 0) for q in quarters) for row in rows),
    )


def _open_table(
    name: str, quarters: tuple[str, ...], counts: Mapping[tuple[str, str], int]
) -> CountTable:
    """A table whose rows are the labels present, sorted, with `other` last."""
    labels = {label for (label, _q), n in counts.items() if n > 0}
    rows = (*sorted(labels - {OTHER}), *([OTHER] if OTHER in labels else []))
    return CountTable(
        name=name,
        rows=rows,
        columns=quarters,
        counts=tuple(tuple(counts.get((row, q), 0) for q in quarters) for row in rows),
    )
