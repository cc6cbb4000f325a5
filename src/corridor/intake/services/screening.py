"""The screening task: every new request is opened, indexed and compared before a person
reads it.

    enqueue_on_commit(screen_request_task, str(request.id))   # on arrival
    screen_request(actor=WORKER, request_id=request.id)       # what the task runs

Blind-index values and narrative bands only name candidates (several rows share each
value by design); a signal is raised only after the worker decrypts the candidate's
normalised facts and finds them equal, so a truncation collision between strangers
raises nothing. The task takes an id, stores codes, and parks as `awaiting_unseal`
while the key provider is sealed (core/parking.py).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import WORKER, SystemActor
from corridor.core.exceptions import KeysUnavailable
from corridor.core.parking import parks_until_unseal
from corridor.core.tasks import corridor_task
from corridor.intake.access import (
    access_request_facts,
    access_request_for_screening,
    access_watch_entry_details,
)
from corridor.intake.carryover import in_danger_now
from corridor.intake.keyd_phase import record_phase
from corridor.intake.models import (
    UNSCREENED,
    IndexEntry,
    NarrativeBand,
    Request,
    RequestFlag,
    Signal,
    Status,
    Urgency,
    WatchEntry,
)
from corridor.intake.screening.budget import DOB, DOCUMENT, NAME, NAME_YEAR, PHONE
from corridor.intake.screening.facts import Facts, facts_from_answers, narrative_of
from corridor.intake.screening.indexes import IndexValue, index_values
from corridor.intake.screening.minhash import (
    Signature,
    decode_signature,
    encode_signature,
    keyed_word_hasher,
    narrative_signature,
    signature_bands,
    similarity,
)
from corridor.intake.screening.signals import match_signals, text_signals, watch_matches
from corridor.intake.services.opening import open_sealed_request
from corridor.vault import keys as vault_keys
from corridor.vault.fields import JSONValue, seal_field
from corridor.vault.keyd.worker_tasks import SCREEN_REQUEST
from corridor.vault.ledger import working_on

# Indexes that find candidates; the short compound and date-of-birth indexes only
# narrow name candidates before anything is decrypted (see screening/budget.py).
LOOKUP_INDEXES = frozenset({PHONE.name, DOCUMENT.name, NAME.name})
NARROWING_INDEXES = frozenset({NAME_YEAR.name, DOB.name})
# Estimated share of shared three-word shingles from which two stories are one template.
TEMPLATE_SIMILARITY = 0.5
PARKED_KIND = "intake.screen_request"


@dataclass
class Findings:
    """What screening found for one request: signals by matched request, and its own."""

    by_other: dict[uuid.UUID, set[Signal]] = field(default_factory=lambda: defaultdict(set))
    own: set[Signal] = field(default_factory=set)

    def codes(self) -> list[str]:
        found = set(self.own)
        for signals in self.by_other.values():
            found |= signals
        return sorted(signal.value for signal in found)


@corridor_task
def screen_request_task(request_id: str) -> None:
    """The background task queued on every new request (ids only, returns nothing)."""
    screen_or_park(request_id)


@parks_until_unseal(PARKED_KIND)
def screen_or_park(request_id: str) -> None:
    # keyd serves this task request and watchlist keys only (vault/keyd/worker_tasks.py).
    with working_on(SCREEN_REQUEST):
        screen_request(actor=WORKER, request_id=uuid.UUID(request_id))


def screen_request(*, actor: SystemActor, request_id: uuid.UUID) -> Findings | None:
    """Open, index and compare one request, then move it to verification with its
    signals; None if it is gone or was screened already. Raises KeysUnavailable (after
    marking the request `awaiting_unseal`) while the key provider is sealed."""
    request = Request.objects.filter(pk=request_id).first()
    if request is None or request.status not in UNSCREENED or request.screened_at is not None:
        return None
    try:
        if request.sealed_answers is not None:
            request = open_sealed_request(actor=actor, request=request)
        opened = access_request_for_screening(actor, request)
        if opened is None or request.key_id is None:
            return None  # erased before it was screened
        answers, messages = opened
        key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
        facts = facts_from_answers(answers)
        values = index_values(facts)
        signature = narrative_signature(narrative_of(answers), hash_word=keyed_word_hasher())
        findings = Findings()
        rows = _candidate_rows(request, values)
        _confirm_requests(actor, facts, values, rows, findings)
        if _confirm_watchlist(actor, facts, rows):
            findings.own.add(Signal.WATCHLIST_MATCH)
        findings.own |= text_signals(
            [value for value in answers.values() if isinstance(value, str)] + messages
        )
    except KeysUnavailable:
        Request.objects.filter(pk=request.pk, status=Status.AWAITING_SCREENING).update(
            status=Status.AWAITING_UNSEAL
        )
        raise
    similar = _similar_narratives(request, signature)
    if _in_flood(request):
        findings.own.add(Signal.FLOOD)
    for other in similar:
        findings.by_other[other].add(Signal.TEMPLATED_NARRATIVE)
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=request.pk)
        if locked.screened_at is not None:
            return None
        seal_field(locked, "facts", facts.as_json(), key=key)
        locked.narrative_signature = encode_signature(signature) if signature else ""
        locked.screened_at = clock.now()
        locked.status = Status.IN_VERIFICATION
        locked.urgency = urgency_of(answers)
        locked.save(
            update_fields=["facts", "narrative_signature", "screened_at", "status", "urgency"]
        )
        record_phase(locked)
        _store_lookups(locked, values, signature)
        _store_flags(actor, locked, findings, similar)
        record_event(
            actor=actor,
            event=EventType.REQUEST_SCREENED,
            object_type=ObjectType.REQUEST,
            object_id=str(locked.id),
            detail={"flags": "+".join(findings.codes()) or "none", "channel": locked.channel},
        )
    return findings


def screen_waiting_requests(*, actor: SystemActor, limit: int = 50) -> int:
    """Screen requests still waiting whose task never ran (queued before a crash, or
    received before screening existed) or that waited for unseal; returns how many were
    screened. Raises KeysUnavailable at the first that still meets sealed keys."""
    waiting = Request.objects.filter(status__in=UNSCREENED, screened_at__isnull=True).order_by(
        "created_at"
    )[:limit]
    return sum(
        screen_request(actor=actor, request_id=request_id) is not None
        for request_id in list(waiting.values_list("pk", flat=True))
    )


def urgency_of(answers: dict[str, JSONValue]) -> str:
    """The triage code the inbox sorts by: "now" when the person (or the hotline caller)
    said they are in danger right now, else what they chose, else ""."""
    if in_danger_now(answers):
        return Urgency.NOW.value
    given = answers.get("urgency")
    return given if isinstance(given, str) and given in Urgency.values else ""


def _candidate_rows(
    request: Request, values: set[IndexValue]
) -> list[tuple[uuid.UUID | None, uuid.UUID | None, str]]:
    """(request id, watch entry id, index name) of every row sharing a lookup value.

    One query per value, each a seek on the (name, value) index: an OR of them all made
    SQLite scan the whole table (half a million rows at 100,000 requests)."""
    rows: list[tuple[uuid.UUID | None, uuid.UUID | None, str]] = []
    for name, value in sorted(values):
        if name in LOOKUP_INDEXES:
            found = IndexEntry.objects.filter(name=name, value=value).exclude(request_id=request.pk)
            rows += list(found.values_list("request_id", "watch_id", "name"))
    return rows


def _confirm_requests(
    actor: SystemActor,
    facts: Facts,
    values: set[IndexValue],
    rows: list[tuple[uuid.UUID | None, uuid.UUID | None, str]],
    findings: Findings,
) -> None:
    """Decrypt each candidate's facts and keep the signals they confirm."""
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    for other_id, _, name in rows:
        if other_id is not None:
            found[other_id].add(name)
    candidates = _narrowed(found, values)
    for other in Request.objects.filter(pk__in=candidates, facts__isnull=False).exclude(
        status=Status.ERASED
    ):
        other_facts = access_request_facts(actor, other)
        if other_facts is not None:
            confirmed = match_signals(facts, other_facts)
            if confirmed:
                findings.by_other[other.pk] |= confirmed


