"""Application counts: grants for the public report, the board's figures for the dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from corridor.pathways.models import Application, ApplicationStatus
from corridor.reports.periods import Period
from corridor.reports.selectors._common import (
    days_between,
    per_quarter,
    quarter_counts,
    within,
)

DECIDED = (ApplicationStatus.GRANTED, ApplicationStatus.DENIED)
WAITING = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.APPEALED,
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
    # One pass over the table: each group counts what was submitted in the period and
    # what was decided in it (a full scan costs the same for one count as for two).
    submitted = Q(submitted_on__isnull=False) & within("submitted_on", period)
    decided = Q(status__in=DECIDED) & within("decided_on", period)
    rows = (
        Application.objects.filter(submitted | decided)
        .annotate(days=days_between("decided_on", "submitted_on"))
        .values("country", "route_id", "status", "denial_reason", "days")
        .annotate(submitted=Count("id", filter=submitted), decided=Count("id", filter=decided))
    )
    lanes: dict[Lane, LaneFigures] = defaultdict(LaneFigures)
    for row in rows:
        lane = lanes[(row["country"], row["route_id"])]
        lane.submitted += row["submitted"]
        if row["status"] in WAITING:
            lane.waiting += row["submitted"]
        count = row["decided"]
        if not count:
            continue
        if row["status"] == ApplicationStatus.GRANTED:
            lane.granted += count
        else:
            lane.denied += count
            reason = row["denial_reason"] or "other"
            lane.denial_reasons[reason] = lane.denial_reasons.get(reason, 0) + count
        days = row["days"]
        if days is not None and days >= 0:
            lane.processing_days[days] = lane.processing_days.get(days, 0) + count
    return dict(lanes)
