"""Applications by country and route: counts, grants, denials, median processing days and
why applications were denied."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from corridor.pathways.models import DenialReason
from corridor.reports import stats
from corridor.reports.charts import bar_chart
from corridor.reports.layout import Column, Row, Section, Value
from corridor.reports.periods import Period
from corridor.reports.selectors.applications import LaneFigures, application_figures

TOTAL = "total"


def application_sections(period: Period | None) -> tuple[Section, Section]:
    lanes = application_figures(period)
    return _lanes_section(lanes), _denials_section(lanes)


def _lanes_section(lanes: dict[tuple[str, str], LaneFigures]) -> Section:
    rows = [
        Row(code=f"{country}:{route}", label=f"{country} · {route}", values=_values(figures))
        for (country, route), figures in sorted(lanes.items())
    ]
    total = LaneFigures()
    for figures in lanes.values():
        total.submitted += figures.submitted
        total.granted += figures.granted
        total.denied += figures.denied
        total.waiting += figures.waiting
        for days, n in figures.processing_days.items():
            total.processing_days[days] = total.processing_days.get(days, 0) + n
    rows.append(
        Row(code=TOTAL, label=_("All countries and routes"), values=_values(total), total=True)
    )
    by_country: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (country, _route), figures in lanes.items():
        by_country[country][0] += figures.granted
        by_country[country][1] += figures.denied
    countries = sorted(by_country)
    chart = None
    if countries:
        chart = bar_chart(
            title=_("Decisions by country"),
            x_label=_("Country"),
            y_label=_("Applications"),
            labels=countries,
            series=[
                (_("Granted"), [by_country[c][0] for c in countries]),
                (_("Denied"), [by_country[c][1] for c in countries]),
            ],
        )
    return Section(
        code="applications",
        title=_("Applications by country and route"),
        description=_(
            "Submitted: applications submitted in the period. Granted, denied and processing "
            "days: decisions made in the period. Waiting: submitted ones with no decision yet."
        ),
        columns=(
            Column("submitted", _("Submitted")),
            Column("granted", _("Granted")),
            Column("denied", _("Denied")),
            Column("waiting", _("Waiting")),
            Column("grant_share", _("Granted per 100 decided")),
            Column("median_processing_days", _("Median days to decision")),
        ),
        rows=tuple(rows),
        chart=chart,
    )


def _values(figures: LaneFigures) -> tuple[Value, ...]:
    share = stats.share(figures.granted, figures.granted + figures.denied)
    median = stats.median_of_histogram(figures.processing_days)
    return (
        figures.submitted,
        figures.granted,
        figures.denied,
        figures.waiting,
        None if share is None else round(share, 1),
        median,
    )


def _denials_section(lanes: dict[tuple[str, str], LaneFigures]) -> Section:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for (country, _route), figures in lanes.items():
        for reason, n in figures.denial_reasons.items():
            counts[(reason, country)] += n
    countries = sorted({country for _reason, country in counts})
    rows = []
    for reason in DenialReason:
        line = [counts.get((reason.value, country), 0) for country in countries]
        rows.append(Row(code=reason.value, label=str(reason.label), values=(*line, sum(line))))
    return Section(
        code="denial_reasons",
        title=_("Why applications were denied"),
        description=_("Denials decided in the period, by reason and country."),
        columns=(*(Column(c, c) for c in countries), Column(TOTAL, _("Total"))),
        rows=tuple(rows),
    )
