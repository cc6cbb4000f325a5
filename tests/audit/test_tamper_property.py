"""C13(c): any single edit, deletion, insertion or reorder of rows under a signed head is caught.

Each example writes a fresh log, signs a head over all of it, drops the
triggers and tampers once, with or without recomputing leaf hashes as a careful
forger would, then checks that verify fails. The example's transaction is
rolled back afterwards, triggers included.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.audit.leaves import canonical_json
from corridor.audit.models import AuditEntry
from corridor.audit.verification import FailureReason
from tests.audit.helpers import (
    execute,
    fake_head,
    fake_verify,
    record_many,
    rehash,
    shift,
    store_head,
    swap,
    triggers_dropped,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

TEXT_COLUMNS = ("actor", "event_type", "object_type", "object_id", "case_id", "reason")
KINDS = ("edit", "delete", "insert", "reorder")


@dataclass(frozen=True)
class Tampering:
    kind: str
    first: int
    second: int
    column: str
    text: str
    delta: int
    careful: bool


@st.composite
def tamperings(draw: st.DrawFn, size: int) -> Tampering:
    kind = draw(st.sampled_from(KINDS))
    first = draw(st.integers(min_value=1, max_value=size))
    second = draw(st.integers(min_value=1, max_value=size).filter(lambda n: n != first))
    return Tampering(
        kind=kind,
        first=first,
        second=second,
        column=draw(st.sampled_from((*TEXT_COLUMNS, "detail", "time_us"))),
        text=draw(st.from_regex(r"[a-z0-9.:_-]{1,12}", fullmatch=True)),
        delta=draw(st.integers(min_value=-(10**9), max_value=10**9).filter(bool)),
        careful=draw(st.booleans()),
    )


def edit(change: Tampering) -> None:
    entry = AuditEntry.objects.get(seq=change.first)
    if change.column == "time_us":
        value: object = entry.time_us + change.delta
    elif change.column == "detail":
        value = canonical_json({**entry.detail_values, "forged": change.text})
    else:
        value = change.text if getattr(entry, change.column) != change.text else change.text + "x"
    execute(f"UPDATE audit_entry SET {change.column} = %s WHERE seq = %s", [value, change.first])  # noqa: S608


def insert(change: Tampering, size: int) -> None:
    shift(change.first, 1)
    execute(
        "INSERT INTO audit_entry (seq, time_us, actor, event_type, object_type, object_id, "
        "case_id, reason, detail, leaf_hash) VALUES (%s, 1, %s, 'accounts.logout', '', '', '', "
        "'', '{}', %s)",
        [change.first, f"system:{change.text}", "0" * 64],
    )
    if change.careful:
        rehash(*range(change.first, size + 2))


def tamper(change: Tampering, size: int) -> None:
    if change.kind == "edit":
        edit(change)
        if change.careful:
            rehash(change.first)
    elif change.kind == "delete":
        execute("DELETE FROM audit_entry WHERE seq = %s", [change.first])
        if change.careful:
            shift(change.first + 1, -1)
            rehash(*range(change.first, size))
    elif change.kind == "insert":
        insert(change, size)
    else:
        swap(change.first, change.second)
        if change.careful:
            rehash(change.first, change.second)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), size=st.integers(min_value=2, max_value=24))
def test_any_single_tampering_is_detected(data, size):
    """Edit, delete, insert or reorder one row, carefully re-hashed or not: verify fails."""
    change = data.draw(tamperings(size))
    with transaction.atomic():
        record_many(size)
        store_head(fake_head())
        assert fake_verify().failure is None
        with triggers_dropped():
            tamper(change, size)
        result = fake_verify()
        transaction.set_rollback(True)
    assert result.failure is not None, change
    assert 1 <= result.failure.seq <= size + 1, (change, result.line())
    if not change.careful:
        # Naive tampering is named precisely; careful tampering only breaks the head.
        expected = {
            "edit": {FailureReason.HASH_MISMATCH},
            "delete": {FailureReason.DELETION},
            "insert": {FailureReason.INSERTION},
            "reorder": {FailureReason.REORDER},
        }[change.kind]
        assert result.failure.reason in expected, (change, result.line())
