"""What was spent per person, by category and by funding source, in the reporting currency.

A case's spending is shared equally among the people in it, so a household of
four with 800 spent counts as four people at 200 each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Sum
from django.db.models.functions import Cast

from corridor.cases.models import CaseMember, Expense
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

    Two queries: each case's spending per category and source, and the cases with
    more than one person (the rest have one). Case ids come back as text: turning
    a hundred thousand of them into UUID objects would cost more than the query.
    """
    rows = (
        Expense.objects.filter(within("spent_on", period))
        .annotate(case_key=Cast("case_id", CharField()))
        .values_list("case_key", "category", "funding_source__code")
        .annotate(total=Sum("amount_reporting_minor"))
    )
    households = dict(
        CaseMember.objects.filter(left_at__isnull=True)
        .values("case_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .annotate(case_key=Cast("case_id", CharField()))
        .values_list("case_key", "n")
    )
    categories: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cases: dict[str, int] = defaultdict(int)
    for case, category, source, total in rows:
        categories[category][case] += total
        sources[source or NO_SOURCE][case] += total
        cases[case] += total
    return Costs(
        by_category={code: _spread(spent, households) for code, spent in categories.items()},
        by_source={code: _spread(spent, households) for code, spent in sources.items()},
        overall=_spread(cases, households),
    )


def _spread(per_case: dict[str, int], households: dict[str, int]) -> Spending:
    spent = Spending()
    shares = spent.per_person
    for case, total in per_case.items():
        people = households.get(case, 1)
        share = total / people
        shares[share] = shares.get(share, 0) + people
        spent.people += people
    spent.total_minor = sum(per_case.values())
    return spent
