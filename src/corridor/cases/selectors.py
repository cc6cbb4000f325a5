"""Reads of cases that need no key: lists, counts, the shapes the CLI and dashboards print."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.cases.closing import RunningItem, RunningKind
from corridor.cases.models import (
    Case,
    CaseAssignment,
    CaseFlag,
    CaseLink,
    CaseMember,
    ExchangeRate,
    Expense,
    Flag,
    FundingSource,
    Incident,
    Milestone,
    Note,
    Placement,
    RiskAssessment,
    Task,
    TimelineEntry,
    TravelLeg,
)
from corridor.cases.services._base import facts_of
from corridor.cases.services.opening import linked_cases
from corridor.cases.stages import CaseFacts
from corridor.core import clock
from corridor.people.models import ContactProtocol


def list_open_cases() -> QuerySet[Case]:
    return Case.objects.filter(erased_at__isnull=True)


@dataclass(frozen=True)
class CaseLine:
    """One case as `corridor cases list --json` prints it: no personal data."""

    ref: str
    phase: str
    flags: list[str]
    risk_level: str | None
    assignee: str | None
    days_open: int

    def as_json(self) -> dict[str, object]:
        return {
            "ref": self.ref,
            "phase": self.phase,
            "flags": self.flags,
            "risk_level": self.risk_level,
            "assignee": self.assignee,
            "days_open": self.days_open,
        }


def list_case_lines() -> list[CaseLine]:
    """Every case not erased, ordered by reference, in three queries."""
    today = clock.today()
    cases = (
        Case.objects.filter(erased_at__isnull=True)
        .order_by("ref")
        .prefetch_related(
            Prefetch("flags", queryset=CaseFlag.objects.filter(cleared_at__isnull=True)),
            Prefetch(
                "assignments",
                queryset=CaseAssignment.objects.filter(
                    ended_at__isnull=True, lead=True
                ).select_related("staff"),
            ),
        )
    )
    lines = []
    for case in cases:
        lead = next(iter(case.assignments.all()), None)
        end = case.closed_at.date() if case.closed_at else today
        lines.append(
            CaseLine(
                ref=case.ref,
                phase=case.phase,
                flags=sorted({flag.flag for flag in case.flags.all()}),
                risk_level=case.risk_level or None,
                assignee=lead.staff.username if lead else None,
                days_open=(end - case.opened_at.date()).days,
            )
        )
    return lines


TIMELINE_ON_PAGE = 100


@dataclass(frozen=True)
class MemberLine:
    """One person of the household as the case page shows them before anything is opened."""

    number: int
    membership: CaseMember
    milestones: dict[str, date]
    protocol: ContactProtocol | None


@dataclass(frozen=True)
class CaseDetail:
    """Everything plain about one case, for its page (the caller adds plaintext if opened)."""

    case: Case
    members: list[MemberLine]
    facts: CaseFacts
    flags: list[CaseFlag]
    assignments: list[CaseAssignment]
    assessment: RiskAssessment | None
    tasks: list[Task]
    notes: list[Note]
    expenses: list[Expense]
    placements: list[Placement]
    legs: list[TravelLeg]
    incidents: list[Incident]
    links: list[tuple[CaseLink, Case]]
    timeline: list[TimelineEntry]


def assigned_case_ids(staff: Staff) -> QuerySet[CaseAssignment, Any]:
    """The ids of the cases `staff` is assigned to now, as a subquery."""
    return CaseAssignment.objects.filter(staff=staff, ended_at__isnull=True).values("case_id")


def get_case_detail(case: Case, *, with_links: bool) -> CaseDetail:
    """The case's plain columns: people by number, milestones, flags, work and history."""
    memberships = list(
        case.members.filter(left_at__isnull=True)
        .select_related("person", "person__protocol")
        .order_by("joined_at", "id")
    )
    person_ids = [membership.person_id for membership in memberships]
    reached: dict[object, dict[str, date]] = {}
    for person_id, kind, on in Milestone.objects.filter(
        case=case, person_id__in=person_ids
    ).values_list("person_id", "kind", "reached_on"):
        reached.setdefault(person_id, {})[kind] = on
    members = [
        MemberLine(
            number=number,
            membership=membership,
            milestones=reached.get(membership.person_id, {}),
            protocol=getattr(membership.person, "protocol", None),
        )
        for number, membership in enumerate(memberships, start=1)
    ]
    links: list[tuple[CaseLink, Case]] = []
    if with_links:
        both = CaseLink.objects.filter(case_a=case) | CaseLink.objects.filter(case_b=case)
        for link in both.select_related("case_a", "case_b").order_by("created_at"):
            links.append((link, link.case_b if link.case_a_id == case.pk else link.case_a))
    return CaseDetail(
        case=case,
        members=members,
        facts=facts_of(case),
        flags=list(case.flags.filter(cleared_at__isnull=True).order_by("raised_at")),
        assignments=list(
            case.assignments.filter(ended_at__isnull=True)
            .select_related("staff")
            .order_by("-lead", "assigned_at")
        ),
        assessment=case.assessments.order_by("-created_at").first(),
        tasks=list(case.tasks.order_by("done_at", "due_on", "created_at")),
        notes=list(case.notes.select_related("author").order_by("-created_at")),
        expenses=list(case.expenses.select_related("funding_source").order_by("-spent_on")),
        placements=list(case.placements.order_by("-starts_on")),
        legs=list(case.legs.order_by("travel_on")),
        incidents=list(case.incidents.order_by("closed_at", "-created_at")),
        links=[(link, other) for link, other in links if other.erased_at is None],
        timeline=list(case.timeline.order_by("-at", "-id")[:TIMELINE_ON_PAGE]),
    )


