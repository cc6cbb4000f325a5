"""Running the organisation: incidents, cases closed (and the people we could not help),
open cases by phase and flag, who carries how much work, and time to first response."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from corridor.cases.models import ClosureReason, Flag, IncidentKind, Phase
from corridor.intake.models import Channel
from corridor.reports import stats
from corridor.reports.charts import bar_chart
from corridor.reports.layout import Column, Row, Section
from corridor.reports.periods import Period
from corridor.reports.selectors import operations

# Closures that mean the organisation could not get the person to safety.
COULD_NOT_HELP = frozenset(
    {
        ClosureReason.RETURNED_HOME,
        ClosureReason.DECEASED,
        ClosureReason.LOST_CONTACT,
        ClosureReason.WITHDRAWN,
        ClosureReason.DECLINED,
    }
)
NO_LEAD = "no_lead"


def incidents_section(period: Period | None) -> Section:
    figures = operations.incident_figures(period)
    rows = []
    for kind in IncidentKind:
        found = figures.get(kind.value, operations.IncidentFigures())
        median = stats.median_of_histogram(found.days_to_close)
        rows.append(
            Row(
                code=kind.value,
                label=str(kind.label),
                values=(found.opened, found.still_open, median),
            )
        )
    opened = [figures.get(kind.value, operations.IncidentFigures()).opened for kind in IncidentKind]
    return Section(
        code="incidents",
        title=_("Incidents"),
        description=_("Incidents opened in the period, those still open, and days to close."),
        columns=(
            Column("opened", _("Opened")),
            Column("still_open", _("Still open")),
            Column("median_days_to_close", _("Median days to close")),
        ),
        rows=tuple(rows),
        chart=bar_chart(
            title=_("Incidents opened"),
            x_label=_("Kind"),
            y_label=_("Incidents"),
            labels=[str(kind.label) for kind in IncidentKind],
            series=[(_("Opened"), opened)],
        ),
    )


def closures_section(period: Period | None) -> Section:
    figures = operations.closure_figures(period)
    rows = []
    helped_not = [0, 0]
    for reason in ClosureReason:
        cases, persons = figures.get(reason.value, (0, 0))
        failed = reason in COULD_NOT_HELP
        if failed:
            helped_not[0] += cases
            helped_not[1] += persons
        label = str(reason.label) + (f" ({_('could not help')})" if failed else "")
        rows.append(Row(code=reason.value, label=label, values=(cases, persons)))
    rows.append(
        Row(
            code="could_not_help",
            label=_("Could not help, all reasons"),
            values=tuple(helped_not),
            total=True,
        )
    )
    return Section(
        code="closures",
        title=_("Cases closed, and the people we could not help"),
        description=_("Cases closed in the period by closure reason, with the people in them."),
        columns=(Column("cases", _("Cases")), Column("people", _("Number of people"))),
        rows=tuple(rows),
        chart=bar_chart(
            title=_("People in closed cases by reason"),
            x_label=_("Closure reason"),
            y_label=_("Number of people"),
            labels=[str(reason.label) for reason in ClosureReason],
            series=[
                (_("Number of people"), [figures.get(r.value, (0, 0))[1] for r in ClosureReason])
            ],
        ),
    )


def open_cases_section() -> Section:
    phases = operations.open_cases_by_phase()
    flags = operations.open_flags()
    rows = [
        Row(code=phase.value, label=str(phase.label), values=(phases.get(phase.value, 0),))
        for phase in Phase
        if phase is not Phase.CLOSED
    ]
    rows += [
        Row(
            code=f"flag:{flag.value}",
            label=_("Flag: %(flag)s") % {"flag": flag.label},
            values=(flags.get(flag.value, 0),),
        )
        for flag in Flag
    ]
    return Section(
        code="open_cases",
        title=_("Open cases now"),
        description=_("Open cases by phase, and open cases carrying each flag."),
        columns=(Column("cases", _("Cases")),),
        rows=tuple(rows),
    )


def workload_section(today: date) -> Section:
    loads, unled = operations.workload(today)
    rows = [
        Row(
            code=username,
            label=username,
            values=(load.cases_led, load.open_tasks, load.overdue_tasks),
        )
        for username, load in sorted(loads.items())
    ]
    rows.append(Row(code=NO_LEAD, label=_("Open cases nobody leads"), values=(unled, None, None)))
    return Section(
        code="workload",
        title=_("Workload"),
        description=_("Open cases each person leads, and their open and overdue tasks, today."),
        columns=(
            Column("cases_led", _("Cases led")),
            Column("open_tasks", _("Open tasks")),
            Column("overdue_tasks", _("Overdue tasks")),
        ),
        rows=tuple(rows),
    )


def first_response_section(period: Period | None) -> Section:
    figures = operations.first_replies(period)
    rows = []
    for channel in Channel:
        found = figures.get(channel.value, operations.ReplyFigures())
        rows.append(_reply_row(channel.value, str(channel.label), found))
    everything = operations.ReplyFigures(
        received=sum(found.received for found in figures.values()),
        days_to_reply=stats.merge_histograms(found.days_to_reply for found in figures.values()),
    )
    rows.append(_reply_row("all", _("All channels"), everything, total=True))
    return Section(
        code="first_response",
        title=_("Time to first response"),
        description=_(
            "Requests received in the period, those the team has replied to in the request's "
            "thread, and whole days from arrival to the first reply."
        ),
        columns=(
            Column("received", _("Received")),
            Column("replied", _("Replied")),
            Column("not_replied", _("Not replied yet")),
            Column("median_days_to_reply", _("Median days to first reply")),
        ),
        rows=tuple(rows),
    )


def _reply_row(
    code: str, label: str, found: operations.ReplyFigures, *, total: bool = False
) -> Row:
    median = stats.median_of_histogram(found.days_to_reply)
    return Row(
        code=code,
        label=label,
        values=(found.received, found.replied, max(found.received - found.replied, 0), median),
        total=total,
    )
