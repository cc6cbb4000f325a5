"""Application counts: grants for the public report, the board's figures for the dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from corridor.pathways.models import (
    APPLICATION_DECIDED,
    APPLICATION_WAITING,
    Application,
    ApplicationStatus,
)
from corridor.reports.periods import Period
from corridor.reports.selectors._common import (
    days_between,
    per_quarter,
    quarter_counts,
    within,
)

Lane = tuple[str, str]  # (country, route id)


def count_granted_people(period: Period) -> dict[tuple[str, str, str], int]:
    """{(country, route, quarter decided): people on granted applications}."""
    rows = (
        Application.objects.filter(within("decided_on", period), status=ApplicationStatus.GRANTED)
        .values("country", "route_id")
        .annotate(**per_quarter("decided_on", period, count="people"))
    )
    return {
        (row["country"], row["route_id"], quarter): n
        for row in rows
        for quarter, n in quarter_counts(row, period)
    }


@dataclass
class LaneFigures:
    """One country and route: applications submitted, decisions and their reasons."""

    submitted: int = 0
    granted: int = 0
    denied: int = 0
    waiting: int = 0
    processing_days: dict[int, int] = field(default_factory=dict)
    denial_reasons: dict[str, int] = field(default_factory=dict)


def application_figures(period: Period | None) -> dict[Lane, LaneFigures]:
    """Per (country, route): applications submitted in the period, decisions made in it
    (grants, denials, days from submission to decision, reasons for denials), and how
    many submitted ones still wait for a decision."""
    # Two reads, each of one index and none of the table: the counts per status and
    # reason (a hundred rows), then the processing days of the decisions in the period.
    # Grouping the counts by days as well returned one row per lane, status, reason and
    # day, ten thousand rows on a large caseload, each built in Python.
    submitted = Q(submitted_on__isnull=False) & within("submitted_on", period)
    decided = Q(status__in=APPLICATION_DECIDED) & within("decided_on", period)
    counts = (
        Application.objects.filter(submitted | decided)
        .values_list("country", "route_id", "status", "denial_reason")
        # Counted on `country` (never NULL), not the id: the id is not in the index.
        .annotate(
            submitted=Count("country", filter=submitted),
            decided=Count("country", filter=decided),
        )
    )
    lanes: dict[Lane, LaneFigures] = defaultdict(LaneFigures)
    for country, route, status, reason, submitted_count, decided_count in counts:
        lane = lanes[(country, route)]
        lane.submitted += submitted_count
        if status in APPLICATION_WAITING:
            lane.waiting += submitted_count
        if not decided_count:
            continue
        if status == ApplicationStatus.GRANTED:
            lane.granted += decided_count
        else:
            lane.denied += decided_count
            reason = reason or "other"
            lane.denial_reasons[reason] = lane.denial_reasons.get(reason, 0) + decided_count
    spans = (
        Application.objects.filter(decided)
        .annotate(days=days_between("decided_on", "submitted_on"))
        .values_list("country", "route_id", "days")
        .annotate(n=Count("*"))  # not the id: it is not in the index
    )
    for country, route, days, n in spans:
        if days is not None and days >= 0:
            processing = lanes[(country, route)].processing_days
            processing[days] = processing.get(days, 0) + n
    return dict(lanes)
