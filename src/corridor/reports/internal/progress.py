"""Where people are stuck: people by milestone with conversion and the median days between
steps, and the time to each target by risk level."""

from __future__ import annotations

from django.utils.translation import gettext as _

from corridor.cases import risk
from corridor.cases.models import MilestoneKind, RiskLevel
from corridor.reports import stats
from corridor.reports.charts import bar_chart
from corridor.reports.layout import Column, Row, Section, Value
from corridor.reports.periods import Period
from corridor.reports.selectors import people

STEPS: tuple[str, ...] = (people.CONTACTED, *MilestoneKind.values)
RISK = "case__risk_level"


def step_label(code: str) -> str:
    return _("Contacted us") if code == people.CONTACTED else str(MilestoneKind(code).label)


def progress_sections(period: Period | None) -> tuple[Section, Section]:
    """The milestones section and the targets section (they share the days from contact)."""
    targets = (MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY)
    days = people.days_from_contact(targets, period, by=RISK)
    to_region, to_country = (days[kind] for kind in targets)
    return milestones_section(period, to_region), targets_section(to_region, to_country)


def milestones_section(period: Period | None, to_region: dict[str, dict[int, int]]) -> Section:
    """People per step, the share of those contacted and of the step before, and the median
    days from the step before (over the people who reached both)."""
    between = people.days_between_steps(period)
    reached = {people.CONTACTED: people.count_contacted(period)}
    reached.update(people.count_milestone_totals(period))
    rows = []
    for index, code in enumerate(STEPS):
        count = reached.get(code, 0)
        before = STEPS[index - 1] if index else None
        spans: dict[int, int] = {}
        if before == people.CONTACTED:
            spans = stats.merge_histograms(to_region.values())
        elif before is not None:
            spans = between.get((before, code), {})
        values: tuple[Value, ...] = (
            count,
            _rounded(stats.share(count, reached[people.CONTACTED])),
            _rounded(stats.share(count, reached.get(before, 0))) if before else None,
            _rounded(stats.median_of_histogram(spans)) if before else None,
            sum(spans.values()) if before else None,
        )
        rows.append(Row(code=code, label=step_label(code), values=values))
    return Section(
        code="milestones",
        title=_("People by milestone"),
        description=_(
            "People (not cases) who reached each step in the period. Conversion compares "
            "steps reached in the same period; days are counted per person who reached both."
        ),
        columns=(
            Column("people", _("Number of people")),
            Column("share_of_contacted", _("Per 100 contacted")),
            Column("share_of_previous", _("Per 100 at previous step")),
            Column("median_days_from_previous", _("Median days from previous step")),
            Column("people_with_both", _("People with both steps")),
        ),
        rows=tuple(rows),
        chart=bar_chart(
            title=_("People by milestone"),
            x_label=_("Milestone"),
            y_label=_("Number of people"),
            labels=[row.label for row in rows],
            series=[(_("Number of people"), [reached.get(code, 0) for code in STEPS])],
        ),
    )


def targets_section(
    region: dict[str, dict[int, int]], country: dict[str, dict[int, int]]
) -> Section:
    """For each risk level: its two targets, how many reached each step in the period, the
    median days from the case opening, and how many per 100 made it within the target."""
    targets = {level.value: risk.targets(level) for level in RiskLevel}
    rows = []
    for level in RiskLevel:
        days_region, days_country = targets[level.value]
        values: list[Value] = []
        for target, spans in (
            (days_region, region.get(level.value, {})),
            (days_country, country.get(level.value, {})),
        ):
            reached = sum(spans.values())
            within = sum(n for days, n in spans.items() if days <= target)
            values += [
                target,
                reached,
                _rounded(stats.median_of_histogram(spans)),
                _rounded(stats.share(within, reached)),
            ]
        rows.append(Row(code=level.value, label=str(level.label), values=tuple(values)))
    columns = []
    for prefix, name in (("region", _("out of region")), ("country", _("out of country"))):
        columns += [
            Column(f"{prefix}_target_days", _("Target days, %(step)s") % {"step": name}),
            Column(f"{prefix}_reached", _("Reached, %(step)s") % {"step": name}),
            Column(f"{prefix}_median_days", _("Median days, %(step)s") % {"step": name}),
            Column(
                f"{prefix}_within_target", _("Within target per 100, %(step)s") % {"step": name}
            ),
        ]
    return Section(
        code="targets",
        title=_("Time to each target by risk level"),
        description=_("Days from the case opening, for people who reached the step in the period."),
        columns=tuple(columns),
        rows=tuple(rows),
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
