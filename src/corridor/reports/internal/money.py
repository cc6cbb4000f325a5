"""Costs per person by category and per funding source: total, people, mean and median,
in the reporting currency; and the anonymous requests the intake tally counted."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from corridor.cases.models import ExpenseCategory
from corridor.cases.services.costs import reporting_currency
from corridor.reports import stats
from corridor.reports.charts import bar_chart
from corridor.reports.layout import Column, Row, Section, Value, money
from corridor.reports.periods import Period
from corridor.reports.selectors import marks
from corridor.reports.selectors.money import NO_SOURCE, Spending, costs

ALL = "all"


def costs_sections(period: Period | None) -> tuple[Section, Section]:
    currency = reporting_currency()
    spent = costs(period)
    categories, sources, overall = spent.by_category, spent.by_source, spent.overall
    category_rows = [
        _row(code.value, str(code.label), categories.get(code.value, Spending()))
        for code in ExpenseCategory
    ]
    category_rows.append(_row(ALL, _("All categories"), overall, total=True))
    source_codes = sorted(code for code in sources if code != NO_SOURCE)
    source_rows = [_row(code, code, sources[code]) for code in source_codes]
    if NO_SOURCE in sources:
        source_rows.append(_row(NO_SOURCE, _("No funding source"), sources[NO_SOURCE]))
    source_rows.append(_row(ALL, _("All sources"), overall, total=True))
    columns = (
        Column("total", _("Total (%(currency)s)") % {"currency": currency}),
        Column("people", _("Number of people")),
        Column("mean_per_person", _("Mean per person")),
        Column("median_per_person", _("Median per person")),
    )
    description = _(
        "Expenses in the period in %(currency)s. A case's costs are shared equally among "
        "the people in it; people are those with costs in that line."
    ) % {"currency": currency}
    chart = bar_chart(
        title=_("Mean cost per person by category (%(currency)s)") % {"currency": currency},
        x_label=_("Category"),
        y_label=currency,
        labels=[str(code.label) for code in ExpenseCategory],
        series=[(_("Mean per person"), [_float(row.values[2]) for row in category_rows[:-1]])],
    )
    return (
        Section(
            code="costs_by_category",
            title=_("Costs per person by category"),
            description=description,
            columns=columns,
            rows=tuple(category_rows),
            chart=chart,
        ),
        Section(
            code="costs_by_funding_source",
            title=_("Costs per person by funding source"),
            description=description,
            columns=columns,
            rows=tuple(source_rows),
        ),
    )


def requests_section(period: Period | None) -> Section:
    counts = marks.count_requests(period)
    outcomes = sorted({outcome for _q, _c, outcome in counts} - {marks.UNDECIDED})
    outcomes.append(marks.UNDECIDED)
    lines = sorted({(quarter, channel) for quarter, channel, _o in counts})
    rows = []
    for quarter, channel in lines:
        values = [counts.get((quarter, channel, outcome), 0) for outcome in outcomes]
        rows.append(
            Row(
                code=f"{quarter}:{channel}",
                label=f"{quarter} · {channel}",
                values=(*values, sum(values)),
            )
        )
    return Section(
        code="requests",
        title=_("Requests for help (anonymous tally)"),
        description=_(
            "Counted when a request arrives and when it is decided, by the quarter it arrived "
            "in; the counts survive the erasure of declined and suspected requests."
        ),
        columns=(*(Column(o, o) for o in outcomes), Column("received", _("Received"))),
        rows=tuple(rows),
    )


def _row(code: str, label: str, spent: Spending, *, total: bool = False) -> Row:
    return Row(
        code=code,
        label=label,
        values=(
            money(spent.total_minor),
            spent.people,
            money(stats.mean(spent.total_minor, spent.people)),
            money(stats.median_of_histogram(spent.per_person)),
        ),
        total=total,
    )


def _float(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float | Decimal) else None
