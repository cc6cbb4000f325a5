"""Free-text reasons: sealed under the case key in a side table, never in the log itself."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from corridor.audit.access import ReasonNoteNotFound, access_reason_note_by_seq
from corridor.audit.events import EventType
from corridor.audit.exceptions import AuditEventInvalid
from corridor.audit.models import AuditEntry, ReasonNote
from corridor.vault.errors import KeyMismatch
from corridor.vault.keys import create_data_key
from tests.audit.helpers import WORKER, execute, record, triggers_dropped

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
CASE = "CR-7K3M-Q9TZ"


def raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - a constant table name
        return repr(cursor.fetchall())


@pytest.fixture
def case_key(vault_keys):
    return create_data_key()


def record_with_reason(text: str, key) -> AuditEntry:
    return record(
        event=EventType.APPROVAL_EMERGENCY_USED,
        case_id=CASE,
        reason="emergency",
        reason_text=text,
        reason_key=key,
    )


def test_the_leaf_holds_the_code_and_note_id_and_the_text_is_sealed(case_key, canary):
    """The event names only `emergency` and the note; the text is nowhere in plain form."""
    entry = record_with_reason(f"Он сказал, что за ним следят {canary}", case_key)
    note = ReasonNote.objects.get()
    assert entry.reason == "emergency"
    assert entry.detail_values == {"reason_note": str(note.id)}
    assert note.case_id == CASE
    for table in ("audit_entry", "audit_reason_note"):
        assert canary not in raw_rows(table)


def test_the_note_opens_with_the_case_key_and_the_read_is_logged(case_key, canary):
    """Reading the reason returns the words and records who read it, on which event."""
    entry = record_with_reason(f"threat reported {canary}", case_key)
    assert access_reason_note_by_seq(actor=WORKER, seq=entry.seq, key=case_key).endswith(canary)
    read = AuditEntry.objects.get(seq=entry.seq + 1)
    assert read.event_type == EventType.REASON_NOTE_READ
    assert (read.object_type, read.object_id, read.case_id) == ("audit.entry", str(entry.seq), CASE)


def test_another_cases_key_does_not_open_the_note(case_key):
    """A key other than the case's is refused, and no read is recorded."""
    entry = record_with_reason("private", case_key)
    with pytest.raises(KeyMismatch):
        access_reason_note_by_seq(actor=WORKER, seq=entry.seq, key=create_data_key())
    assert AuditEntry.objects.count() == 1


def test_a_note_rolls_back_with_its_writer(case_key):
    """If the writer's transaction fails, neither the event nor its note remains."""

    def failing_writer() -> None:
        with transaction.atomic():
            record_with_reason("written then undone", case_key)
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        failing_writer()
    assert (AuditEntry.objects.count(), ReasonNote.objects.count()) == (0, 0)


@pytest.mark.parametrize("missing", [{"reason": ""}, {"case_id": ""}, {"reason_key": None}])
def test_a_free_text_reason_needs_its_code_case_and_key(case_key, missing):
    """Without a reason code, a case id or the case key, nothing is written."""
    fields = {"reason": "emergency", "case_id": CASE, "reason_key": case_key, **missing}
    with pytest.raises(AuditEventInvalid, match="needs a reason code, the case id"):
        record(event=EventType.APPROVAL_EMERGENCY_USED, reason_text="why", **fields)
    assert (AuditEntry.objects.count(), ReasonNote.objects.count()) == (0, 0)


def test_an_overlong_reason_is_refused_without_echoing_it(case_key, canary):
    """More than 2000 characters is refused, and the error does not quote the text."""
    with pytest.raises(AuditEventInvalid, match="at most 2000") as refused:
        record_with_reason(canary * 200, case_key)
    assert canary not in str(refused.value)


def test_callers_cannot_forge_a_note_reference(case_key):
    """`reason_note` in detail is reserved for the log's own note ids."""
    with pytest.raises(AuditEventInvalid, match="reserved"):
        record(detail={"reason_note": "0" * 8})


def test_events_without_a_readable_note_say_so(case_key):
    """No event, an event without a note, or an erased note: ReasonNoteNotFound."""
    plain = record()
    entry = record_with_reason("to be erased", case_key)
    with pytest.raises(ReasonNoteNotFound):
        access_reason_note_by_seq(actor=WORKER, seq=999, key=case_key)
    with pytest.raises(ReasonNoteNotFound):
        access_reason_note_by_seq(actor=WORKER, seq=plain.seq, key=case_key)
    note = ReasonNote.objects.get()
    note.text = None
    note.save()
    with pytest.raises(ReasonNoteNotFound, match="no readable reason note"):
        access_reason_note_by_seq(actor=WORKER, seq=entry.seq, key=case_key)


def test_a_tampered_note_reference_is_not_found(case_key):
    """A note id that is not a UUID (only possible by tampering) reads as not found."""
    entry = record()
    with triggers_dropped():
        execute("UPDATE audit_entry SET detail = %s", ['{"reason_note":"nope"}'])
    with pytest.raises(ReasonNoteNotFound):
        access_reason_note_by_seq(actor=WORKER, seq=entry.seq, key=case_key)
