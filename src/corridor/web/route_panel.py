"""The case page's routes panel and applications list, built only while the case is open.

Which routes fit a person says a great deal about them (their profile, their ties,
where they will not go), so the panel exists only when the case is open for work:
its facts are opened through `pathways.access` (an audited read) and nothing of
it is built otherwise. The applications list shows plain columns to anyone on the
case; their reference numbers, which identify the person to the authority, only
while the case is open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.cases.models import Case, Relation
from corridor.cases.risk import targets
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.pathways import selectors
from corridor.pathways.access import access_application_references, access_case_routes
from corridor.pathways.checklists import (
    ChecklistState,
    household_checklists,
    kind_label,
    planned_departure,
)
from corridor.pathways.models import Application, ApplicationStatus, RouteNote
from corridor.pathways.presentation import results_json, ways_out_json, word
from corridor.pathways.results import MatchResult
from corridor.pathways.schema import Route
from corridor.pathways.vocabulary import Verdict
from corridor.pathways.words import Message, is_warning
from corridor.web.case_forms import member_labels

VERDICT_LABELS = {
    Verdict.ELIGIBLE.value: _("Open now"),
    Verdict.AFTER_STEPS.value: _("Open after steps"),
    Verdict.INELIGIBLE.value: _("Closed"),
}
# The plans shown unfolded, best first; the rest fold under one line.
SHOWN_PLANS = 5
NO_PLAN_FOR_THEM = _("this plan does not exist for them (see their documents)")
# Applications still waiting on the authority or on us: their deadline is worth a look.
ACTIVE = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INTERVIEW,
        ApplicationStatus.DOCUMENTS_REQUESTED,
        ApplicationStatus.APPEALED,
    }
)


@dataclass(frozen=True)
class ApplicationLine:
    """One application as the case page lists it."""

    application: Application
    route_name: str  # the route's name in the reader's language (its id if not in force)
    people: list[str]
    steps: list[tuple[str, date]]
    reference: str | None  # None while the case is not open (or none was recorded)
    overdue: bool


@dataclass(frozen=True)
class RoutePanel:
    """Ways out of the country first, then the routes that are open, then the closed ones."""

    nationality: str = ""
    current_country: str = ""
    ways_out: list[dict[str, Any]] = field(default_factory=list)
    open_results: list[dict[str, Any]] = field(default_factory=list)
    # Open plans beyond the best SHOWN_PLANS, folded.
    more_open_results: list[dict[str, Any]] = field(default_factory=list)
    closed_results: list[dict[str, Any]] = field(default_factory=list)
    to_country_days: int | None = None
    # How many warnings the ways out carry, said on their folded line.
    ways_out_risks: int = 0
    problem: str = ""  # why there is no panel (no catalog, a fact missing)
    # No document of the principal is known: every route that needs one reads "closed".
    documents_unknown: bool = False


def build_route_panel(viewer: Staff, case: Case, applications: list[Application]) -> RoutePanel:
    """The panel for a case that is open for work (the caller checks that it is)."""
    try:
        routes = access_case_routes(viewer, case)
    except CorridorError as problem:
        return RoutePanel(problem=str(problem))
    lang = (get_language() or "en")[:2]
    paused = selectors.paused_routes()
    plan = selectors.current_plan(case.pk)
    chosen = list(plan.route_ids) if plan is not None else None
    mine: dict[str, list[Application]] = {}
    for application in applications:
        mine.setdefault(application.route_id, []).append(application)
    # The JSON the CLI prints, so the panel and `corridor pathways match` never disagree.
    results: list[dict[str, Any]] = results_json(routes.results, lang=lang)
    notes = selectors.route_notes_by_route(
        route_id for result in results for route_id in result["route_ids"]
    )
    labels = member_labels(case)
    checklists = _checklists(case, {ids[-1] for ids in (r["route_ids"] for r in results)}, labels)
    for match, result in zip(routes.results, results, strict=True):
        result["warnings"] = _warnings(match.risk_notes, lang)
    for rank, result in enumerate(results, start=1):
        route_ids: list[str] = result["route_ids"]
        result["left_out"] = _left_out(routes.left_out.get(tuple(route_ids), []), labels, lang)
        final = route_ids[-1]  # a plan ends on its route; the legs before it are transits
        result.update(
            rank=rank,
            route_id=final,
            verdict_label=VERDICT_LABELS[result["verdict"]],
            explanation=result["reasons"][0],
            findings=result["reasons"][1:],
            paused=paused.get(final),
            notes=_notes(notes, route_ids),
            applications=mine.get(final, []),
            chosen=route_ids == chosen,
            transit_id=route_ids[0] if len(route_ids) > 1 else "",
            checklist=checklists.get(final),
        )
    _, to_country = targets(case.risk_level) if case.risk_level else (None, None)
    for match, result in zip(routes.results, results, strict=True):
        result["target"] = _against_target(match, result, to_country)
    ways_out: list[dict[str, Any]] = ways_out_json(routes.ways_out, lang=lang)
    for leg, line in zip(routes.ways_out, ways_out, strict=True):
        line["warnings"] = _warnings(leg.risk_notes, lang)
    open_results = [r for r in results if r["verdict"] != Verdict.INELIGIBLE.value]
    closed_results = [r for r in results if r["verdict"] == Verdict.INELIGIBLE.value]
    _each_risk_once(ways_out, [*open_results, *closed_results])
    return RoutePanel(
        nationality=routes.nationality,
        current_country=routes.current_country,
        ways_out=ways_out,
        open_results=open_results[:SHOWN_PLANS],
        more_open_results=open_results[SHOWN_PLANS:],
        closed_results=closed_results,
        to_country_days=to_country,
        ways_out_risks=sum(leg["warning_count"] for leg in ways_out),
        documents_unknown=_documents_unknown(case),
    )


def _against_target(
    match: MatchResult, result: dict[str, Any], target: int | None
) -> dict[str, Any] | None:
    """An open plan's time to safety beside the case's own risk target (days to be out of
    the country), for the panel to say whether it fits; None when there is nothing to
    compare (no risk level yet, or a closed route). A plan whose time the sources do not
    give says nothing here: its explanation already says the time is unknown. With steps
    of unknown length the known days are a floor: longer than the target is certain,
    within it is not (`fits` None)."""
    if target is None or result["verdict"] == Verdict.INELIGIBLE.value:
        return None
    days = result["expected_days"]
    fits: bool | None = days is not None and days <= target
    if fits and match.basis.unknown_steps:
        fits = None
    return {"days": days, "target": target, "fits": fits}


def _warnings(notes: Iterable[Message], lang: str) -> set[str]:
    """The risk notes (as worded in `lang`) that warn of harm: the panel shows them red and
    the other notes (neutral facts such as how long one may stay) muted."""
    with override(lang):
        return {word(note, lang) for note in notes if is_warning(note)}


def _each_risk_once(ways_out: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """Each risk note once per country: the ways out, one per country, show theirs; a plan
    shows only the notes not already shown above it (in the order shown), and counts the
    others (`risks_shown_above`) instead of repeating them. `warning_count` counts the
    warnings among the notes each shows."""
    seen: set[str] = {note for leg in ways_out for note in leg["risk_notes"]}
    for leg in ways_out:
        leg["risks_shown_above"] = 0
        leg["warning_count"] = sum(note in leg["warnings"] for note in leg["risk_notes"])
    for entry in results:
        notes: list[str] = entry["risk_notes"]
        entry["risk_notes"] = [note for note in notes if note not in seen]
        entry["risks_shown_above"] = len(notes) - len(entry["risk_notes"])
        entry["warning_count"] = sum(note in entry["warnings"] for note in entry["risk_notes"])
        entry["fact_count"] = len(entry["risk_notes"]) - entry["warning_count"]
        seen.update(notes)


def application_lines(
    viewer: Staff, case: Case, applications: list[Application], *, opened: bool
) -> list[ApplicationLine]:
    """The case's applications with their timelines; reference numbers only when `opened`."""
    references = access_application_references(viewer, case, applications) if opened else {}
    labels = member_labels(case)
    today = clock.today()
    names = route_names(get_language() or "en")
    return [
        ApplicationLine(
            application=application,
            route_name=names.get(application.route_id, application.route_id),
            people=[labels.get(person.pk, "—") for person in application.people.all()],
            steps=[(step.get_status_display(), step.on) for step in application.steps.all()],
            reference=references.get(str(application.pk)),
            overdue=application.deadline is not None
            and application.deadline < today
            and application.status in ACTIVE,
        )
        for application in applications
    ]


