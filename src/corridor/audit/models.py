"""The audit tables: events and signed tree heads (both append-only), the sequence
counter, and the encrypted side table of free-text reasons.

Append-only is enforced twice: these models and their QuerySet refuse
updates and deletes in Python, and database triggers (see `triggers.py`)
refuse UPDATE, DELETE and TRUNCATE from anything else, so neither a bug nor an
operator with a SQL prompt can rewrite history without leaving a gap that
`corridor audit verify` finds.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.db import models

from corridor.audit.leaves import datetime_of, parse_detail
from corridor.core.models import AppendOnlyModel, AppendOnlyQuerySet, UUIDModel
from corridor.vault.fields import DataKeyField, EncryptedTextField

APPEND_ONLY = "Audit rows are append-only: they cannot be changed or deleted."
# An entry's columns in the order leaves.build_leaf takes them, then the stored hash.
ENTRY_COLUMNS = (
    "seq",
    "time_us",
    "actor",
    "event_type",
    "object_type",
    "object_id",
    "case_id",
    "reason",
    "detail",
    "leaf_hash",
)


class AuditEntry(AppendOnlyModel):
    """One event: who did what to which object, when; ids and codes only.

    `time_us` is microseconds since the epoch in UTC: an integer reads the same
    from every database and driver, so the verifier rebuilds the leaf exactly.
    """

    append_only_message = APPEND_ONLY
    seq = models.BigIntegerField(primary_key=True)
    time_us = models.BigIntegerField()
    actor = models.CharField(max_length=100)
    event_type = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    case_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    detail = models.TextField(default="{}")
    leaf_hash = models.CharField(max_length=64)

    objects: ClassVar[models.Manager[AuditEntry]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "audit_entry"
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["actor", "seq"], name="audit_entry_actor"),
            models.Index(fields=["event_type", "seq"], name="audit_entry_type"),
            models.Index(fields=["case_id", "seq"], name="audit_entry_case"),
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_entry_object"),
            models.Index(fields=["time_us"], name="audit_entry_time"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.event_type}"

    @property
    def time(self) -> datetime:
        return datetime_of(self.time_us)

    @property
    def detail_values(self) -> dict[str, str | int]:
        return parse_detail(self.detail)


class TreeHead(AppendOnlyModel):
    """A signed tree head as `corridor audit head` printed it (base64 and hex as in the JSON)."""

    append_only_message = APPEND_ONLY
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=44)
    timestamp = models.BigIntegerField(help_text="milliseconds since the epoch")
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=88)

    objects: ClassVar[models.Manager[TreeHead]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "audit_tree_head"
        indexes = [models.Index(fields=["tree_size"], name="audit_tree_head_size")]

    def __str__(self) -> str:
        return f"tree head {self.tree_size}"


class AuditSequence(models.Model):
    """The last sequence number handed out; one row, updated under its row lock.

    Writers increment it inside their own transaction, so a rolled-back writer
    returns its number and the next one takes it: `seq` has no gaps.
    """

    id = models.SmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField()

    class Meta:
        db_table = "audit_sequence"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_sequence_one")]

    def __str__(self) -> str:
        return f"audit sequence at {self.last_seq}"


class ReasonNote(UUIDModel):
    """A free-text reason for an event, sealed under the case's data key.

    The event's leaf holds only the reason code and this row's id (detail
    `reason_note`), so the text never enters the log, its exports or a witness's
    copy. Who can decrypt: whoever can get the case's key from the key provider.
    Erasing the case destroys that key; the note becomes unreadable and the log
    still verifies. Not append-only: erasure may blank it.
    """

    case_id = models.CharField(max_length=64)
    key_id = DataKeyField()
    text = EncryptedTextField(key_field="key_id")

    class Meta:
        db_table = "audit_reason_note"

    def __str__(self) -> str:
        return f"reason note {self.id}"


class SealedDigest(models.Model):
    """The latest recorded digest of one sealed field of one row: the index reads check.

    Written in the same transaction as the row and its `vault.sealed_written` event, so
    a read costs one indexed lookup, not a search of the log. Not append-only: it is a
    cache of the log, and `corridor audit verify` checks it (and every row) against the
    log, so rewriting it alongside a row is caught there. `digest` is the SHA-256 hex of
    the stored ciphertext, "" for a blanked field; `seq` is the recording event.
    """

    model_label = models.CharField(max_length=100)
    row_id = models.UUIDField()
    field = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, blank=True)
    seq = models.BigIntegerField()

    class Meta:
        db_table = "audit_sealed_digest"
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "row_id", "field"], name="audit_sealed_digest_one"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_label} {self.row_id} {self.field}"
