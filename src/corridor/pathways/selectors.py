"""Reads of the catalog in the database, and of applications and their outcomes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.cases.closing import RunningItem, RunningKind
from corridor.core import clock
from corridor.core.exceptions import NotFound
from corridor.pathways.models import (
    APPLICATION_DECIDED,
    Application,
    ApplicationStatus,
    CatalogExport,
    CatalogVersion,
    ChosenPlan,
    Origin,
    RouteNote,
    RoutePause,
    SlotAgreement,
)
from corridor.pathways.ranking import DEFAULT_TARGET_DAYS, GrantCounts, RankingInputs
from corridor.pathways.rules import Catalog, compile_catalog
from corridor.pathways.schema import Route, Transit, parse_entry
from corridor.pathways.vocabulary import Status, Urgency

CATALOG_NOT_LOADED = "The pathway catalog is not loaded: run `corridor pathways load`."


class CatalogNotLoaded(NotFound):
    """No catalog version exists in the database yet."""


def list_latest_versions() -> list[CatalogVersion]:
    """The newest version of every entry, by entry id."""
    newest = CatalogVersion.objects.values("entry_id").annotate(number=Max("number"))
    wanted = {(row["entry_id"], row["number"]) for row in newest}
    versions = CatalogVersion.objects.filter(entry_id__in=[entry for entry, _ in wanted])
    return [version for version in versions if (version.entry_id, version.number) in wanted]


def get_latest_version(entry_id: str) -> CatalogVersion | None:
    return CatalogVersion.objects.filter(entry_id=entry_id).order_by("-number").first()


def version_entry(version: CatalogVersion) -> Route | Transit:
    """The validated entry a version holds (validated again: the schema may be stricter now)."""
    return parse_entry(json.loads(version.content))


def list_current_entries() -> list[Route | Transit]:
    """The catalog in force: the newest version of every entry. Raises CatalogNotLoaded."""
    versions = list_latest_versions()
    if not versions:
        raise CatalogNotLoaded(CATALOG_NOT_LOADED)
    return [version_entry(version) for version in versions]


def paused_routes() -> dict[str, RoutePause]:
    """Routes the organisation has paused now, by id."""
    return {pause.route_id: pause for pause in RoutePause.objects.filter(resumed_at__isnull=True)}


def get_current_catalog() -> Catalog:
    """The catalog in force with the organisation's pauses, compiled for matching.
    Raises CatalogNotLoaded."""
    paused = paused_routes()
    entries = [
        entry.model_copy(update={"status": Status.PAUSED})
        if isinstance(entry, Route) and entry.id in paused
        else entry
        for entry in list_current_entries()
    ]
    return compile_catalog(entries)


def is_exported(version: CatalogVersion) -> bool:
    return CatalogExport.objects.filter(version=version).exists()


def list_unexported_admin_edits() -> list[CatalogVersion]:
    """Entries whose newest version is an admin edit not yet written back to the files."""
    return [
        version
        for version in list_latest_versions()
        if version.origin == Origin.ADMIN and not is_exported(version)
    ]


# ---------------------------------------------------------------- applications and outcomes


def outcome_counts(*, since: date) -> dict[str, GrantCounts]:
    """The organisation's own decided applications per route since `since` (granted, denied)."""
    rows = (
        Application.objects.filter(status__in=APPLICATION_DECIDED, decided_on__gte=since)
        .values("route_id", "status")
        .annotate(count=Count("id"))
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["route_id"], {"granted": 0, "denied": 0})[row["status"]] = row[
            "count"
        ]
    return {
        route: GrantCounts(granted=c["granted"], denied=c["denied"]) for route, c in counts.items()
    }


def places_used(*, year: int) -> dict[str, int]:
    """Applications submitted this year per route (each takes one of the year's places)."""
    rows = (
        Application.objects.filter(submitted_on__year=year)
        .values("route_id")
        .annotate(count=Count("id"))
    )
    return {row["route_id"]: row["count"] for row in rows}


