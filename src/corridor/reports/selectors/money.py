"""What was spent per person, by category and by funding source, in the reporting currency.

A case's spending is shared equally among the people in it, so a household of
four with 800 spent counts as four people at 200 each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db.models import CharField, Count, ExpressionWrapper, F, Sum

from corridor.cases.models import CaseMember, Expense, FundingSource
from corridor.reports.periods import Period
from corridor.reports.selectors._common import within

NO_SOURCE = "none"


@dataclass
class Spending:
    """Spending in one category or from one source, in minor units of the reporting currency."""

    total_minor: int = 0
    people: int = 0
    # {share of one person, in minor units: how many people had that share}
    per_person: dict[float, int] = field(default_factory=dict)


@dataclass
class Costs:
    by_category: dict[str, Spending]
    by_source: dict[str, Spending]
    overall: Spending


def costs(period: Period | None) -> Costs:
    """Spending in the period per category, per funding source and overall.

    Three queries: the funding sources' codes, each case's spending per category and
    source, and the cases with more than one person (the rest have one). The spending
    is grouped by the funding source's id, not its code: with no join to sort by, the
    database reads the expenses' covering index in order and never sorts.
    """
    codes = dict(FundingSource.objects.values_list("id", "code"))
    rows = (
        Expense.objects.filter(within("spent_on", period))
        .annotate(case_key=_case_key())
        .values_list("case_key", "category", "funding_source_id")
        .annotate(total=Sum("amount_reporting_minor"))
    )
    households = dict(
        CaseMember.objects.filter(left_at__isnull=True)
        .annotate(case_key=_case_key())
        .values("case_key")
        .annotate(n=Count("case_id"))
        .filter(n__gt=1)
        .values_list("case_key", "n")
    )
    categories: dict[str, dict[Hashable, int]] = defaultdict(lambda: defaultdict(int))
    sources: dict[str, dict[Hashable, int]] = defaultdict(lambda: defaultdict(int))
    cases: dict[Hashable, int] = defaultdict(int)
    for case, category, source, total in rows:
        categories[category][case] += total
        sources[codes.get(source) or NO_SOURCE][case] += total
        cases[case] += total
    return Costs(
        by_category={code: _spread(spent, households) for code, spent in categories.items()},
        by_source={code: _spread(spent, households) for code, spent in sources.items()},
        overall=_spread(cases, households),
    )


def _case_key() -> ExpressionWrapper[F]:
    """The case id as the database returns it, only to tell cases apart: turning a hundred
    thousand of them into UUID objects would cost more than the query, and a cast to
    text would group by an expression the index does not hold."""
    return ExpressionWrapper(F("case_id"), output_field=CharField())


def _spread(per_case: dict[Hashable, int], households: dict[Hashable, int]) -> Spending:
    spent = Spending()
    shares = spent.per_person
    for case, total in per_case.items():
        people = households.get(case, 1)
        share = total / people
        shares[share] = shares.get(share, 0) + people
        spent.people += people
    spent.total_minor = sum(per_case.values())
    return spent
