"""What the case page says under each person's documents: the expiry warnings and whether
their documents are ready (derived from the chosen plan, or the manual milestone)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from corridor.cases.document_expiry import ExpiryWarning, case_expiry_warnings, next_departure
from corridor.cases.models import Case
from corridor.pathways.checklists import kind_label
from corridor.pathways.presentation import LABELS
from corridor.pathways.readiness import (
    Readiness,
    case_plan_entries,
    documents_readiness,
    needed_documents,
)
from corridor.pathways.vocabulary import Document
from corridor.people.models import IdentityDocument, Person


@dataclass(frozen=True)
class DocumentPanel:
    warnings: list[ExpiryWarning] = field(default_factory=list)
    readiness: Readiness = field(default_factory=lambda: Readiness(derived=False))
    missing: list[str] = field(default_factory=list)  # the route's documents, in words
    not_checked: list[str] = field(default_factory=list)


def document_panels(
    case: Case,
    people: Iterable[Person],
    documents: dict[Any, list[IdentityDocument]],
    *,
    today: date,
) -> dict[Any, DocumentPanel]:
    """Each person's panel, by person id (plain columns and the catalog only)."""
    warnings = case_expiry_warnings(case, today=today)
    entries = case_plan_entries(case)
    on = next_departure(case, today) or today
    panels: dict[Any, DocumentPanel] = {}
    for person in people:
        readiness = Readiness(derived=False)
        if entries is not None:
            route, transit = entries
            readiness = documents_readiness(
                route_id=route.id,
                needed=needed_documents(route, transit, person.nationality),
                documents=[
                    (row.kind, row.whereabouts, row.expires_on)
                    for row in documents.get(person.pk, [])
                ],
                on=on,
            )
        panels[person.pk] = DocumentPanel(
            warnings=[warning for warning in warnings if warning.person_id == person.pk],
            readiness=readiness,
            missing=[_word(code) for code in readiness.missing],
            not_checked=[_word(code) for code in readiness.not_checked],
        )
    return panels


def _word(code: str) -> str:
    """A route document's words, or a register kind's (a checklist names kinds)."""
    try:
        return str(LABELS[Document(code)])
    except (ValueError, KeyError):
        return kind_label(code)
