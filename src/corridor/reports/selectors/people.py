"""People counts: contacted, milestones, outcomes, and the days between them.

"Contacted" is a person joining a case: the case's opening date, counted once
per case a person was in. Milestones are per person and dated; outcomes are the
closure reasons of closed cases, counted per person still in the case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, OuterRef, Subquery

from corridor.cases.models import CaseMember, Milestone, MilestoneKind, Phase
from corridor.cases.stages import STEP_BEFORE
from corridor.reports.periods import Period
from corridor.reports.selectors._common import (
    OTHER,
    DateOf,
    days_between,
    histogram,
    histograms_by,
    per_quarter,
    quarter_counts,
    within,
)

CONTACTED = "contacted"


def count_contacted_by_region(period: Period) -> dict[tuple[str, str], int]:
    """{(region or "other", quarter): people contacted} for cases opened in the period."""
    rows = (
        CaseMember.objects.filter(within("case__opened_at", period, moment=True))
        .values("case__region")
        .annotate(**per_quarter("case__opened_at", period, moment=True))
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        for quarter, n in quarter_counts(row, period):
            counts[(row["case__region"] or OTHER, quarter)] += n
    return dict(counts)


def count_contacted(period: Period | None) -> int:
    """People contacted (case memberships opened) in the period, or ever."""
    return CaseMember.objects.filter(within("case__opened_at", period, moment=True)).count()


def count_milestones(period: Period) -> dict[tuple[str, str], int]:
    """{(milestone kind, quarter): people who reached it then}."""
    rows = (
        Milestone.objects.filter(within("reached_on", period))
        .values("kind")
        .annotate(**per_quarter("reached_on", period))
    )
    return {(row["kind"], q): n for row in rows for q, n in quarter_counts(row, period)}


def count_milestone_totals(period: Period | None) -> dict[str, int]:
    """{milestone kind: people who reached it in the period, or ever}."""
    rows = Milestone.objects.filter(within("reached_on", period)).values("kind")
    return {row["kind"]: row["n"] for row in rows.annotate(n=Count("id"))}


def count_outcomes(period: Period) -> dict[tuple[str, str], int]:
    """{(closure reason, quarter closed): people in cases closed in the period}."""
    rows = (
        CaseMember.objects.filter(
            within("case__closed_at", period, moment=True),
            left_at__isnull=True,
            case__phase=Phase.CLOSED,
        )
        .exclude(case__closure_reason="")
        .values("case__closure_reason")
        .annotate(**per_quarter("case__closed_at", period, moment=True))
    )
    return {
        (row["case__closure_reason"], q): n for row in rows for q, n in quarter_counts(row, period)
    }


def days_from_contact(
    kinds: Sequence[str], period: Period | None, *, by: str | None = None
) -> dict[str, dict[str, dict[int, int]]]:
    """{kind: {group: {days from the case opening to `kind`: people}}} for each of `kinds`
    reached in the period; the group is the value of `by` (e.g. "case__risk_level"), or ""
    for all. One query for all kinds: each milestone looks up its case once, in case
    order, and (with the statistics core.analyze_database keeps) from an index holding
    every column read."""
    fields = ["kind", "days", *([by] if by else [])]
    rows = (
        Milestone.objects.filter(within("reached_on", period), kind__in=list(kinds))
        .annotate(days=days_between("reached_on", DateOf("case__opened_at")))
        .values(*fields)
        .annotate(n=Count("id"))
    )
    per_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    for row in rows:
        per_kind[row["kind"]].append(row)
    return {kind: histograms_by(found, by) for kind, found in per_kind.items()}


def days_between_steps(period: Period | None) -> dict[tuple[str, str], dict[int, int]]:
    """{(step, next step): {days between them: people}} for each pair of consecutive
    milestones (stages.MILESTONE_ORDER), over people who reached the next step in the
    period: one grouped count of the days each milestone keeps since the step before."""
    rows = (
        Milestone.objects.filter(within("reached_on", period), days_after_previous__isnull=False)
        .values("kind", "days_after_previous")
        .annotate(n=Count("id"))
    )
    grouped = histograms_by(rows, "kind", key="days_after_previous")
    return {(STEP_BEFORE[MilestoneKind(kind)], kind): spans for kind, spans in grouped.items()}


def days_from_step_to_step(earlier: str, later: str, period: Period | None) -> dict[int, int]:
    """{days from `earlier` to `later`: people} over people who reached `later` in the
    period, for any two steps (each row looks up the same person's earlier step through
    the (person, kind) index; consecutive steps read days_between_steps instead)."""
    before = Milestone.objects.filter(person_id=OuterRef("person_id"), kind=earlier)
    rows = (
        Milestone.objects.filter(within("reached_on", period), kind=later)
        .annotate(before=Subquery(before.values("reached_on")[:1]))
        # No filter on `before`: the histogram drops the people without the earlier
        # step (days is NULL), and a filter here made the database look it up again.
        .annotate(days=days_between("reached_on", "before"))
        .values("days")
        .annotate(n=Count("id"))
    )
    return histogram(rows)
