"""Route changes reach the cases: who is alerted when a route is paused, closed or changed.

"Affected" means what someone chose and stored for a case: an open application on the route,
or the plan chosen for the case (pathways.plan_choices) that goes through it. Plans are
computed from sealed facts on demand, so finding them would mean opening every case's facts;
a route change never scans the caseload. The alerts carry only the case
reference (StaffAlert is content-free); the case page says the rest to those who may read it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import StaffAlert
from corridor.cases.models import CaseAssignment
from corridor.pathways.models import Application, ApplicationStatus, ChosenPlan
from corridor.pathways.schema import Route, Transit, entry_content

ROUTE_CHANGED = "route_changed"
# AffectedCase.status of a case that has no open application on the route but chose a plan
# through it.
CHOSEN_PLAN = "chosen_plan"
# An application still being pursued; a decided or withdrawn one no longer depends on the route.
OPEN_APPLICATION = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.APPEALED,
)
# What a caseworker acts on. A change only to a source's dates, excerpts or the review date
# re-confirms a fact; it does not change what the person can do.
_NOT_MATERIAL = frozenset({"last_reviewed", "source", "status_source", "notes"})


@dataclass(frozen=True)
class AffectedCase:
    ref: str
    route_id: str
    status: str  # the application's status code, or CHOSEN_PLAN

    @property
    def status_label(self) -> str:
        if self.status == CHOSEN_PLAN:
            return str(_("Plan chosen for the case"))
        return str(ApplicationStatus(self.status).label)

    @property
    def what(self) -> str:
        """What ties the case to the route, for the CLI's English lines."""
        return "chosen plan" if self.status == CHOSEN_PLAN else "open application"


def is_material_change(older: Route | Transit | None, newer: Route | Transit) -> bool:
    """True when a route's status, eligibility, steps, fees, times or risks changed (a new
    route is not a change for anyone: nobody can have applied on it yet)."""
    if older is None or not isinstance(newer, Route):
        return False
    return _material(entry_content(older)) != _material(entry_content(newer))


def affected_cases(route_ids: Iterable[str]) -> list[AffectedCase]:
    """Cases with an open application on one of these routes, or whose current chosen plan
    goes through one (live cases only), by ref; an application is named before a plan."""
    ids = list(route_ids)
    rows = (
        Application.objects.filter(
            route_id__in=ids,
            status__in=OPEN_APPLICATION,
            case__erased_at__isnull=True,
        )
        .values_list("case__ref", "route_id", "status")
        .order_by("case__ref", "route_id")
        .distinct()
    )
    found = [AffectedCase(ref=ref, route_id=route, status=status) for ref, route, status in rows]
    applied = {(case.ref, case.route_id) for case in found}
    plans = (
        ChosenPlan.objects.filter(
            Q(route_id__in=ids) | Q(transit_id__in=ids),
            ended_at__isnull=True,
            case__erased_at__isnull=True,
        )
        .values_list("case__ref", "route_id", "transit_id")
        .order_by("case__ref")
    )
    for ref, route, transit in plans:
        on = route if route in ids else transit
        if (ref, on) not in applied:
            found.append(AffectedCase(ref=ref, route_id=on, status=CHOSEN_PLAN))
    return sorted(found, key=lambda case: (case.ref, case.route_id, case.status == CHOSEN_PLAN))


def alert_route_change(route_ids: Iterable[str]) -> list[AffectedCase]:
    """Alert the caseworkers working each affected case (one alert per person and case that
    has none open already); returns the affected cases. Call inside the change's transaction."""
    affected = affected_cases(route_ids)
    refs = sorted({case.ref for case in affected})
    if not refs:
        return affected
    workers = CaseAssignment.objects.filter(
        case__ref__in=refs, ended_at__isnull=True, staff__is_active=True
    ).values_list("staff_id", "case__ref")
    already = set(
        StaffAlert.objects.filter(
            code=ROUTE_CHANGED, case_ref__in=refs, dismissed_at__isnull=True
        ).values_list("staff_id", "case_ref")
    )
    wanted = sorted(set(workers) - already)
    StaffAlert.objects.bulk_create(
        StaffAlert(staff_id=staff_id, code=ROUTE_CHANGED, case_ref=ref) for staff_id, ref in wanted
    )
    return affected


def _material(content: dict[str, object]) -> object:
    return _strip({k: v for k, v in content.items() if k not in _NOT_MATERIAL})


def _strip(value: object) -> object:
    """The content without sources anywhere inside it (each fact's own evidence)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("source", "status_source")}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value
