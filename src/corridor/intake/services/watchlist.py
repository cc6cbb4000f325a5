"""The threat-actor watchlist: relatives, officials and informants known to hunt people.

    entry = add_watch_entry(actor=coordinator, kind=WatchKind.RELATIVE,
                            details={"full_name": "...", "phone": "...", "note": "..."})
    remove_watch_entry(actor=coordinator, entry_id=entry.id)

Coordinators only. Each entry is sealed under a data key of its own and indexed with
the same blind indexes as requests, so screening matches them without anyone reading
the list; removing an entry blanks it and destroys its key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from corridor.intake.access import check_watchlist_access
from corridor.intake.errors import WatchEntryNotFound
from corridor.intake.models import IndexEntry, WatchEntry, WatchKind
from corridor.intake.screening.facts import facts_from_answers
from corridor.intake.screening.indexes import index_values
from corridor.vault import keys as vault_keys
from corridor.vault.fields import JSONValue, seal_field
from corridor.vault.ledger import KeyOwner

WATCH_FIELDS = ("full_name", "phone", "document_number", "date_of_birth", "note")
NOTHING_TO_MATCH = _(
    "Give at least a full name (two words), a phone number or a document number: "
    "screening matches on those."
)
KIND_INVALID = _("Choose who this person is.")


def add_watch_entry(*, actor: Staff, kind: str, details: Mapping[str, str]) -> WatchEntry:
    """A new sealed, indexed entry; InvalidInput if nothing in it can be matched."""
    check_watchlist_access(actor)
    if kind not in WatchKind.values:
        raise InvalidInput(str(KIND_INVALID))
    kept: dict[str, JSONValue] = {
        name: str(details[name]).strip()[:500]
        for name in WATCH_FIELDS
        if str(details.get(name) or "").strip()
    }
    facts = facts_from_answers(kept)
    if not (facts.names or facts.all_phones or facts.documents):
        raise InvalidInput(str(NOTHING_TO_MATCH))
    values = index_values(facts)
    # Who can decrypt: coordinators (by keyd's ledger, which records the key as this
    # entry's when it is wrapped) and the worker's screening.
    entry_id = uuid.uuid4()
    key = vault_keys.create_data_key(owner=KeyOwner(kind="watch", object_id=str(entry_id)))
    with transaction.atomic():
        entry = WatchEntry(id=entry_id, kind=kind, added_by=actor)
        seal_field(entry, "details", kept, key=key)
        entry.save()
        IndexEntry.objects.bulk_create(
            IndexEntry(watch=entry, name=name, value=value) for name, value in sorted(values)
        )
        record_event(
            actor=actor,
            event=EventType.WATCH_ENTRY_ADDED,
            object_type=ObjectType.WATCH_ENTRY,
            object_id=str(entry.id),
            detail={"kind": kind},
        )
    return entry


def remove_watch_entry(*, actor: Staff, entry_id: uuid.UUID) -> None:
    """Blank the entry, drop its index values and destroy its key once that commits."""
    check_watchlist_access(actor)
    with transaction.atomic():
        entry = (
            WatchEntry.objects.select_for_update()
            .filter(pk=entry_id, removed_at__isnull=True)
            .first()
        )
        if entry is None:
            raise WatchEntryNotFound
        key_id = entry.key_id
        entry.details = None
        entry.key_id = None
        entry.removed_at = clock.now()
        entry.save(update_fields=["details", "key_id", "removed_at"])
        IndexEntry.objects.filter(watch=entry).delete()
        record_event(
            actor=actor,
            event=EventType.WATCH_ENTRY_REMOVED,
            object_type=ObjectType.WATCH_ENTRY,
            object_id=str(entry.id),
        )
        if key_id is not None:
            transaction.on_commit(lambda: vault_keys.destroy_data_key(key_id))
