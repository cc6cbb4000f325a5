"""Opening a free-text reason: the one way to read a ReasonNote, and the read is logged.

Who may read is decided before this is called, by whoever hands over the
case's data key (under keyd, only staff assigned to the case get it).
"""

from __future__ import annotations

import uuid

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry, ReasonNote
from corridor.audit.objects import ObjectType
from corridor.audit.services import REASON_NOTE_KEY, record_event
from corridor.core.actors import Actor
from corridor.core.exceptions import NotFound
from corridor.vault import DataKey
from corridor.vault.opening import open_field

REASON_NOTE_NOT_FOUND = "This event has no readable reason note."


class ReasonNoteNotFound(NotFound):
    """The event does not exist, has no reason note, or its note was erased."""


def access_reason_note_by_seq(*, actor: Actor, seq: int, key: DataKey) -> str:
    """The free-text reason of event `seq`, opened with the case's key; records the read.

    Raises ReasonNoteNotFound, or the vault's KeyMismatch/DecryptionFailed for a wrong key.
    """
    note = _note_of(seq)
    if note is None or note.text is None:
        raise ReasonNoteNotFound(REASON_NOTE_NOT_FOUND)
    text = open_field(note.text, key=key)
    record_event(
        actor=actor,
        event=EventType.REASON_NOTE_READ,
        object_type=ObjectType.AUDIT_ENTRY,
        object_id=str(seq),
        case_id=note.case_id,
    )
    return text


def _note_of(seq: int) -> ReasonNote | None:
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        return None
    try:
        note_id = uuid.UUID(str(entry.detail_values.get(REASON_NOTE_KEY)))
    except ValueError:
        return None
    return ReasonNote.objects.filter(id=note_id).first()
