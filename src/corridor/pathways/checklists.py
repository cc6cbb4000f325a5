"""A route's documents checklist against the household's document register.

For each person and each document the route's checklist names: there (an original in
hand that lasts), expiring (in hand, but it expires within 6 months of the planned
departure, or already has) or missing (none recorded, or lost or confiscated). The
states read only plain register columns (kind, whereabouts, expiry); no number or
issue date is opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from corridor.cases.document_expiry import MONTHS_AHEAD, add_months, next_departure
from corridor.cases.models import Case
from corridor.core import clock
from corridor.people.models import DocumentKind, DocumentWhereabouts, IdentityDocument

_IN_HAND = frozenset({DocumentWhereabouts.WITH_PERSON, DocumentWhereabouts.WITH_US})


class ChecklistState(StrEnum):
    THERE = "there"
    EXPIRING = "expiring"
    MISSING = "missing"


@dataclass(frozen=True)
class ChecklistLine:
    kind: str
    state: ChecklistState
    expires_on: date | None = None


def document_state(
    kind: str, documents: Iterable[tuple[str, str, date | None]], *, departure: date
) -> ChecklistLine:
    """The state of one needed `kind` among a person's register rows (kind, whereabouts,
    expiry), judged against the planned `departure`. Pure. Of several documents of the
    kind, the best one counts: in hand and lasting longest (no expiry lasts)."""
    held = [
        expiry for row_kind, where, expiry in documents if row_kind == kind and where in _IN_HAND
    ]
    if not held:
        return ChecklistLine(kind, ChecklistState.MISSING)
    if any(expiry is None for expiry in held):
        return ChecklistLine(kind, ChecklistState.THERE)
    latest = max(expiry for expiry in held if expiry is not None)
    if latest <= add_months(departure, MONTHS_AHEAD):
        return ChecklistLine(kind, ChecklistState.EXPIRING, latest)
    return ChecklistLine(kind, ChecklistState.THERE, latest)


def person_checklist(
    needed: Sequence[str], documents: Iterable[tuple[str, str, date | None]], *, departure: date
) -> list[ChecklistLine]:
    rows = list(documents)
    return [document_state(kind, rows, departure=departure) for kind in needed]


def planned_departure(case: Case) -> date:
    """The day the case's documents are judged against (cases.document_expiry); today
    when no journey is planned (a document that expires within 6 months of today warns
    already)."""
    today = clock.today()
    return next_departure(case, today) or today


def household_checklists(
    case: Case, needed: Sequence[str], *, departure: date
) -> dict[object, list[ChecklistLine]]:
    """Each current member's checklist (person pk → lines), in the route's order."""
    members = list(
        case.members.filter(left_at__isnull=True)
        .order_by("joined_at", "id")
        .values_list("person_id", flat=True)
    )
    rows: dict[object, list[tuple[str, str, date | None]]] = {pk: [] for pk in members}
    for person_id, kind, where, expiry in IdentityDocument.objects.filter(
        person_id__in=members
    ).values_list("person_id", "kind", "whereabouts", "expires_on"):
        rows[person_id].append((kind, where, expiry))
    return {pk: person_checklist(needed, rows[pk], departure=departure) for pk in members}


def kind_label(kind: str) -> str:
    """The register's name for a kind (the code itself only if the register lost it)."""
    try:
        return str(DocumentKind(kind).label)
    except ValueError:
        return kind
