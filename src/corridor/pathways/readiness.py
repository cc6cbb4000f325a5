"""Whether a person's documents are ready, derived from the register and the chosen plan.

With a plan chosen for the case, "documents ready" is derived: every document the plan's
route (and, for a plan through a transit country, an entry document that country
accepts) asks for that the register can show is there, in hand (with the person or with
us) and valid on the day of departure. Without a plan, the manual milestone is what
applies, as before. What a route asks for that is not a document of the register (a
referral, a sponsor's undertaking, an interview) is named as not checked here.

    readiness = documents_readiness(plan=..., documents=[(kind, whereabouts, expires_on)],
                                    on=departure_or_today)                     # pure
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from corridor.pathways.models import ChosenPlan
from corridor.pathways.schema import Route, Transit
from corridor.pathways.selectors import get_latest_version, version_entry
from corridor.pathways.vocabulary import Document
from corridor.people.models import DocumentKind, DocumentWhereabouts

_IDENTITY = frozenset(
    {
        DocumentKind.INTERNAL_PASSPORT,
        DocumentKind.INTERNATIONAL_PASSPORT,
        DocumentKind.BIRTH_CERTIFICATE,
        DocumentKind.MILITARY_ID,
        DocumentKind.OTHER,
    }
)
# What a route asks for, as register kinds: any one of them will do.
REGISTER_KINDS: dict[str, frozenset[str]] = {
    Document.INTERNAL_PASSPORT: frozenset({DocumentKind.INTERNAL_PASSPORT}),
    Document.INTERNATIONAL_PASSPORT: frozenset({DocumentKind.INTERNATIONAL_PASSPORT}),
    Document.IDENTITY_DOCUMENTS: _IDENTITY,
    Document.EVIDENCE_OF_PERSECUTION: frozenset(
        {DocumentKind.POLICE_SUMMONS, DocumentKind.COURT_DOCUMENT, DocumentKind.MEDICAL_REPORT}
    ),
}
_IN_HAND = frozenset({DocumentWhereabouts.WITH_PERSON, DocumentWhereabouts.WITH_US})


@dataclass(frozen=True)
class Readiness:
    """`derived`: False when no plan is chosen (the manual milestone applies)."""

    derived: bool
    route_id: str = ""
    ready: bool = False
    missing: list[str] = field(default_factory=list)  # route document codes
    not_checked: list[str] = field(default_factory=list)


def needed_documents(route: Route, transit: Transit | None, nationality: str) -> list[str]:
    """The route's documents, and a passport the transit country accepts (the first it
    lists) when the plan goes through one."""
    needed = [str(document) for document in route.documents]
    if transit is not None:
        rule = next((r for r in transit.entry if r.nationality == nationality), None)
        if rule is not None and not any(kind in needed for kind in rule.documents_accepted):
            needed.append(str(rule.documents_accepted[0]))
    return needed


def documents_readiness(
    *,
    route_id: str,
    needed: Iterable[str],
    documents: Iterable[tuple[str, str, date | None]],
    on: date,
) -> Readiness:
    """Whether (kind, whereabouts, expires_on) rows meet `needed` on day `on`."""
    valid = {
        kind
        for kind, whereabouts, expires_on in documents
        if whereabouts in _IN_HAND and (expires_on is None or expires_on >= on)
    }
    missing: list[str] = []
    not_checked: list[str] = []
    for code in needed:
        kinds = REGISTER_KINDS.get(code)
        if kinds is None:
            not_checked.append(code)
        elif not kinds & valid:
            missing.append(code)
    return Readiness(
        derived=True,
        route_id=route_id,
        ready=not missing,
        missing=missing,
        not_checked=not_checked,
    )


def plan_entries(plan: ChosenPlan | None) -> tuple[Route, Transit | None] | None:
    """The route and transit entries of a chosen plan, as the catalog holds them now."""
    if plan is None:
        return None
    route_version = get_latest_version(plan.route_id)
    if route_version is None:
        return None
    route = version_entry(route_version)
    if not isinstance(route, Route):
        return None
    transit: Transit | None = None
    if plan.transit_id:
        transit_version = get_latest_version(plan.transit_id)
        entry = version_entry(transit_version) if transit_version else None
        transit = entry if isinstance(entry, Transit) else None
    return route, transit