def ranking_inputs() -> RankingInputs:
    """Targets from settings, and this calendar year's own outcomes and places used."""
    today = clock.today()
    targets = dict(DEFAULT_TARGET_DAYS)
    for name, days in getattr(settings, "CORRIDOR_PATHWAY_TARGET_DAYS", {}).items():
        targets[Urgency(name)] = int(days)
    return RankingInputs(
        target_days=targets,
        outcomes=outcome_counts(since=date(today.year, 1, 1)),
        places_used=places_used(year=today.year),
    )


def list_applications_of_case(case_id: Any) -> list[Application]:
    """The case's applications, oldest first, with their steps and people."""
    return list(
        Application.objects.filter(case_id=case_id)
        .prefetch_related("steps", "people")
        .order_by("created_at")
    )


def current_plan(case_id: Any) -> ChosenPlan | None:
    """The plan chosen for the case now, if any (route ids only: no personal data)."""
    return ChosenPlan.objects.filter(case_id=case_id, ended_at__isnull=True).first()


# An application still waiting on someone: closing the case must end or keep it.
PENDING = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.APPEALED,
)


def list_running_applications(case_id: Any) -> list[RunningItem]:
    """The case's pending applications, as the closing checklist lists them."""
    return [
        RunningItem(
            RunningKind.APPLICATION,
            str(application.pk),
            str(
                _("Application %(route)s (%(status)s)")
                % {"route": application.route_id, "status": application.get_status_display()}
            ),
        )
        for application in Application.objects.filter(case_id=case_id, status__in=PENDING).order_by(
            "created_at"
        )
    ]


def list_board_applications(
    *, case_ids: QuerySet[Any] | None, country: str = ""
) -> list[Application]:
    """Applications of cases not erased, by status, country and submission; only those of
    `case_ids` when given (a caseworker's own cases)."""
    apps = Application.objects.select_related("case").filter(case__erased_at__isnull=True)
    if case_ids is not None:
        apps = apps.filter(case_id__in=case_ids)
    if country:
        apps = apps.filter(country=country)
    return list(apps.order_by("status", "country", "submitted_on"))


def list_entry_versions(entry_id: str) -> list[CatalogVersion]:
    """Every version of one catalog entry, newest first."""
    return list(CatalogVersion.objects.filter(entry_id=entry_id).order_by("-number"))


def list_route_notes(route_id: str, *, limit: int = 50) -> list[RouteNote]:
    """The route's dated notes, newest first."""
    return list(RouteNote.objects.filter(route_id=route_id).order_by("-created_at")[:limit])


def route_notes_by_route(
    route_ids: Iterable[str], *, per_route: int = 3
) -> dict[str, list[RouteNote]]:
    """The newest notes of each route, newest first."""
    found: dict[str, list[RouteNote]] = {}
    for note in RouteNote.objects.filter(route_id__in=set(route_ids)).order_by("-created_at"):
        notes = found.setdefault(note.route_id, [])
        if len(notes) < per_route:
            notes.append(note)
    return found


def places_taken(slot: SlotAgreement) -> int:
    """Places of the agreement that applications hold (a withdrawn one gives its place back)."""
    return slot.applications.exclude(status=ApplicationStatus.WITHDRAWN).count()


def list_slot_agreements(
    *, route_id: str = "", valid_on: date | None = None
) -> list[tuple[SlotAgreement, int]]:
    """Agreements with the places their applications hold, newest first; of one route, or
    only those in force on `valid_on`, when given."""
    slots = SlotAgreement.objects.annotate(
        taken=Count("applications", filter=~Q(applications__status=ApplicationStatus.WITHDRAWN))
    )
    if route_id:
        slots = slots.filter(route_id=route_id)
    if valid_on is not None:
        slots = slots.filter(valid_from__lte=valid_on, valid_until__gte=valid_on)
    return [(slot, slot.taken) for slot in slots.order_by("-valid_until", "-created_at")]