def route_names(lang: str) -> dict[str, str]:
    """Each route in force by id, named in `lang`: a caseworker reads names, not ids
    (the case page's applications and the applications board alike)."""
    try:
        entries = selectors.list_current_entries()
    except selectors.CatalogNotLoaded:
        return {}
    return {entry.id: entry.name.ru if lang == "ru" else entry.name.en for entry in entries}


def _checklists(
    case: Case, route_ids: set[str], labels: dict[Any, str]
) -> dict[str, dict[str, Any]]:
    """Each shown route's documents checklist for the household, by route id: per person,
    each needed document there, missing or expiring before the planned departure. A route
    whose sources do not list its documents has none (the panel says nothing for it)."""
    try:
        entries = selectors.list_current_entries()
    except selectors.CatalogNotLoaded:
        return {}
    needed = {
        entry.id: entry.checklist
        for entry in entries
        if isinstance(entry, Route) and entry.checklist is not None and entry.id in route_ids
    }
    if not needed:
        return {}
    departure = planned_departure(case)
    found: dict[str, dict[str, Any]] = {}
    for route_id, checklist in needed.items():
        people = household_checklists(case, checklist.documents, departure=departure)
        rows = [
            {
                "person": labels.get(person_id, "—"),
                "lines": [
                    {
                        "label": kind_label(line.kind),
                        "state": line.state.value,
                        "expires_on": line.expires_on,
                    }
                    for line in lines
                ],
            }
            for person_id, lines in people.items()
        ]
        states = [line.state for lines in people.values() for line in lines]
        found[route_id] = {
            "people": rows,
            "missing": states.count(ChecklistState.MISSING),
            "expiring": states.count(ChecklistState.EXPIRING),
            "departure": departure,
            "source": checklist.source.source,
        }
    return found


def _documents_unknown(case: Case) -> bool:
    principal = case.members.filter(left_at__isnull=True, relation=Relation.PRINCIPAL).first()
    if principal is None:
        return False
    person = principal.person
    return person.has_internal_passport is None and person.has_international_passport is None


def _left_out(
    entries: list[tuple[str, MatchResult | None]], labels: dict[Any, str], lang: str
) -> list[str]:
    """ "2 · Partner · 30–49: why it is closed for them" for each member it is not open for."""
    lines = []
    for person_id, theirs in entries:
        label = next((text for pk, text in labels.items() if str(pk) == person_id), "—")
        reasons = cast(list[str], results_json([theirs], lang=lang)[0]["reasons"]) if theirs else []
        why = reasons[1] if len(reasons) > 1 else str(NO_PLAN_FOR_THEM)
        lines.append(f"{label}: {why}")
    return lines


def _notes(notes: dict[str, list[RouteNote]], route_ids: list[str]) -> list[RouteNote]:
    found = [note for route_id in route_ids for note in notes.get(route_id, [])]
    return sorted(found, key=lambda note: note.created_at, reverse=True)
