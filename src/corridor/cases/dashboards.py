"""Reads for the caseworker's dashboard and the coordinator's board (plain columns only).

Nothing here needs a case key: codes, dates, counts and references are what a
dashboard shows. Each read is a fixed number of queries whatever the number of
cases, so the pages stay fast with a hundred thousand cases on file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
    Window,
)

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases.danger import CaseSignals, Ranked, order_by_danger
from corridor.cases.models import (
    Case,
    CaseAssignment,
    CaseFlag,
    CaseMember,
    Incident,
    IncidentKind,
    Milestone,
    MilestoneKind,
    Phase,
    Task,
    TravelLeg,
)
from corridor.cases.stages import PHASE_ORDER
from corridor.core import clock
from corridor.people.models import ContactProtocol

# The board shows the first rows of each list and counts the rest, so it stays one screen
# (and one fast page) however many cases are open.
QUEUE_SIZE = 25
PHASE_PAGE = 50
FLAGGED_ON_BOARD = 60
IN_MOTION_ON_BOARD = 100
INCIDENTS_ON_BOARD = 100


def _open_cases() -> QuerySet[Case]:
    return Case.objects.filter(erased_at__isnull=True).exclude(phase=Phase.CLOSED)


# ---------------------------------------------------------------- the caseworker


def list_my_cases_by_danger(staff: Staff, *, now: datetime | None = None) -> list[Ranked]:
    """The open cases `staff` works on, most dangerous first, each with its reasons.

    Seven queries whatever the caseload: the cases, then one aggregate each for open
    incidents, overdue check-ins, open flags, members, milestones and open tasks.
    """
    moment = now or clock.now()
    today = moment.date()
    cases = list(
        _open_cases()
        .filter(assignments__staff=staff, assignments__ended_at__isnull=True)
        .distinct()
        .only("id", "ref", "phase", "risk_level", "opened_at")
    )
    return order_by_danger(signals_for(cases, now=moment), today=today)


def signals_for(cases: list[Case], *, now: datetime) -> list[CaseSignals]:
    """The danger facts of `cases` (six queries whatever their number)."""
    ids = [case.pk for case in cases]
    today = now.date()
    incidents: dict[object, list[str]] = defaultdict(list)
    for case_id, kind in (
        Incident.objects.filter(case_id__in=ids, closed_at__isnull=True)
        .order_by("created_at")
        .values_list("case_id", "kind")
    ):
        incidents[case_id].append(kind)
    check_ins = {
        row["case_id"]: row
        for row in ContactProtocol.objects.filter(
            check_in_due_at__lt=now,
            person__memberships__case_id__in=ids,
            person__memberships__left_at__isnull=True,
        )
        .values(case_id=F("person__memberships__case_id"))
        .annotate(people=Count("id"), since=Min("check_in_due_at"))
    }
    flags: dict[object, set[str]] = defaultdict(set)
    for case_id, flag in CaseFlag.objects.filter(
        case_id__in=ids, cleared_at__isnull=True
    ).values_list("case_id", "flag"):
        flags[case_id].add(flag)
    members = dict(
        CaseMember.objects.filter(case_id__in=ids, left_at__isnull=True)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    reached: dict[tuple[object, str], int] = {
        (row["case_id"], row["kind"]): row["n"]
        for row in Milestone.objects.filter(
            case_id__in=ids,
            kind__in=[MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY],
            person__memberships__case_id=F("case_id"),
            person__memberships__left_at__isnull=True,
        )
        .values("case_id", "kind")
        .annotate(n=Count("id"))
    }
    tasks = {
        row["case_id"]: row
        for row in Task.objects.filter(case_id__in=ids, done_at__isnull=True)
        .values("case_id")
        .annotate(
            next_due=Min("due_on"),
            overdue=Count("id", filter=Q(due_on__lt=today)),
        )
    }
    result = []
    for case in cases:
        check_in = check_ins.get(case.pk, {})
        task = tasks.get(case.pk, {})
        overdue = int(task.get("overdue", 0))
        result.append(
            CaseSignals(
                ref=case.ref,
                phase=case.phase,
                risk_level=case.risk_level,
                opened_on=case.opened_at.date(),
                incidents=tuple(incidents.get(case.pk, ())),
                overdue_check_ins=int(check_in.get("people", 0)),
                check_in_due_since=check_in.get("since"),
                flags=frozenset(flags.get(case.pk, ())),
                members=int(members.get(case.pk, 0)),
                out_of_region=reached.get((case.pk, MilestoneKind.OUT_OF_REGION), 0),
                left_country=reached.get((case.pk, MilestoneKind.LEFT_COUNTRY), 0),
                overdue_tasks=overdue,
                oldest_task_due=task.get("next_due") if overdue else None,
                next_task_due=task.get("next_due"),
            )
        )
    return result


# ---------------------------------------------------------------- the coordinator
#
# The board reads plain values, not model instances: it shows a few hundred rows, and
# building a model (and its case beside it) per row cost more than the queries did.


@dataclass(frozen=True)
class PhaseColumn:
    phase: Phase
    count: int
    flagged: list[tuple[str, list[str]]]


@dataclass(frozen=True)
class Workload:
    username: str
    leads: int
    cases: int
    # What this person's own dashboard counts over the same cases (signals_for).
    overdue_tasks: int = 0
    overdue_check_ins: int = 0
    incidents: int = 0


@dataclass(frozen=True)
class OpenIncident:
    id: UUID
    ref: str
    kind: str
    opened_at: datetime
    checklist: list[dict[str, str]]
    done: int
    steps: int


@dataclass(frozen=True)
class LegInMotion:
    ref: str
    travel_on: date
    kind: str
    from_place: str
    to_place: str
    mode: str
    people: int


@dataclass(frozen=True)
class QueuedCase:
    ref: str
    phase: str
    risk_level: str
    opened_at: datetime


@dataclass(frozen=True)
class Board:
    incidents: list[OpenIncident]
    incident_count: int  # all open incidents; `incidents` holds the first of them
    in_motion: list[LegInMotion]
    in_motion_count: int
    phases: list[PhaseColumn]
    unassigned: list[QueuedCase]
    unassigned_count: int
    workload: list[Workload]


def coordinator_board(*, now: datetime | None = None) -> Board:
    """Everything a coordinator watches, incidents first (six queries)."""
    moment = now or clock.now()
    unassigned, unassigned_count = first_unassigned()
    incidents, incident_count = list_open_incidents()
    in_motion, in_motion_count = list_legs_in_motion(moment.date())
    return Board(
        incidents=incidents,
        incident_count=incident_count,
        in_motion=in_motion,
        in_motion_count=in_motion_count,
        phases=count_phases(),
        unassigned=unassigned,
        unassigned_count=unassigned_count,
        workload=count_workload(),
    )


def first_unassigned() -> tuple[list[QueuedCase], int]:
    """The head of the unassigned queue and the length of the whole queue (one query).

    The length rides on each row as a window over the whole queue, so the rest of the
    queue is counted in the database instead of being read.
    """
    rows = list(
        list_unassigned()
        .annotate(queue=Window(Count("*")))
        .values_list("ref", "phase", "risk_level", "opened_at", "queue")[:QUEUE_SIZE]
    )
    return [QueuedCase(*row[:4]) for row in rows], (rows[0][4] if rows else 0)


def list_open_incidents() -> tuple[list[OpenIncident], int]:
    """The first open incidents, duress words first, then oldest first, and how many are
    open in all (one query: a board must never drop an incident without saying so)."""
    duress_first = CaseWhen(When(kind=IncidentKind.DURESS, then=0), default=1)
    rows = list(
        Incident.objects.filter(closed_at__isnull=True, case__erased_at__isnull=True)
        .annotate(total=Window(Count("*")))
        .order_by(duress_first, "created_at")
        .values_list("id", "case__ref", "kind", "created_at", "checklist", "total")[
            :INCIDENTS_ON_BOARD
        ]
    )
    incidents = [
        OpenIncident(
            id=pk,
            ref=ref,
            kind=kind,
            opened_at=opened_at,
            checklist=checklist,
            done=sum(1 for step in checklist if step.get("done_at")),
            steps=len(checklist),
        )
        for pk, ref, kind, opened_at, checklist, _ in rows
    ]
    return incidents, (rows[0][-1] if rows else 0)


def list_legs_in_motion(today: date) -> tuple[list[LegInMotion], int]:
    """The first journeys planned for today and tomorrow and not yet completed, with how
    many travel, and how many such journeys there are in all (one query)."""
    members = (
        CaseMember.objects.filter(case=OuterRef("case_id"), left_at__isnull=True)
        .values("case")
        .annotate(n=Count("*"))
        .values("n")
    )
    rows = list(
        TravelLeg.objects.filter(
            travel_on__in=[today, today + timedelta(days=1)],
            completed_on__isnull=True,
            cancelled_on__isnull=True,
            case__erased_at__isnull=True,
        )
        .annotate(people=Subquery(members), total=Window(Count("*")))
        .order_by("travel_on", "case__ref")
        .values_list(
            "case__ref", "travel_on", "kind", "from_place", "to_place", "mode", "people", "total"
        )[:IN_MOTION_ON_BOARD]
    )
    return [LegInMotion(*row[:-1]) for row in rows], (rows[0][-1] if rows else 0)


def count_phases() -> list[PhaseColumn]:
    """Open cases per phase, with the flagged ones named (two queries)."""
    # COUNT(*), not COUNT(id): the partial index `case_open` alone answers it, on SQLite and
    # PostgreSQL alike, without reading a row of the table.
    counts = dict(_open_cases().values("phase").annotate(n=Count("*")).values_list("phase", "n"))
    flagged: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = (
        CaseFlag.objects.filter(cleared_at__isnull=True, case__erased_at__isnull=True)
        .exclude(case__phase=Phase.CLOSED)
        .order_by("case__ref", "flag")
        .values_list("case__phase", "case__ref", "flag")[:FLAGGED_ON_BOARD]
    )
    for phase, ref, flag in rows:
        flagged[phase][ref].append(flag)
    return [
        PhaseColumn(
            phase=phase,
            count=int(counts.get(phase, 0)),
            flagged=sorted(flagged[phase].items()),
        )
        for phase in PHASE_ORDER
        if phase is not Phase.CLOSED
    ]


def list_unassigned() -> QuerySet[Case]:
    """Open cases with no lead, the riskiest and oldest first (index `case_unassigned`)."""
    return (
        _open_cases()
        .filter(lead__isnull=True)
        .order_by(F("risk_score").desc(nulls_last=True), "opened_at")
    )


def count_workload(*, now: datetime | None = None) -> list[Workload]:
    """Per caseworker and coordinator (those with none included), busiest first: the open
    cases they are assigned to, those they lead, and the overdue actions, overdue
    check-ins and open incidents of those cases, counted by signals_for, the very
    function each person's dashboard counts with, so the board and the dashboards agree.

    Nine queries whatever the number of people: the people, the open assignments, and the
    seven of signals_for over all assigned open cases at once.
    """
    moment = now or clock.now()
    people = list(
        Staff.objects.filter(
            is_active=True, groups__name__in=[Role.CASEWORKER.value, Role.COORDINATOR.value]
        )
        .distinct()
        .values_list("pk", "username")
    )
    assignments = list(
        CaseAssignment.objects.filter(
            ended_at__isnull=True, staff_id__in=[pk for pk, _name in people]
        )
        .filter(case__in=_open_cases())
        .values_list("staff_id", "case_id", "case__lead_id")
    )
    cases = list(
        _open_cases()
        .filter(pk__in={case_id for _staff, case_id, _lead in assignments})
        .only("id", "ref", "phase", "risk_level", "opened_at")
    )
    ref_of = {case.pk: case.ref for case in cases}
    signals = {row.ref: row for row in signals_for(cases, now=moment)}
    by_person: dict[int, set[UUID]] = defaultdict(set)
    leading: dict[int, set[UUID]] = defaultdict(set)
    for staff_id, case_id, lead_id in assignments:
        by_person[staff_id].add(case_id)
        if lead_id == staff_id:
            leading[staff_id].add(case_id)
    rows = []
    for pk, username in people:
        mine = [signals[ref_of[case_id]] for case_id in by_person[pk] if case_id in ref_of]
        rows.append(
            Workload(
                username=username,
                leads=len(leading[pk]),
                cases=len(mine),
                overdue_tasks=sum(row.overdue_tasks for row in mine),
                overdue_check_ins=sum(row.overdue_check_ins for row in mine),
                incidents=sum(len(row.incidents) for row in mine),
            )
        )
    return sorted(rows, key=lambda row: (-row.cases, row.username))


def list_cases_in_phase(phase: Phase, *, after: str = "") -> list[Case]:
    """One page of a phase's cases by reference, with their open flags and lead (3 queries)."""
    cases = (
        _open_cases() if phase is not Phase.CLOSED else Case.objects.filter(erased_at__isnull=True)
    )
    page = (
        cases.filter(phase=phase, ref__gt=after)
        .order_by("ref")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=CaseFlag.objects.filter(cleared_at__isnull=True),
                to_attr="open_flags",
            ),
            Prefetch(
                "assignments",
                queryset=CaseAssignment.objects.filter(
                    ended_at__isnull=True, lead=True
                ).select_related("staff"),
                to_attr="leads",
            ),
        )
    )
    return list(page[:PHASE_PAGE])
