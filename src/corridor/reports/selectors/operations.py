"""The organisation's own figures: incidents, closures, open cases, workload, targets, and
how soon requests for help got their first reply."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Min, OuterRef, Q, Subquery

from corridor.cases.models import (
    Case,
    CaseAssignment,
    CaseFlag,
    Incident,
    Phase,
    Task,
)
from corridor.intake.models import Author, Message, Request
from corridor.reports.periods import Period
from corridor.reports.selectors._common import DateOf, days_between, histograms_by, within

OPEN_CASE = Q(case__closed_at__isnull=True, case__erased_at__isnull=True)


@dataclass
class IncidentFigures:
    opened: int = 0
    still_open: int = 0
    days_to_close: dict[int, int] = field(default_factory=dict)


def incident_figures(period: Period | None) -> dict[str, IncidentFigures]:
    """Per incident kind: opened in the period, still open of those, days to close them."""
    opened = Incident.objects.filter(within("created_at", period, moment=True))
    result: dict[str, IncidentFigures] = defaultdict(IncidentFigures)
    for row in opened.values("kind").annotate(
        n=Count("id"), still_open=Count("id", filter=Q(closed_at__isnull=True))
    ):
        result[row["kind"]].opened, result[row["kind"]].still_open = row["n"], row["still_open"]
    spans = (
        opened.filter(closed_at__isnull=False)
        .annotate(days=days_between(DateOf("closed_at"), DateOf("created_at")))
        .values("kind", "days")
        .annotate(n=Count("id"))
    )
    for kind, days in histograms_by(spans, "kind").items():
        result[kind].days_to_close = days
    return dict(result)


def closure_figures(period: Period | None) -> dict[str, tuple[int, int]]:
    """{closure reason: (cases, people still in them)} for cases closed in the period."""
    rows = (
        Case.objects.filter(within("closed_at", period, moment=True), phase=Phase.CLOSED)
        .exclude(closure_reason="")
        .values("closure_reason")
        .annotate(
            cases=Count("id", distinct=True),
            people=Count("members", filter=Q(members__left_at__isnull=True)),
        )
    )
    return {row["closure_reason"]: (row["cases"], row["people"]) for row in rows}


def open_cases_by_phase() -> dict[str, int]:
    """{phase: open cases} now."""
    rows = (
        Case.objects.filter(closed_at__isnull=True, erased_at__isnull=True)
        .exclude(phase=Phase.CLOSED)
        .values("phase")
        .annotate(n=Count("id"))
    )
    return {row["phase"]: row["n"] for row in rows}


def open_flags() -> dict[str, int]:
    """{flag: open cases carrying it} now."""
    rows = (
        CaseFlag.objects.filter(OPEN_CASE, cleared_at__isnull=True)
        .values("flag")
        .annotate(n=Count("case", distinct=True))
    )
    return {row["flag"]: row["n"] for row in rows}


@dataclass
class StaffLoad:
    cases_led: int = 0
    open_tasks: int = 0
    overdue_tasks: int = 0


def workload(today: date) -> tuple[dict[str, StaffLoad], int]:
    """Per staff username: open cases led, open and overdue tasks; and open cases nobody
    leads. Staff usernames only (the coordinator assigns by them), never case details."""
    loads: dict[str, StaffLoad] = defaultdict(StaffLoad)
    led = (
        CaseAssignment.objects.filter(OPEN_CASE, ended_at__isnull=True, lead=True)
        .values("staff__username")
        .annotate(n=Count("case", distinct=True))
    )
    for row in led:
        loads[row["staff__username"]].cases_led = row["n"]
    tasks = (
        Task.objects.filter(OPEN_CASE, done_at__isnull=True, assignee__isnull=False)
        .values("assignee__username")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(due_on__lt=today)))
    )
    for row in tasks:
        load = loads[row["assignee__username"]]
        load.open_tasks, load.overdue_tasks = row["n"], row["overdue"]
    unled = (
        Case.objects.filter(closed_at__isnull=True, erased_at__isnull=True)
        .exclude(phase=Phase.CLOSED)
        .exclude(
            pk__in=CaseAssignment.objects.filter(ended_at__isnull=True, lead=True).values("case")
        )
        .count()
    )
    return dict(loads), unled


@dataclass
class ReplyFigures:
    received: int = 0
    days_to_reply: dict[int, int] = field(default_factory=dict)

    @property
    def replied(self) -> int:
        return sum(self.days_to_reply.values())


def first_replies(period: Period | None) -> dict[str, ReplyFigures]:
    """Per channel: requests received in the period and, for those the team has answered,
    whole days from arrival to the first reply in the thread (both are days, not times)."""
    first_reply = (
        Message.objects.filter(request=OuterRef("pk"), author=Author.TEAM)
        .values("request")
        .annotate(first=Min("sent_on"))
        .values("first")
    )
    received = Request.objects.filter(within("received_on", period))
    result: dict[str, ReplyFigures] = defaultdict(ReplyFigures)
    for row in received.values("channel").annotate(n=Count("id")):
        result[row["channel"]].received = row["n"]
    spans = (
        received.annotate(days=days_between(Subquery(first_reply), "received_on"))
        .filter(days__isnull=False)
        .values("channel", "days")
        .annotate(n=Count("id"))
    )
    for channel, days in histograms_by(spans, "channel").items():
        result[channel].days_to_reply = days
    return dict(result)
