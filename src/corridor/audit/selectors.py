"""Reads of the audit log: the tree for heads and proofs, exports, and the auditor's view.

Everything here returns ids, codes and counts: the log holds nothing else.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import BigIntegerField, Count, F, Max, Min, Q, QuerySet, Value
from django.db.models.expressions import ExpressionWrapper

from corridor.audit.events import EventType
from corridor.audit.heads import HEAD_FIELDS
from corridor.audit.leaves import (
    DAY_US,
    canonical_json,
    datetime_of,
    day_start_us,
    leaf_object,
    time_us_of,
)
from corridor.audit.models import ENTRY_COLUMNS, AuditEntry, TreeHead
from corridor.audit.objects import spellings_of
from corridor.core.merkle import consistency_proof, root_hash

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
BASELINE_DAYS = 30
_DAY_ZERO = date(1970, 1, 1)


# ---------------------------------------------------------------- the tree


def count_events() -> int:
    """The size of the log: the highest seq (numbers have no gaps)."""
    return int(AuditEntry.objects.aggregate(size=Max("seq"))["size"] or 0)


def iter_entry_rows(after: int = 0) -> Iterator[tuple[Any, ...]]:
    """Every entry after seq `after` as a tuple of ENTRY_COLUMNS, in order, read in chunks
    (a server-side cursor on PostgreSQL), so a million rows never sit in memory at once."""
    rows = AuditEntry.objects.filter(seq__gt=after).order_by("seq").values_list(*ENTRY_COLUMNS)
    return rows.iterator(chunk_size=5000)


def get_entry_row(seq: int) -> tuple[Any, ...] | None:
    """One entry as a tuple of ENTRY_COLUMNS, or None."""
    return AuditEntry.objects.filter(seq=seq).values_list(*ENTRY_COLUMNS).first()


def get_last_event_time(event_type: EventType) -> datetime | None:
    """When the newest event of `event_type` was recorded, or None if none ever was."""
    time_us = AuditEntry.objects.filter(event_type=event_type.value).aggregate(
        newest=Max("time_us")
    )["newest"]
    return None if time_us is None else datetime_of(time_us)


def count_actor_events(*, actor: str, event_type: EventType, since: datetime) -> int:
    """How many `event_type` events `actor` caused after `since` (the insider counters)."""
    return AuditEntry.objects.filter(
        actor=actor, event_type=event_type.value, time_us__gt=time_us_of(since)
    ).count()


def get_last_head_time() -> datetime | None:
    """When the newest stored tree head was signed (its own timestamp), or None."""
    timestamp_ms = TreeHead.objects.aggregate(newest=Max("timestamp"))["newest"]
    return None if timestamp_ms is None else datetime_of(timestamp_ms * 1000)


def list_stored_head_rows() -> list[dict[str, Any]]:
    """Every stored tree head as its raw column values, oldest first (verify parses them)."""
    return list(TreeHead.objects.order_by("id").values(*HEAD_FIELDS))


def get_newest_head_row() -> dict[str, Any] | None:
    """The newest stored tree head as its raw column values (the one a witness gets next)."""
    row: dict[str, Any] | None = TreeHead.objects.order_by("-id").values(*HEAD_FIELDS).first()
    return row


def list_leaf_hashes(size: int) -> list[bytes]:
    """The stored leaf hashes of events 1..size, in order."""
    hashes = AuditEntry.objects.filter(seq__lte=size).order_by("seq").values_list("leaf_hash")
    return [bytes.fromhex(value) for (value,) in hashes.iterator(chunk_size=10_000)]


@dataclass(frozen=True)
class ConsistencyProof:
    size1: int
    size2: int
    root1: bytes
    root2: bytes
    proof: list[bytes]


def get_consistency_proof(*, size1: int, size2: int) -> ConsistencyProof:
    """The RFC 6962 proof that the log at `size1` is a prefix of the log at `size2`.

    Raises ValueError unless 0 < size1 <= size2 <= the log's size.
    """
    if size2 > count_events():
        raise ValueError(f"the log has fewer than {size2} events")
    hashes = list_leaf_hashes(size2)
    proof = consistency_proof(hashes, size1)
    return ConsistencyProof(
        size1=size1,
        size2=size2,
        root1=root_hash(hashes[:size1]),
        root2=root_hash(hashes),
        proof=proof,
    )


def iter_export_lines(*, since: date) -> Iterator[str]:
    """One canonical JSON line per event from `since` (00:00 UTC) on, oldest first:
    `{"leaf": <the leaf object>, "leaf_hash": <hex>, "seq": <n>}`.

    canonical_json of "leaf" is the exact byte string whose hash (after 0x00) is leaf_hash.
    """
    rows = (
        AuditEntry.objects.filter(time_us__gte=day_start_us(since))
        .order_by("seq")
        .values_list(*ENTRY_COLUMNS)
    )
    for row in rows.iterator(chunk_size=5000):
        leaf = leaf_object(row[:9])
        yield canonical_json({"leaf": leaf, "leaf_hash": row[9], "seq": row[0]})


# ---------------------------------------------------------------- the auditor's view


@dataclass(frozen=True)
class EventPage:
    """Events newest first; pass `next_before` back as `before` for the following page."""

    events: list[AuditEntry]
    next_before: int | None


def list_events(
    *,
    actor: str = "",
    event_type: EventType | None = None,
    case_id: str = "",
    since: date | None = None,
    until: date | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> EventPage:
    """One page of events matching every filter given; `since`/`until` are whole UTC days.

    Pages are keyed on seq, not on a page number, so events written while an
    auditor reads never shift what the next page shows.
    """
    queryset = _filtered(actor=actor, event_type=event_type, case_id=case_id)
    if since is not None:
        queryset = queryset.filter(time_us__gte=day_start_us(since))
    if until is not None:
        queryset = queryset.filter(time_us__lt=day_start_us(until + timedelta(days=1)))
    if before is not None:
        queryset = queryset.filter(seq__lt=before)
    size = max(1, min(limit, MAX_PAGE_SIZE))
    events = list(queryset.order_by("-seq")[: size + 1])
    more = len(events) > size
    events = events[:size]
    return EventPage(events=events, next_before=events[-1].seq if more else None)


def _filtered(*, actor: str, event_type: EventType | None, case_id: str) -> QuerySet[AuditEntry]:
    queryset = AuditEntry.objects.all()
    if actor:
        queryset = queryset.filter(actor=actor)
    if event_type is not None:
        queryset = queryset.filter(event_type=event_type.value)
    if case_id:
        queryset = queryset.filter(case_id=case_id)
    return queryset


@dataclass(frozen=True)
class ActorTouches:
    """How often one actor appears on an object or set of cases, and when first and last."""

    actor: str
    events: int
    first: datetime
    last: datetime


def count_touches_for_object(*, object_type: str, object_id: str) -> list[ActorTouches]:
    """Every actor who touched this object, most events first: events recorded under the
    kind's older spellings too (`staff` for `accounts.staff`, audit/objects.py)."""
    return _touches(Q(object_type__in=sorted(spellings_of(object_type)), object_id=object_id))


