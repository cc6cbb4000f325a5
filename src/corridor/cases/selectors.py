"""Reads of cases that need no key: lists, counts, the shapes the CLI and dashboards print."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from corridor.cases.models import Case, CaseAssignment, CaseFlag
from corridor.core import clock


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