def _narrowed(found: dict[uuid.UUID, set[str]], values: set[IndexValue]) -> set[uuid.UUID]:
    """Drop candidates found by name alone whose short birth-year or date-of-birth
    values differ from ours (both known): two people who share a name. Cheap, before
    any decryption; the confirmation compares the real values anyway."""
    name_only = [other for other, names in found.items() if names == {NAME.name}]
    ours = {(name, value) for name, value in values if name in NARROWING_INDEXES}
    dropped: set[uuid.UUID] = set()
    if name_only and ours:
        theirs: dict[uuid.UUID, set[IndexValue]] = defaultdict(set)
        rows = IndexEntry.objects.filter(request_id__in=name_only, name__in=NARROWING_INDEXES)
        for other_id, name, value in rows.values_list("request_id", "name", "value"):
            theirs[other_id].add((name, value))
        for other_id, entries in theirs.items():
            for index in NARROWING_INDEXES:
                mine = {entry for entry in ours if entry[0] == index}
                their = {entry for entry in entries if entry[0] == index}
                if mine and their and not mine & their:
                    dropped.add(other_id)
    return set(found) - dropped


def _confirm_watchlist(
    actor: SystemActor,
    facts: Facts,
    rows: list[tuple[uuid.UUID | None, uuid.UUID | None, str]],
) -> bool:
    watch_ids = {watch_id for _, watch_id, _ in rows if watch_id is not None}
    for entry in WatchEntry.objects.filter(pk__in=watch_ids, removed_at__isnull=True):
        details = access_watch_entry_details(actor, entry)
        if details is not None and watch_matches(facts, facts_from_answers(details)):
            return True
    return False


