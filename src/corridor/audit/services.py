"""Writing to the audit log: `record_event` (called last inside the writer's transaction),
signing tree heads, and exporting the log.

Every field is checked to be an id or a code before anything is written:
personal data must never reach the log, and a typo'd name or a free-text
note passed by mistake is refused loudly rather than stored for ever.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from django.db import connection, transaction
from django.db.models import Max

from corridor.audit.events import DEPRECATED_EVENTS, EventType
from corridor.audit.exceptions import AuditEventInvalid
from corridor.audit.heads import SignedHead
from corridor.audit.leaves import (
    DAY_US,
    MAX_JSON_INT,
    build_leaf,
    canonical_json,
    time_us_of,
)
from corridor.audit.models import (
    ENTRY_COLUMNS,
    AuditEntry,
    AuditSequence,
    ReasonNote,
    TreeHead,
)
from corridor.audit.objects import ModelLabel, ObjectType
from corridor.audit.selectors import count_events, iter_export_lines, list_leaf_hashes
from corridor.audit.signatures import sign_head
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.merkle import hash_leaf, root_hash
from corridor.vault import DataKey, seal_field

ACTOR_INVALID = "The actor must be staff:<id>, requester, system:<name> or system:cli:<user>."
EVENT_TYPE_INVALID = "The event must be a member of corridor.audit.events.EventType."
EVENT_TYPE_DEPRECATED = "This event code is kept for old entries only; record its successor."
OBJECT_TYPE_INVALID = "The object type must be a member of corridor.audit.objects.ObjectType."
FIELD_INVALID = (
    "{field} must be an id or a code: at most {limit} ASCII letters, digits and ._:/@+=- signs."
)
REASON_INVALID = "The reason must be a code: at most 64 lower-case letters, digits and underscores."
DETAIL_NOT_MAPPING = "Detail must be a mapping of names to strings and integers."
DETAIL_KEY_INVALID = "Detail names must be lower_snake_case, at most 64 characters."
DETAIL_VALUE_TYPE = "Detail value {key} must be a string or an integer, not {kind}."
DETAIL_VALUE_INVALID = (
    "Detail value {key} must be an id or a code: at most 200 ASCII letters, digits and "
    "._:/@+=- signs."
)
DETAIL_INT_RANGE = "Detail value {key} is outside the integers JSON carries exactly."
DETAIL_KEY_RESERVED = "Detail name reason_note is reserved: pass reason_text instead."
REASON_TEXT_INCOMPLETE = (
    "A free-text reason needs a reason code, the case id and the case's data key to seal it under."
)
REASON_TEXT_INVALID = "A free-text reason is text of at most 2000 characters."
REASON_NOTE_KEY = "reason_note"
_REASON_TEXT_LIMIT = 2000

_ACTOR = re.compile(r"staff:[A-Za-z0-9_-]{1,64}|requester|system:[A-Za-z0-9_.:@$-]{1,80}")
_TOKEN = re.compile(r"[A-Za-z0-9._:/@+=-]*")
_REASON = re.compile(r"[a-z0-9_]{0,64}")
_DETAIL_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
_DETAIL_VALUE_LIMIT = 200
_FIELD_LIMITS = {"object_type": 64, "object_id": 128, "case_id": 64}

# One statement takes the counter's row lock (held until the writer commits) and
# returns the next number: concurrent writers queue here, and a writer that rolls
# back returns its number with everything else, so `seq` has no gaps. SQLite's
# IMMEDIATE transactions already hold the write lock from BEGIN.
_NEXT_SEQ = "UPDATE audit_sequence SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq"
_INSERT_ENTRY = (
    "INSERT INTO audit_entry (seq, time_us, actor, event_type, object_type, object_id, "
    "case_id, reason, detail, leaf_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def record_event(
    *,
    actor: Actor,
    event: EventType,
    object_type: ObjectType | ModelLabel | None = None,
    object_id: str = "",
    case_id: str = "",
    reason: str = "",
    detail: Mapping[str, str | int] | None = None,
    reason_text: str = "",
    reason_key: DataKey | None = None,
) -> AuditEntry:
    """Append one event and return it; joins the caller's transaction or opens its own.

    Call it last in the writer's transaction, so the event commits or rolls back
    with the change it records. Events by the requester carry the day, not the
    time: when someone wrote to the organisation is itself sensitive.

    `reason_text`, a person's own words on why, is sealed under `reason_key` (the
    case's data key) into a ReasonNote; the leaf carries only the `reason` code
    and the note's id, as detail `reason_note`.
    """
    actor_id = _check_actor(actor)
    if not isinstance(event, EventType):
        raise AuditEventInvalid(EVENT_TYPE_INVALID)
    if event in DEPRECATED_EVENTS:
        raise AuditEventInvalid(EVENT_TYPE_DEPRECATED)
    if object_type is not None and not isinstance(object_type, ObjectType | ModelLabel):
        raise AuditEventInvalid(OBJECT_TYPE_INVALID)
    object_type_code = str(object_type) if object_type is not None else ""
    for field, value in (
        ("object_type", object_type_code),
        ("object_id", object_id),
        ("case_id", case_id),
    ):
        _check_token(field, value)
    if not isinstance(reason, str) or not _REASON.fullmatch(reason):
        raise AuditEventInvalid(REASON_INVALID)
    checked = _checked_detail(detail)
    _check_reason_text(reason_text, reason=reason, case_id=case_id, key=reason_key)
    with transaction.atomic(savepoint=False):
        if reason_text and reason_key is not None:
            checked[REASON_NOTE_KEY] = _seal_reason_note(
                reason_text, case_id=case_id, key=reason_key
            )
        detail_text = canonical_json(checked)
        seq = _next_seq()
        # Taken after the number, under the lock, so times follow the sequence.
        time_us = time_us_of(clock.now())
        if actor_id == "requester":
            time_us -= time_us % DAY_US
        fields = (
            seq,
            time_us,
            actor_id,
            event.value,
            object_type_code,
            object_id,
            case_id,
            reason,
            detail_text,
        )
        row = (*fields, hash_leaf(build_leaf(*fields)).hex())
        # One constant INSERT instead of Model.save(): this is the hottest write in
        # Corridor (every read of personal data appends), and the ORM's per-save
        # SQL compilation would double its cost.
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_ENTRY, row)
        return AuditEntry.from_db(connection.alias, list(ENTRY_COLUMNS), row)


def _seal_reason_note(text: str, *, case_id: str, key: DataKey) -> str:
    note = ReasonNote(case_id=case_id)
    seal_field(note, "text", text, key=key)
    note.save()
    return str(note.id)


def _next_seq() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ)
        row = cursor.fetchone()
        if row is None:
            # No counter yet (a fresh database) or it was lost: start after the
            # last stored event. Concurrent first writers: one insert wins, the
            # others skip it and then queue on the row lock above.
            last = AuditEntry.objects.aggregate(last=Max("seq"))["last"] or 0
            AuditSequence.objects.bulk_create(
                [AuditSequence(id=1, last_seq=last)], ignore_conflicts=True
            )
            cursor.execute(_NEXT_SEQ)
            row = cursor.fetchone()
    return int(row[0])


def _check_actor(actor: Actor) -> str:
    actor_id = getattr(actor, "actor_id", None)
    if not isinstance(actor_id, str) or not _ACTOR.fullmatch(actor_id):
        raise AuditEventInvalid(ACTOR_INVALID)
    return actor_id


def _check_token(field: str, value: object) -> None:
    limit = _FIELD_LIMITS[field]
    if not isinstance(value, str) or len(value) > limit or not _TOKEN.fullmatch(value):
        raise AuditEventInvalid(FIELD_INVALID.format(field=field, limit=limit))


def _checked_detail(detail: Mapping[str, str | int] | None) -> dict[str, str | int]:
    if detail is None:
        return {}
    if not isinstance(detail, Mapping):
        raise AuditEventInvalid(DETAIL_NOT_MAPPING)
    checked: dict[str, str | int] = {}
    for key, value in detail.items():
        if not isinstance(key, str) or not _DETAIL_KEY.fullmatch(key):
            raise AuditEventInvalid(DETAIL_KEY_INVALID)
        if key == REASON_NOTE_KEY:
            raise AuditEventInvalid(DETAIL_KEY_RESERVED)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise AuditEventInvalid(DETAIL_VALUE_TYPE.format(key=key, kind=type(value).__name__))
        if isinstance(value, int) and abs(value) > MAX_JSON_INT:
            raise AuditEventInvalid(DETAIL_INT_RANGE.format(key=key))
        if isinstance(value, str) and (
            len(value) > _DETAIL_VALUE_LIMIT or not _TOKEN.fullmatch(value)
        ):
            raise AuditEventInvalid(DETAIL_VALUE_INVALID.format(key=key))
        checked[key] = value
    return checked


def _check_reason_text(text: str, *, reason: str, case_id: str, key: DataKey | None) -> None:
    if not isinstance(text, str) or len(text) > _REASON_TEXT_LIMIT:
        raise AuditEventInvalid(REASON_TEXT_INVALID)
    if text and not (reason and case_id and isinstance(key, DataKey)):
        raise AuditEventInvalid(REASON_TEXT_INCOMPLETE)


def sign_tree_head(*, actor: Actor) -> SignedHead:
    """Sign the log as it stands, store the head, and record that it was signed.

    The tree is read before the write transaction opens: on SQLite that
    transaction holds the database's write lock, and reading a million leaf
    hashes under it would stall every writer. The numbers up to the size read
    are already committed (seq is handed out in commit order), so the head
    covers a consistent prefix even while others append.
    """
    size = count_events()
    head = sign_head(
        tree_size=size,
        root_hash=root_hash(list_leaf_hashes(size)),
        timestamp=time_us_of(clock.now()) // 1000,
    )
    with transaction.atomic():
        TreeHead.objects.create(**head.as_json())
        record_event(
            actor=actor,
            event=EventType.TREE_HEAD_SIGNED,
            detail={"tree_size": size, "key_id": head.key_id},
        )
    return head


def export_log(*, actor: Actor, since: date, write: Callable[[str], object]) -> int:
    """Hand every event from `since` on to `write`, one canonical line each, then record
    the export; returns how many lines were written.

    The rows are read outside any transaction, so a long export never blocks writers.
    """
    count = 0
    for line in iter_export_lines(since=since):
        write(line)
        count += 1
    record_event(
        actor=actor,
        event=EventType.LOG_EXPORTED,
        detail={"since": since.isoformat(), "events": count, "format": "jsonl"},
    )
    return count
