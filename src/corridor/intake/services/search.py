"""The search box: a case or a request by its reference, a person by name or phone.

    found = search(actor=staff, text="RQ-7K3M-Q9TZ")
    found = search(actor=staff, text="+7 928 123-45-67")

A name or a phone is normalised as screening normalises it (screening/facts.py) and looked
up through the requests' blind indexes, and through the same indexes of every person on
a case (people.PersonIndexEntry, written with each person's names and contacts), so a
household member who never wrote a request is found too. A person candidate on a case
the searcher may open is that case as a result (confirmed on the case page, opened for
work); on any other case it is counted, like a request's. A blind-index value names candidates only
(several rows share each value by design), so a candidate becomes a result only when
its request is one the searcher may open and its decrypted facts equal the search
exactly; that read is what the searcher's key allows. Candidates beyond what the
searcher may open cannot be confirmed by them: they are a count ("2 other cases match;
ask a coordinator"), never a reference. Each search is one audit event (counts, never
the text searched); a search that reaches beyond is rate-limited per person and counted
toward the insider alert like an opening.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.access import may_see_case
from corridor.cases.models import Case
from corridor.cases.services.insider import check_openings
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.core.ids import normalise_reference
from corridor.intake.access import access_request_facts
from corridor.intake.models import IndexEntry, Request, Status
from corridor.intake.screening.budget import NAME, PHONE
from corridor.intake.screening.facts import Facts, facts_from_answers
from corridor.intake.screening.indexes import index_values
from corridor.intake.selectors import requests_visible_to
from corridor.intake.throttles import Bucket, Rate, take_tokens
from corridor.people.models import PersonIndexEntry

# Searches reaching beyond one's own cases: this many an hour per person.
BEYOND_PER_HOUR = 20
NOTHING_TO_SEARCH = _("Type a reference (CR-… or RQ-…), a full name or a phone number.")


class SearchesExhausted(NotAllowed):
    """The person searched beyond their cases too often this hour (nothing was counted)."""


@dataclass
class SearchResult:
    """What the searcher may open, and how many other cases or requests match."""

    kind: str  # "reference", "person" or "" (nothing searchable)
    cases: list[Case] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    other_cases: int = 0
    other_requests: int = 0

    @property
    def beyond(self) -> int:
        return self.other_cases + self.other_requests


def search(*, actor: Staff, text: str) -> SearchResult:
    """Search as `actor`; InvalidInput for nothing searchable, SearchesExhausted when the
    person searched beyond their cases too often this hour (nothing is counted then)."""
    cleaned = " ".join(str(text or "").split())[:200]
    if len(cleaned) < 3:
        raise InvalidInput(str(NOTHING_TO_SEARCH))
    result = _by_reference(actor, cleaned)
    if result is None:
        result = _by_person(actor, cleaned)
    if result.beyond:
        refused = take_tokens([Bucket(f"search:staff:{actor.pk}", Rate(BEYOND_PER_HOUR, 3600))])
        if refused is not None:
            minutes = max(1, refused.retry_after // 60)
            raise SearchesExhausted(
                ngettext(
                    "Too many searches found cases you cannot open. Try again in %(minutes)s "
                    "minute, or ask a coordinator.",
                    "Too many searches found cases you cannot open. Try again in %(minutes)s "
                    "minutes, or ask a coordinator.",
                    minutes,
                )
                % {"minutes": minutes}
            )
    with transaction.atomic():
        record_event(
            actor=actor,
            event=EventType.SEARCH_MADE,
            object_type=ObjectType.STAFF,
            object_id=str(actor.pk),
            reason=result.kind or "nothing",
            detail={
                "cases": len(result.cases),
                "requests": len(result.requests),
                "beyond": result.beyond,
            },
        )
        if result.beyond:
            # Counted toward the insider alert (cases/services/insider.py).
            record_event(
                actor=actor,
                event=EventType.SEARCH_BEYOND,
                object_type=ObjectType.STAFF,
                object_id=str(actor.pk),
                detail={"cases": result.other_cases, "requests": result.other_requests},
            )
            check_openings(actor)
    return result


def _by_reference(actor: Staff, text: str) -> SearchResult | None:
    case_ref = normalise_reference("CR", text) if text.upper().startswith("CR") else None
    request_ref = normalise_reference("RQ", text) if text.upper().startswith("RQ") else None
    if case_ref is None and request_ref is None:
        return None
    result = SearchResult(kind="reference")
    if case_ref is not None:
        case = Case.objects.filter(ref=case_ref, erased_at__isnull=True).first()
        if case is not None and may_see_case(actor, case):
            result.cases.append(case)
        elif case is not None:
            result.other_cases = 1
    if request_ref is not None:
        found = Request.objects.filter(reference=request_ref).exclude(status=Status.ERASED)
        visible = requests_visible_to(actor).filter(reference=request_ref).first()
        if visible is not None:
            result.requests.append(visible)
        elif found.exists():
            result.other_requests = 1
    return result


def _by_person(actor: Staff, text: str) -> SearchResult:
    wanted = facts_from_answers({"phone": text, "name_to_use": text})
    wanted = Facts(phones=wanted.phones, names=wanted.names)
    values = {
        (name, value) for name, value in index_values(wanted) if name in (PHONE.name, NAME.name)
    }
    result = SearchResult(kind="person")
    candidates: set[uuid.UUID] = set()
    people: set[uuid.UUID] = set()
    for name, value in sorted(values):
        entries = IndexEntry.objects.filter(name=name, value=value, request__isnull=False)
        candidates |= {row for row in entries.values_list("request_id", flat=True) if row}
        found = PersonIndexEntry.objects.filter(name=name, value=value)
        people |= set(found.values_list("person_id", flat=True))
    beyond_cases: set[uuid.UUID] = set()
    if candidates:
        _requests_found(actor, wanted, candidates, result, beyond_cases)
    if people:
        _people_found(actor, people, result, beyond_cases)
    result.other_cases = len(beyond_cases)
    return result


def _people_found(
    actor: Staff, people: set[uuid.UUID], result: SearchResult, beyond_cases: set[uuid.UUID]
) -> None:
    """The cases the candidate people are on: results if the searcher may see them,
    counted otherwise (a person who left a case still leads to it)."""
    cases = (
        Case.objects.filter(members__person_id__in=people, erased_at__isnull=True)
        .distinct()
        .order_by("opened_at", "ref")
    )
    for case in cases:
        if may_see_case(actor, case):
            if case not in result.cases:
                result.cases.append(case)
        else:
            beyond_cases.add(case.pk)


def _requests_found(
    actor: Staff,
    wanted: Facts,
    candidates: set[uuid.UUID],
    result: SearchResult,
    beyond_cases: set[uuid.UUID],
) -> None:
    rows = Request.objects.filter(pk__in=candidates).exclude(status=Status.ERASED)
    visible = set(requests_visible_to(actor).filter(pk__in=candidates).values_list("pk", flat=True))
    for request in rows.select_related("case").order_by("received_on", "reference"):
        case = request.case
        if request.pk in visible:
            if _confirmed(actor, request, wanted):
                result.requests.append(request)
                if case is not None and may_see_case(actor, case) and case not in result.cases:
                    result.cases.append(case)
        elif case is not None and may_see_case(actor, case):
            # The case is theirs but its request is not theirs to decrypt: a candidate
            # they can check on the case itself.
            if case not in result.cases:
                result.cases.append(case)
        elif case is not None:
            beyond_cases.add(case.pk)
        else:
            result.other_requests += 1


def _confirmed(actor: Staff, request: Request, wanted: Facts) -> bool:
    """The candidate's decrypted facts share the searched phone or name exactly."""
    theirs = access_request_facts(actor, request)
    if theirs is None:
        return False
    return bool(wanted.phones & theirs.all_phones or wanted.names & theirs.names)
