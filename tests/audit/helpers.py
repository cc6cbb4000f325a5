"""Shared helpers for the audit tests: writing events and reaching past the triggers."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import connection

from corridor.audit.events import EventType
from corridor.audit.heads import SignatureStatus, SignedHead, tree_head_signature_input
from corridor.audit.leaves import build_leaf
from corridor.audit.models import AuditEntry, TreeHead
from corridor.audit.objects import ObjectType
from corridor.audit.selectors import count_events, list_leaf_hashes
from corridor.audit.services import record_event
from corridor.audit.triggers import drop_append_only_triggers, install_append_only_triggers
from corridor.audit.verification import Verification, verify_log
from corridor.core.actors import SystemActor
from corridor.core.merkle import hash_leaf, root_hash

WORKER = SystemActor("worker")


def record(*, actor: Any = WORKER, event: Any = EventType.LOGOUT, **fields: Any) -> AuditEntry:
    return record_event(actor=actor, event=event, **fields)


def record_legacy(*, object_type: str, **fields: Any) -> AuditEntry:
    """An event as record_event wrote it before ObjectType: `object_type` any string
    (`staff`, `request`...). Such entries stay in the log as they were written."""
    with mock.patch("corridor.audit.services.ObjectType", str):
        return record(object_type=object_type, **fields)


def record_many(count: int) -> list[AuditEntry]:
    """`count` varied events: different actors, types, objects, cases and details."""
    types = list(EventType)
    entries = []
    for number in range(count):
        entries.append(
            record_event(
                actor=SystemActor(f"tester{number % 3}"),
                event=types[number % len(types)],
                object_type=ObjectType.STAFF if number % 2 else None,
                object_id=str(number * 7) if number % 2 else "",
                case_id=f"CR-{number:04d}-TEST" if number % 3 == 0 else "",
                reason="check" if number % 4 == 0 else "",
                detail={"n": number, "kind": f"k{number % 5}"} if number % 2 else None,
            )
        )
    return entries


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """Tamper like an operator with a SQL prompt: without the append-only triggers."""
    drop_append_only_triggers(connection)
    try:
        yield
    finally:
        install_append_only_triggers(connection)


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# A stand-in for the vault's Ed25519 key in tests of verification logic: the
# "signature" is SHA-512 of the signed message, valid only under FAKE_KEY_ID.
FAKE_KEY_ID = "ab" * 32


def fake_head(size: int | None = None, *, timestamp: int = 1_790_000_000_000) -> SignedHead:
    size = count_events() if size is None else size
    root = root_hash(list_leaf_hashes(size))
    message = tree_head_signature_input(timestamp=timestamp, tree_size=size, root_hash=root)
    return SignedHead(
        tree_size=size,
        root_hash=root,
        timestamp=timestamp,
        key_id=FAKE_KEY_ID,
        signature=hashlib.sha512(message).digest(),
    )


def store_head(head: SignedHead) -> SignedHead:
    TreeHead.objects.create(**head.as_json())
    return head


def fake_check(head: SignedHead) -> SignatureStatus:
    if head.key_id != FAKE_KEY_ID:
        return SignatureStatus.UNKNOWN_KEY
    valid = hashlib.sha512(head.signed_message()).digest() == head.signature
    return SignatureStatus.VALID if valid else SignatureStatus.BAD


def fake_verify(*heads: SignedHead) -> Verification:
    return verify_log(check_signature=fake_check, given_heads=heads)


def rehash(*seqs: int) -> None:
    """Recompute stored leaf hashes after tampering, as a careful forger would."""
    for entry in AuditEntry.objects.filter(seq__in=seqs):
        leaf = build_leaf(
            entry.seq,
            entry.time_us,
            entry.actor,
            entry.event_type,
            entry.object_type,
            entry.object_id,
            entry.case_id,
            entry.reason,
            entry.detail,
        )
        execute(
            "UPDATE audit_entry SET leaf_hash = %s WHERE seq = %s",
            [hash_leaf(leaf).hex(), entry.seq],
        )


def shift(from_seq: int, by: int) -> None:
    """Renumber every row from `from_seq` on by `by`, in two steps to dodge the primary key."""
    execute("UPDATE audit_entry SET seq = -seq WHERE seq >= %s", [from_seq])
    execute("UPDATE audit_entry SET seq = -seq + %s WHERE seq < 0", [by])


def swap(seq_a: int, seq_b: int) -> None:
    """Exchange two rows' places in the log (their seq numbers)."""
    execute("UPDATE audit_entry SET seq = -1 WHERE seq = %s", [seq_a])
    execute("UPDATE audit_entry SET seq = %s WHERE seq = %s", [seq_a, seq_b])
    execute("UPDATE audit_entry SET seq = %s WHERE seq = -1", [seq_b])
