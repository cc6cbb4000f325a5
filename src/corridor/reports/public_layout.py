"""The public report as a document: its tables with labels, a chart each, the summary
sentence and the rates and medians (only where n >= k), in English or Russian."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from corridor.cases.models import ClosureReason, MilestoneKind
from corridor.reports import public
from corridor.reports.charts import Series, bar_chart
from corridor.reports.layout import Column, Document, Row, Section
from corridor.reports.public import PublicReport
from corridor.reports.selectors._common import OTHER
from corridor.reports.selectors.marks import UNDECIDED
from corridor.reports.selectors.people import CONTACTED
from corridor.reports.suppression import TOTAL, SuppressedTable

TITLES = {
    public.MILESTONES: gettext_lazy("People by milestone"),
    public.OUTCOMES: gettext_lazy("People whose case closed, by outcome"),
    public.REGIONS: gettext_lazy("People who contacted us, by region of danger"),
    public.GRANTS_BY_COUNTRY: gettext_lazy("People granted a visa or permit, by country"),
    public.GRANTS_BY_ROUTE: gettext_lazy("People granted a visa or permit, by route"),
    public.REQUESTS: gettext_lazy("Requests for help, by outcome"),
}
DESCRIPTIONS = {
    public.MILESTONES: gettext_lazy(
        "How many people reached each step in each quarter. A person counts once per "
        "step, in the quarter they reached it."
    ),
    public.OUTCOMES: gettext_lazy(
        "People in cases closed in each quarter, by why the case closed."
    ),
    public.REGIONS: gettext_lazy(
        "People whose case opened in each quarter, by the region they were in danger in."
    ),
    public.GRANTS_BY_COUNTRY: gettext_lazy(
        "People covered by applications granted in each quarter, by the granting country."
    ),
    public.GRANTS_BY_ROUTE: gettext_lazy("The same people, by the legal route of the application."),
    public.REQUESTS: gettext_lazy(
        "Anonymous requests for help by the quarter they arrived in, by what was decided."
    ),
}
AXIS_X = {
    public.MILESTONES: gettext_lazy("Milestone"),
    public.OUTCOMES: gettext_lazy("Outcome"),
    public.REGIONS: gettext_lazy("Region"),
    public.GRANTS_BY_COUNTRY: gettext_lazy("Country"),
    public.GRANTS_BY_ROUTE: gettext_lazy("Route"),
    public.REQUESTS: gettext_lazy("Outcome"),
}
REQUEST_LABELS = {
    "accepted": gettext_lazy("Accepted"),
    "declined": gettext_lazy("Declined"),
    "duplicate": gettext_lazy("Duplicate"),
    "suspected": gettext_lazy("Suspected infiltration"),
    UNDECIDED: gettext_lazy("Not decided yet"),
}
STATISTIC_LABELS = {
    f"per_100_contacted_{MilestoneKind.OUT_OF_REGION}": gettext_lazy(
        "Out of the danger region, per 100 people who contacted us"
    ),
    f"per_100_contacted_{MilestoneKind.VISA_GRANTED}": gettext_lazy(
        "Granted a visa or permit, per 100 people who contacted us"
    ),
    f"per_100_contacted_{MilestoneKind.LEFT_COUNTRY}": gettext_lazy(
        "Left the country, per 100 people who contacted us"
    ),
    f"per_100_contacted_{MilestoneKind.ARRIVED}": gettext_lazy(
        "Arrived, per 100 people who contacted us"
    ),
    "median_days_contact_to_out_of_region": gettext_lazy(
        "Median days from contact to out of the danger region"
    ),
    "median_days_out_of_region_to_left_country": gettext_lazy(
        "Median days from out of the region to leaving the country"
    ),
}


def row_label(table: str, code: str) -> str:
    """The label a person reads for a row code of a public table."""
    if code == TOTAL:
        return _("Total")
    if code == OTHER:
        return _("Other")
    if code == CONTACTED:
        return _("Contacted us")
    if table == public.MILESTONES and code in MilestoneKind.values:
        return str(MilestoneKind(code).label)
    if table == public.OUTCOMES and code in ClosureReason.values:
        return str(ClosureReason(code).label)
    if table == public.REQUESTS and code in REQUEST_LABELS:
        return str(REQUEST_LABELS[code])
    return code


def public_document(report: PublicReport, *, language: str) -> Document:
    """The report for people to read: summary, one section per table, the statistics."""
    with translation.override(language):
        sections = [_table_section(table) for table in report.tables]
        sections.append(_statistics_section(report))
        return Document(
            title=_("Public report %(period)s") % {"period": report.period.code},
            language=language,
            generated_on=report.generated_on,
            summary=_summary(report),
            sections=tuple(sections),
            notes=(
                _(
                    "Counted from case records without opening any of them: no name, "
                    "place or story is read to make this report."
                ),
            ),
        )


def _summary(report: PublicReport) -> tuple[str, ...]:
    period = report.period
    lines = [
        _("This report covers %(start)s to %(end)s.")
        % {"start": period.start.isoformat(), "end": period.end.isoformat()}
    ]
    contacted = report.total(public.MILESTONES, CONTACTED)
    out = report.total(public.MILESTONES, MilestoneKind.OUT_OF_REGION)
    left = report.total(public.MILESTONES, MilestoneKind.LEFT_COUNTRY)
    if contacted is not None and out is not None and left is not None:
        lines.append(
            ngettext(
                "%(contacted)s person contacted us, %(out)s got out of the danger region "
                "and %(left)s left the country.",
                "%(contacted)s people contacted us, %(out)s got out of the danger region "
                "and %(left)s left the country.",
                contacted,
            )
            % {"contacted": contacted, "out": out, "left": left}
        )
    else:
        lines.append(_("Some headline figures are too small to publish safely and are not shown."))
    lines.append(
        ngettext(
            "No count below %(k)s is shown (“not shown”), and some larger counts are hidden "
            "too, so that the hidden ones cannot be worked out from the totals. Routes and "
            "countries that could point to people are counted under “Other”. Every period "
            "ended at least %(lag)s month before publication.",
            "No count below %(k)s is shown (“not shown”), and some larger counts are hidden "
            "too, so that the hidden ones cannot be worked out from the totals. Routes and "
            "countries that could point to people are counted under “Other”. Every period "
            "ended at least %(lag)s months before publication.",
            report.lag_months,
        )
        % {"k": report.k, "lag": report.lag_months}
    )
    return tuple(lines)


def _table_section(table: SuppressedTable) -> Section:
    name = table.table.name
    quarters = table.table.columns
    columns = (*(Column(q, q) for q in quarters), Column(TOTAL, _("Total")))
    grid = {(row, column): value for row, column, value in table.entries()}
    rows = tuple(
        Row(
            code=code,
            label=_("Sum of all steps")
            if (name, code) == (public.MILESTONES, TOTAL)
            else row_label(name, code),
            values=tuple(_shown(grid[(code, column.code)]) for column in columns),
            total=code == TOTAL,
        )
        for code in (*table.table.rows, TOTAL)
    )
    labels = [row_label(name, code) for code in table.table.rows]
    series: list[Series]
    if name == public.MILESTONES and len(quarters) > 1:
        series = [(q, [grid[(code, q)] for code in table.table.rows]) for q in quarters]
    else:
        series = [(_("Total"), [grid[(code, TOTAL)] for code in table.table.rows])]
    chart = None
    if labels:
        chart = bar_chart(
            title=str(TITLES[name]),
            x_label=str(AXIS_X[name]),
            y_label=_("Requests") if name == public.REQUESTS else _("Number of people"),
            labels=labels,
            series=series,
        )
    return Section(
        code=name,
        title=str(TITLES[name]),
        description=str(DESCRIPTIONS[name]),
        columns=columns,
        rows=rows,
        chart=chart,
    )


def _statistics_section(report: PublicReport) -> Section:
    columns = (Column("value", _("Value")), Column("people", _("People counted")))
    rows = tuple(
        Row(
            code=statistic.code,
            label=str(STATISTIC_LABELS[statistic.code]),
            values=(
                _shown(None if statistic.value is None else round(statistic.value, 1)),
                _shown(statistic.people if statistic.people >= report.k else None),
            ),
        )
        for statistic in report.statistics
    )
    return Section(
        code="statistics",
        title=_("Rates and medians"),
        description=ngettext(
            "Stated only where at least %(k)s person is behind the figure. Rates compare "
            "people who reached a step in the period with people who contacted us in it.",
            "Stated only where at least %(k)s people are behind the figure. Rates compare "
            "people who reached a step in the period with people who contacted us in it.",
            report.k,
        )
        % {"k": report.k},
        columns=columns,
        rows=rows,
    )


def _shown(value: float | None) -> float | str:
    """A published value, or the words that say it is withheld."""
    return _("not shown") if value is None else value