def get_incident(case: Case, incident_id: UUID) -> Incident | None:
    """The incident if it belongs to `case`: an id from another case finds nothing."""
    return Incident.objects.filter(pk=incident_id, case=case).first()


def list_linked_cases_flagged(case: Case) -> list[tuple[Case, bool]]:
    """Cases linked to `case`, by reference, and whether each is flagged compromised now."""
    others = linked_cases(case)
    flagged = set(
        CaseFlag.objects.filter(
            case__in=others, flag=Flag.COMPROMISED, cleared_at__isnull=True
        ).values_list("case_id", flat=True)
    )
    return [(other, other.pk in flagged) for other in sorted(others, key=lambda c: c.ref)]


def list_shelter_neighbours(case: Case) -> list[Placement]:
    """Other cases placed today in the shelters `case` is placed in today."""
    today = clock.today()
    current = Placement.objects.filter(case=case, starts_on__lte=today).exclude(ends_on__lt=today)
    shelters = list(current.values_list("shelter_ref", flat=True))
    return list(
        Placement.objects.filter(shelter_ref__in=shelters, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .exclude(case=case)
        .select_related("case")
        .order_by("shelter_ref", "case__ref")
    )


def list_exchange_rates(*, limit: int = 100) -> QuerySet[ExchangeRate]:
    return ExchangeRate.objects.order_by("-as_of", "currency")[:limit]


def list_funding_sources() -> QuerySet[FundingSource]:
    return FundingSource.objects.order_by("code")


def list_running(case: Case) -> list[RunningItem]:
    """What still runs in the case and must be settled before it closes: placements not
    ended, journeys neither completed nor cancelled, open actions, open incidents. Labels
    are codes and dates only."""
    today = clock.today()
    items = [
        RunningItem(
            RunningKind.PLACEMENT,
            str(placement.pk),
            str(
                _("Placement %(shelter)s since %(date)s")
                % {"shelter": placement.shelter_ref, "date": placement.starts_on.isoformat()}
            ),
        )
        for placement in case.placements.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=today)
        ).order_by("starts_on")
    ]
    items += [
        RunningItem(
            RunningKind.JOURNEY,
            str(leg.pk),
            str(
                _("Journey %(from)s → %(to)s on %(date)s")
                % {"from": leg.from_place, "to": leg.to_place, "date": leg.travel_on.isoformat()}
            ),
        )
        for leg in case.legs.filter(completed_on__isnull=True, cancelled_on__isnull=True).order_by(
            "travel_on"
        )
    ]
    items += [
        RunningItem(
            RunningKind.TASK,
            str(task.pk),
            str(_("Next action due %(date)s") % {"date": task.due_on.isoformat()}),
        )
        for task in case.tasks.filter(done_at__isnull=True).order_by("due_on", "created_at")
    ]
    items += [
        RunningItem(
            RunningKind.INCIDENT,
            str(incident.pk),
            str(
                _("Incident: %(kind)s, since %(date)s")
                % {
                    "kind": incident.get_kind_display(),
                    "date": incident.created_at.date().isoformat(),
                }
            ),
        )
        for incident in case.incidents.filter(closed_at__isnull=True).order_by("created_at")
    ]
    return items


def list_protocols_of_case(case: Case) -> QuerySet[ContactProtocol]:
    """The contact protocols of the people in the case now."""
    return ContactProtocol.objects.filter(
        person__memberships__case=case, person__memberships__left_at__isnull=True
    )
