"""No rollback of sealed values: each write's ciphertext digest in the log, checked on read.

The associated data binds a ciphertext to its model, field, row and data key, but not to
a moment: someone who can write the database could copy an old row back (a duress word
reverted to the one the person retired) and it would open. A version column would be
copied along with it. So:

- every save that replaces or blanks a sealed value of an existing row records, in the
  same transaction, one `vault.sealed_written` event (object = the row, detail = field
  name -> SHA-256 hex of the new ciphertext, "" for a blanked field) and upserts the
  `SealedDigest` index. A row's first value is not recorded: until it is replaced it is
  the only ciphertext sealed for that row and field (the associated data names both), so
  there is nothing older to copy back; this keeps the many inserts as cheap as before;
- `open_field` asks `check_fresh` (one indexed lookup) and refuses a value whose digest is
  not the latest recorded for its row and field (StaleSealedValue); a field with no
  record is on its first value and opens;
- `verify_sealed_values` (run by `corridor audit verify`) recomputes the latest digest
  of every (model, row, field) from the hash-chained log and checks the index and every
  row against it, so rewriting the index along with the row is caught there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_save

from corridor.audit.events import EventType
from corridor.audit.leaves import parse_detail
from corridor.audit.models import AuditEntry, SealedDigest
from corridor.audit.objects import sealed_kind
from corridor.audit.services import record_event
from corridor.core.actors import SystemActor
from corridor.vault.fields import (
    encrypted_models,
    pending_sealed_writes,
    register_freshness_check,
    stale_value,
)

# The service that saved the row records its own event with its actor; this one only
# carries the digests, so it is the vault's.
VAULT = SystemActor(name="vault")
Key = tuple[str, str, str]  # model label, row id (str of the UUID), field


def record_sealed_writes(
    sender: type[Model],
    instance: Model,
    created: bool = False,
    update_fields: frozenset[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """post_save: record the digests of the encrypted fields this save wrote, if any."""
    if raw:
        return
    written = pending_sealed_writes(instance, created=created, update_fields=update_fields)
    if not written:
        return
    label = instance._meta.label_lower
    row_id = instance.pk
    with transaction.atomic(savepoint=False):
        entry = record_event(
            actor=VAULT,
            event=EventType.SEALED_WRITTEN,
            object_type=sealed_kind(label),
            object_id=str(row_id),
            detail=written,
        )
        SealedDigest.objects.bulk_create(
            [
                SealedDigest(
                    model_label=label, row_id=row_id, field=name, digest=digest, seq=entry.seq
                )
                for name, digest in written.items()
            ],
            update_conflicts=True,
            unique_fields=["model_label", "row_id", "field"],
            update_fields=["digest", "seq"],
        )


def check_fresh(model_label: str, row_id: uuid.UUID, field: str, digest: str) -> None:
    """Raise StaleSealedValue unless `digest` is the latest recorded for the row's field
    (a field never replaced has no record: its value is the first and only one)."""
    latest = (
        SealedDigest.objects.filter(model_label=model_label, row_id=row_id, field=field)
        .values_list("digest", flat=True)
        .first()
    )
    if latest is not None and latest != digest:
        raise stale_value(model_label, row_id, field, digest)


def register() -> None:
    """Connect the write hook and the read check (AuditConfig.ready)."""
    post_save.connect(record_sealed_writes, weak=False, dispatch_uid="audit-sealed-writes")
    register_freshness_check(check_fresh)


# ---------------------------------------------------------------- audit verify


class SealedFailureReason(StrEnum):
    STALE_VALUE = "stale_value"  # the row holds a value other than the latest recorded
    MISSING_VALUE = "missing_value"  # the row is blank where the log recorded a value
    INDEX_MISMATCH = "index_mismatch"  # the read index disagrees with the log


@dataclass(frozen=True)
class SealedFailure:
    model_label: str
    row_id: str
    field: str
    reason: SealedFailureReason

    def line(self) -> str:
        return (
            f"FAIL sealed model={self.model_label} row={self.row_id} "
            f"field={self.field} reason={self.reason}"
        )


def latest_logged_digests() -> dict[Key, str]:
    """The latest digest the log records for each (model, row, field), in seq order."""
    latest: dict[Key, str] = {}
    rows = (
        AuditEntry.objects.filter(event_type=EventType.SEALED_WRITTEN.value)
        .order_by("seq")
        .values_list("object_type", "object_id", "detail")
    )
    for label, row_id, detail in rows.iterator(chunk_size=2000):
        for name, digest in parse_detail(detail).items():
            latest[(label, row_id, name)] = str(digest)
    return latest


def verify_sealed_values() -> list[SealedFailure]:
    """Every sealed value in the database, and the read index, against the log.

    Call it after the log itself verified: the log is the reference here.
    """
    latest = latest_logged_digests()
    failures: list[SealedFailure] = []
    failures.extend(_check_index(latest))
    for model, names in encrypted_models():
        failures.extend(_check_rows(model, names, latest))
    return failures


def _check_index(latest: dict[Key, str]) -> Iterator[SealedFailure]:
    indexed: set[Key] = set()
    rows = SealedDigest.objects.values_list("model_label", "row_id", "field", "digest")
    for label, row_id, name, digest in rows.iterator(chunk_size=2000):
        key = (label, str(row_id), name)
        indexed.add(key)
        if latest.get(key) != digest:
            yield SealedFailure(label, str(row_id), name, SealedFailureReason.INDEX_MISMATCH)
    for missing in sorted(latest.keys() - indexed):
        yield SealedFailure(*missing, SealedFailureReason.INDEX_MISMATCH)


def _check_rows(
    model: type[Model], names: tuple[str, ...], latest: dict[Key, str]
) -> Iterator[SealedFailure]:
    label = model._meta.label_lower
    # Through the manager's base queryset: a default manager that hides rows must not
    # hide them from the check.
    rows = model._base_manager.order_by("pk").values_list("pk", *names)
    for pk, *values in rows.iterator(chunk_size=500):
        row_id = str(pk)
        for name, value in zip(names, values, strict=True):
            recorded = latest.get((label, row_id, name))
            if value is None:
                if recorded:
                    yield SealedFailure(label, row_id, name, SealedFailureReason.MISSING_VALUE)
                continue
            if recorded is not None and recorded != value.digest:
                yield SealedFailure(label, row_id, name, SealedFailureReason.STALE_VALUE)