def _similar_narratives(request: Request, signature: Signature | None) -> set[uuid.UUID]:
    """Earlier requests whose narrative signature is close to this one's."""
    if signature is None:
        return set()
    wanted = dict(enumerate(signature_bands(signature)))
    bands = NarrativeBand.objects.filter(value__in=wanted.values()).exclude(request_id=request.pk)
    candidates = {
        other
        for other, band, value in bands.values_list("request_id", "band", "value")
        if wanted.get(band) == value
    }
    rows = (
        Request.objects.filter(pk__in=candidates)
        .exclude(status=Status.ERASED)
        .values_list("pk", "narrative_signature")
    )
    return {
        other_id
        for other_id, stored in rows
        if similarity(signature, decode_signature(stored)) >= TEMPLATE_SIMILARITY
    }


def _in_flood(request: Request) -> bool:
    arrived = Request.objects.filter(channel=request.channel, received_on=request.received_on)
    return arrived.count() > int(settings.CORRIDOR_SCREENING_FLOOD_PER_DAY)


def _store_lookups(request: Request, values: set[IndexValue], signature: Signature | None) -> None:
    IndexEntry.objects.bulk_create(
        IndexEntry(request=request, name=name, value=value) for name, value in sorted(values)
    )
    if signature is not None:
        NarrativeBand.objects.bulk_create(
            NarrativeBand(request=request, band=band, value=value)
            for band, value in enumerate(signature_bands(signature))
        )


def _store_flags(
    actor: SystemActor, request: Request, findings: Findings, similar: set[uuid.UUID]
) -> None:
    today = clock.today()
    flags = [
        RequestFlag(request=request, code=signal, other_id=other, raised_on=today)
        for other, signals in findings.by_other.items()
        for signal in signals
    ]
    flags += [RequestFlag(request=request, code=signal, raised_on=today) for signal in findings.own]
    # A template is a template on both sides: the earlier requests get the flag too.
    flags += [
        RequestFlag(
            request_id=other, code=Signal.TEMPLATED_NARRATIVE, other=request, raised_on=today
        )
        for other in similar
    ]
    RequestFlag.objects.bulk_create(flags, ignore_conflicts=True)
    for other in sorted(similar):
        record_event(
            actor=actor,
            event=EventType.SIGNAL_RAISED,
            object_type=ObjectType.REQUEST,
            object_id=str(other),
            detail={"code": Signal.TEMPLATED_NARRATIVE.value},
        )
