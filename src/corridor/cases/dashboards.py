"""Reads for the caseworker's dashboard and the coordinator's board (plain columns only).

Nothing here needs a case key: codes, dates, counts and references are what a
dashboard shows. Each read is a fixed number of queries whatever the number of
cases, so the pages stay fast with a hundred thousand cases on file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case as CaseWhen
from django.db.models import Count, F, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, When

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
LEG_COLUMNS = (
    "id",
    "kind",
    "from_place",
    "to_place",
    "mode",
    "travel_on",
    "case__ref",
)


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


@dataclass(frozen=True)
class OpenIncident:
    incident: Incident
    done: int
    steps: int


@dataclass(frozen=True)
class LegInMotion:
    leg: TravelLeg
    people: int


@dataclass(frozen=True)
class Board:
    incidents: list[OpenIncident]
    in_motion: list[LegInMotion]
    phases: list[PhaseColumn]
    unassigned: list[Case]
    unassigned_count: int
    workload: list[Workload]


def coordinator_board(*, now: datetime | None = None) -> Board:
    """Everything a coordinator watches, incidents first (eight queries)."""
    moment = now or clock.now()
    today = moment.date()
    # One read of the whole queue (a few hundred references at most): counted and cut here.
    unassigned = list(list_unassigned().only("id", "ref", "phase", "risk_level", "opened_at"))
    return Board(
        incidents=list_open_incidents(),
        in_motion=list_legs_in_motion(today),
        phases=count_phases(),
        unassigned=list(unassigned[:QUEUE_SIZE]),
        unassigned_count=len(unassigned),
        workload=count_workload(),
    )


def list_open_incidents() -> list[OpenIncident]:
    """Open incidents, duress words first, then oldest first."""
    duress_first = CaseWhen(When(kind=IncidentKind.DURESS, then=0), default=1)
    incidents = (
        Incident.objects.filter(closed_at__isnull=True, case__erased_at__isnull=True)
        .select_related("case")
        .only("id", "kind", "checklist", "created_at", "case__ref")
        .order_by(duress_first, "created_at")
    )
    return [
        OpenIncident(
            incident=incident,
            done=sum(1 for step in incident.checklist if step.get("done_at")),
            steps=len(incident.checklist),
        )
        for incident in incidents[:INCIDENTS_ON_BOARD]
    ]


def list_legs_in_motion(today: date) -> list[LegInMotion]:
    """Journeys planned for today and tomorrow and not yet completed, with how many travel."""
    members = (
        CaseMember.objects.filter(case=OuterRef("case_id"), left_at__isnull=True)
        .values("case")
        .annotate(n=Count("*"))
        .values("n")
    )
    legs = (
        TravelLeg.objects.filter(
            travel_on__in=[today, today + timedelta(days=1)],
            completed_on__isnull=True,
            case__erased_at__isnull=True,
        )
        .select_related("case")
        .only(*LEG_COLUMNS)
        .annotate(people=Subquery(members))
        .order_by("travel_on", "case__ref")
    )
    return [LegInMotion(leg=leg, people=leg.people) for leg in legs[:IN_MOTION_ON_BOARD]]


def count_phases() -> list[PhaseColumn]:
    """Open cases per phase, with the flagged ones named (two queries)."""
    counts = dict(_open_cases().values("phase").annotate(n=Count("id")).values_list("phase", "n"))
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


def count_workload() -> list[Workload]:
    """Open cases per caseworker and coordinator (those with none included), busiest first.

    Leads are counted from the open cases' index (`case_open`), team members from their
    own small index: the years of closed cases with their old assignments are never read.
    """
    leads = dict(
        _open_cases()
        .filter(lead__isnull=False)
        .values("lead")
        .annotate(n=Count("*"))
        .values_list("lead", "n")
    )
    team = dict(
        CaseAssignment.objects.filter(
            ended_at__isnull=True, lead=False, case__erased_at__isnull=True
        )
        .exclude(case__phase=Phase.CLOSED)
        .values("staff")
        .annotate(n=Count("*"))
        .values_list("staff", "n")
    )
    people = Staff.objects.filter(
        is_active=True, groups__name__in=[Role.CASEWORKER.value, Role.COORDINATOR.value]
    ).distinct()
    rows = [
        Workload(
            username=person.username,
            leads=int(leads.get(person.pk, 0)),
            cases=int(leads.get(person.pk, 0)) + int(team.get(person.pk, 0)),
        )
        for person in people.only("id", "username")
    ]
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
