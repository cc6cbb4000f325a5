"""People counts: contacted, milestones, outcomes, and the days between them.

"Contacted" is a person joining a case: the case's opening date, counted once
per case a person was in. Milestones are per person and dated; outcomes are the
closure reasons of closed cases, counted per person still in the case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Case, CharField, Count, OuterRef, Subquery, Value, When

from corridor.cases.models import CaseMember, Milestone, Phase
from corridor.reports.periods import Period
from corridor.reports.selectors._common import (
    OTHER,
    DateOf,
    days_between,
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
    kind: str, period: Period | None, *, by: str | None = None
) -> dict[str, dict[int, int]]:
    """{group: {days from the case opening to `kind`: people}} for `kind` reached in the
    period; the group is the value of `by` (e.g. "case__risk_level"), or "" for all."""
    fields = ["days", *([by] if by else [])]
    rows = (
        Milestone.objects.filter(within("reached_on", period), kind=kind)
        .annotate(days=days_between("reached_on", DateOf("case__opened_at")))
        .values(*fields)
        .annotate(n=Count("id"))
    )
    return histograms_by(rows, by)


def days_between_steps(
    steps: Sequence[str], period: Period | None
) -> dict[tuple[str, str], dict[int, int]]:
    """{(step, next step): {days between them: people}} for each pair of consecutive steps,
    over people who reached the next step in the period. One pass over the milestones:
    each row looks up the same person's previous step through the (person, kind) index."""
    previous = dict(zip(steps[1:], steps, strict=False))
    earlier = Case(
        *(When(kind=later, then=Value(before)) for later, before in previous.items()),
        output_field=CharField(),
    )
    before = Milestone.objects.filter(person_id=OuterRef("person_id"), kind=OuterRef("earlier"))
    rows = (
        Milestone.objects.filter(within("reached_on", period), kind__in=list(previous))
        .annotate(earlier=earlier)
        .annotate(before=Subquery(before.values("reached_on")[:1]))
        # No filter on `before`: the histogram drops the people without the previous
        # step (days is NULL), and a filter here made the database look it up again.
        .annotate(days=days_between("reached_on", "before"))
        .values("kind", "days")
        .annotate(n=Count("id"))
    )
    grouped = histograms_by(rows, "kind")
    return {(previous[kind], kind): spans for kind, spans in grouped.items()}