def count_touches_for_cases(*, case_ids: Collection[str]) -> list[ActorTouches]:
    """Every actor who touched any of these cases (one case, or a shelter's), most events first."""
    ids = [case_id for case_id in case_ids if case_id]
    if not ids:
        return []
    return _touches(Q(case_id__in=ids))


def _touches(condition: Q) -> list[ActorTouches]:
    rows = (
        AuditEntry.objects.filter(condition)
        .values("actor")
        .annotate(events=Count("seq"), first=Min("time_us"), last=Max("time_us"))
        .order_by("-events", "actor")
    )
    return [
        ActorTouches(
            actor=row["actor"],
            events=row["events"],
            first=datetime_of(row["first"]),
            last=datetime_of(row["last"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class DailyActivity:
    """One actor's events on one day against the median of their own previous 30 days."""

    actor: str
    day: date
    events: int
    median: float

    @property
    def ratio(self) -> float | None:
        """Events over the median; None when the actor has no earlier activity to compare."""
        return self.events / self.median if self.median else None


def count_daily_activity(*, since: date, until: date, actor: str = "") -> list[DailyActivity]:
    """Events per actor per day from `since` to `until` (inclusive), each against the median
    of that actor's daily counts over the 30 days before it, counting only days they were
    active (a part-timer's days off would otherwise make every working day look unusual).
    """
    start = day_start_us(since - timedelta(days=BASELINE_DAYS))
    end = day_start_us(until + timedelta(days=1))
    day_number = ExpressionWrapper(F("time_us") / Value(DAY_US), output_field=BigIntegerField())
    queryset = AuditEntry.objects.filter(time_us__gte=start, time_us__lt=end)
    if actor:
        queryset = queryset.filter(actor=actor)
    rows = queryset.annotate(day=day_number).values("actor", "day").annotate(events=Count("seq"))
    per_actor: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        per_actor[row["actor"]][_DAY_ZERO + timedelta(days=row["day"])] = row["events"]
    result = []
    for name, days in per_actor.items():
        for day, events in days.items():
            if not since <= day <= until:
                continue
            earlier = [
                days[other]
                for other in (day - timedelta(days=back) for back in range(1, BASELINE_DAYS + 1))
                if other in days
            ]
            median = float(statistics.median(earlier)) if earlier else 0.0
            result.append(DailyActivity(actor=name, day=day, events=events, median=median))
    return sorted(result, key=lambda item: (item.day, item.actor))
