"""Is this row someone already here? Compared with the rows before it in the file, and
through the blind indexes with earlier requests and imported cases, confirmed on
decrypted values as screening confirms them (intake/services/screening.py): a blind
index value only names candidates."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.intake.models import IndexEntry, Request, Signal, Status
from corridor.intake.screening.budget import DOCUMENT, NAME, PHONE
from corridor.intake.screening.facts import Facts
from corridor.intake.screening.indexes import index_values
from corridor.intake.screening.signals import match_signals
from corridor.transfer.access import access_imported_facts, access_request_facts_for_import
from corridor.transfer.models import ImportedIndex, ImportedRow
from corridor.transfer.rows import CaseDraft, Problem

# The indexes that name candidates, as screening uses them (intake/screening/budget.py).
LOOKUP_INDEXES = frozenset({PHONE.name, DOCUMENT.name, NAME.name})

DUPLICATE_OF_ROW = _("The same person as row %(row)s (%(why)s); only row %(row)s is imported.")
DUPLICATE_OF_REQUEST = _("The same person as request %(ref)s already here (%(why)s).")
DUPLICATE_OF_CASE = _("The same person as case %(ref)s already imported (%(why)s).")
MAYBE_DUPLICATE = _(
    "Perhaps the same person as a request or case you may not open: ask a coordinator who"
    " works on it to compare; if they are different people, add this one by hand."
)
WHY = {
    "duplicate_phone": _("same phone"),
    "duplicate_document": _("same document number"),
    "duplicate_name": _("same name and date of birth"),
    "shared_contact": _("same phone"),
}


class Accepted:
    """The rows accepted so far, looked up by phone, document and name: a row is compared
    only with the rows sharing one of its values, not with every row before it."""

    def __init__(self) -> None:
        self.by_value: dict[str, list[CaseDraft]] = defaultdict(list)

    def append(self, draft: CaseDraft) -> None:
        for value in self._values(draft.facts):
            self.by_value[value].append(draft)

    def candidates(self, facts: Facts) -> list[CaseDraft]:
        found = {id(d): d for v in self._values(facts) for d in self.by_value.get(v, [])}
        return sorted(found.values(), key=lambda draft: draft.row)

    @staticmethod
    def _values(facts: Facts) -> list[str]:
        return [
            *(f"p|{phone}" for phone in facts.phones),
            *(f"d|{number}" for number in facts.documents),
            *(f"n|{name}" for name in facts.names),
        ]


def find_duplicate(
    actor: Actor, draft: CaseDraft, accepted: Accepted
) -> tuple[Problem | None, int]:
    """The first confirmed duplicate of the row (an earlier row, request or imported
    case) as a problem, and how many stored facts were opened to confirm."""
    facts = draft.facts
    for earlier in accepted.candidates(facts):
        signals = match_signals(facts, earlier.facts) - {Signal.SHARED_CONTACT}
        if signals:
            why = ", ".join(sorted({str(WHY[str(s)]) for s in signals}))
            return Problem(
                draft.row, "", str(DUPLICATE_OF_ROW % {"row": earlier.row, "why": why})
            ), 0
    values = index_values(facts)
    lookups = [(name, value) for name, value in values if name in LOOKUP_INDEXES]
    opened = 0
    request_ids: set[uuid.UUID] = set()
    row_ids: set[uuid.UUID] = set()
    for name, value in sorted(lookups):
        request_ids |= set(
            IndexEntry.objects.filter(name=name, value=value, request__isnull=False).values_list(
                "request_id", flat=True
            )
        )
        row_ids |= set(
            ImportedIndex.objects.filter(name=name, value=value).values_list("row_id", flat=True)
        )
    for request in Request.objects.filter(pk__in=request_ids, facts__isnull=False).exclude(
        status=Status.ERASED
    ):
        theirs = access_request_facts_for_import(actor, request)
        opened += 1
        if theirs is None:
            return _unconfirmed(actor, draft), opened
        why = _why(facts, theirs)
        if why:
            return Problem(
                draft.row, "", str(DUPLICATE_OF_REQUEST % {"ref": request.reference, "why": why})
            ), opened
    for row in ImportedRow.objects.filter(pk__in=row_ids, case__isnull=False).select_related(
        "case"
    ):
        case = row.case
        if case is None or case.erased_at is not None:
            continue
        theirs = access_imported_facts(actor, row, case)
        opened += 1
        if theirs is None:
            return _unconfirmed(actor, draft), opened
        why = _why(facts, theirs)
        if why:
            return Problem(
                draft.row, "", str(DUPLICATE_OF_CASE % {"ref": case.ref, "why": why})
            ), opened
    return None, opened


def _unconfirmed(actor: Actor, draft: CaseDraft) -> Problem:
    """A candidate the importer may not open (a case led by someone else): refused rather
    than risk one person twice, without naming it (a sheet of guessed phone numbers must
    not list who asked for help), and counted toward the insider alert as a search that
    reached beyond one's own cases is."""
    record_event(
        actor=actor,
        event=EventType.SEARCH_BEYOND,
        object_type=ObjectType.IMPORT,
        object_id="",
        detail={"row": draft.row},
    )
    return Problem(draft.row, "", str(MAYBE_DUPLICATE))


def _why(facts: Facts, theirs: Facts | None) -> str:
    if theirs is None:
        return ""
    signals = match_signals(facts, theirs) - {Signal.SHARED_CONTACT}
    return ", ".join(sorted({str(WHY[str(s)]) for s in signals}))
