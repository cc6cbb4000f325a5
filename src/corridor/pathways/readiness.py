"""Whether a person's documents are ready, derived from the register and the chosen plan.

With a plan chosen for the case, "documents ready" is derived: every document the plan's
route (and, for a plan through a transit country, an entry document that country
accepts) asks for that the register can show is there, in hand (with the person or with
us) and valid on the day of departure. Without a plan, the manual milestone is what
applies, as before. What a route asks for that is not a document of the register (a
referral, a sponsor's undertaking, an interview) is named as not checked here.

What a route needs has one source of truth: its sourced `checklist` (register kinds, each
needed as itself) when the catalog gives one, which is also what the route panel shows;
only a route without a checklist falls back to its `documents` (vocabulary codes, no
source), mapped to register kinds through REGISTER_KINDS. Both become the same `Need`
(a name and the register kinds that satisfy it), so nothing below them tells them apart.
The milestone follows this readiness (pathways/documents_ready.py).

    needs = needed_documents(route, transit, nationality)                     # pure
    readiness = documents_readiness(route_id=..., needed=needs,
                                    documents=[(kind, whereabouts, expires_on)],
                                    on=departure_or_today)                     # pure
    household_readiness(case, today=...)        # per current member, or {} without a plan
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from corridor.cases.document_expiry import next_departure
from corridor.cases.models import Case
from corridor.core.exceptions import CorridorError
from corridor.pathways.models import ChosenPlan
from corridor.pathways.schema import Route, Transit
from corridor.pathways.selectors import current_plan, get_latest_version, version_entry
from corridor.pathways.vocabulary import Document
from corridor.people.models import DocumentKind, DocumentWhereabouts, IdentityDocument

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
class Need:
    """One document a plan needs: `code` names it (a register kind from a checklist, or a
    route document code), `kinds` are the register kinds any one of which will do (None:
    not a document the register holds, so not checked)."""

    code: str
    kinds: frozenset[str] | None


@dataclass(frozen=True)
class Readiness:
    """`derived`: False when no plan is chosen (the manual milestone applies)."""

    derived: bool
    route_id: str = ""
    ready: bool = False
    missing: list[str] = field(default_factory=list)  # the needs' codes
    not_checked: list[str] = field(default_factory=list)


def route_document_need(code: str) -> Need:
    """A route document code (no checklist), as the register kinds that satisfy it."""
    return Need(code, REGISTER_KINDS.get(code))


def needed_documents(route: Route, transit: Transit | None, nationality: str) -> list[Need]:
    """The route's checklist (or, without one, its documents), and an entry document the
    transit country accepts when the plan goes through one and nothing the route needs is
    already such a document."""
    if route.checklist is not None:
        needed = [Need(kind, frozenset({kind})) for kind in route.checklist.documents]
    else:
        needed = [route_document_need(str(document)) for document in route.documents]
    if transit is not None:
        rule = next((r for r in transit.entry if r.nationality == nationality), None)
        if rule is not None and rule.documents_accepted:
            accepted: frozenset[str] = frozenset().union(
                *(REGISTER_KINDS.get(str(code), frozenset()) for code in rule.documents_accepted)
            )
            if not any(need.kinds and need.kinds <= accepted for need in needed):
                needed.append(Need(str(rule.documents_accepted[0]), accepted or None))
    return needed


def documents_readiness(
    *,
    route_id: str,
    needed: Iterable[Need],
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
    for need in needed:
        if need.kinds is None:
            not_checked.append(need.code)
        elif not need.kinds & valid:
            missing.append(need.code)
    return Readiness(
        derived=True,
        route_id=route_id,
        ready=not missing,
        missing=missing,
        not_checked=not_checked,
    )


def case_plan_entries(case: Case) -> tuple[Route, Transit | None] | None:
    """The case's chosen plan as catalog entries; None without a plan (or a catalog)."""
    try:
        return plan_entries(current_plan(case.pk))
    except CorridorError:
        return None  # no catalog loaded: no plan can be read, the milestone applies


def household_readiness(case: Case, *, today: date) -> dict[Any, Readiness]:
    """Each current member's readiness (person pk → Readiness) for the case's chosen plan,
    judged on the next planned departure (today when none); {} without a plan. Plain
    columns and the catalog only."""
    entries = case_plan_entries(case)
    if entries is None:
        return {}
    route, transit = entries
    members = dict(
        case.members.filter(left_at__isnull=True).values_list("person_id", "person__nationality")
    )
    rows: dict[Any, list[tuple[str, str, date | None]]] = {pk: [] for pk in members}
    for person_id, kind, where, expiry in IdentityDocument.objects.filter(
        person_id__in=members
    ).values_list("person_id", "kind", "whereabouts", "expires_on"):
        rows[person_id].append((kind, where, expiry))
    on = next_departure(case, today) or today
    return {
        pk: documents_readiness(
            route_id=route.id,
            needed=needed_documents(route, transit, nationality),
            documents=rows[pk],
            on=on,
        )
        for pk, nationality in members.items()
    }


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
