"""Form drafts: kept sealed when a session ends mid-form, handed back after the next login.

A draft is sealed under a fresh data key of its own; discarding it (on submit,
or after a day) destroys that key, so the text is gone from every backup once
key-store backups age out. Saving, restoring and discarding are audit events;
the audit rows hold the form's path only, never a word of the text.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction

from corridor.accounts.events import record_security_event
from corridor.accounts.models import Draft, Staff
from corridor.audit.events import EventType
from corridor.core import clock
from corridor.core.tasks import periodic
from corridor.vault import keys as vault_keys
from corridor.vault.fields import JSONValue, seal_field
from corridor.vault.ledger import KeyOwner

KEEP_FOR = timedelta(hours=24)
MAX_FIELDS = 60
MAX_VALUE = 20_000
# Never stash these, even if a form that carries them is posted after the session ended.
_NEVER = frozenset({"csrfmiddlewaretoken", "password", "current", "new", "again", "code"})


def stash_draft(*, staff: Staff, form_path: str, fields: dict[str, str]) -> Draft | None:
    """Seal what was posted to `form_path`; replaces an earlier draft of the same form."""
    kept: dict[str, JSONValue] = {
        name: value[:MAX_VALUE]
        for name, value in list(fields.items())[:MAX_FIELDS]
        if name not in _NEVER and value.strip()
    }
    if not kept:
        return None
    discard_draft(staff=staff, form_path=form_path, reason="replaced")
    draft_id = uuid.uuid4()
    # The key is a draft's, this person's: keyd never serves it as a case's (or anyone else's).
    key = vault_keys.create_data_key(
        owner=KeyOwner(kind="draft", object_id=str(draft_id), staff_id=staff.pk)
    )
    with transaction.atomic():
        draft = Draft(id=draft_id, staff=staff, form_path=form_path[:200])
        seal_field(draft, "fields", kept, key=key)
        draft.save()
        record_security_event(
            actor=staff,
            event=EventType.DRAFT_SAVED,
            subject_id=staff.pk,
            detail={"draft": str(draft.pk), "fields": len(kept)},
        )
    return draft


def discard_draft(*, staff: Staff, form_path: str, reason: str = "submitted") -> bool:
    """Delete the draft and destroy its key once the deletion commits."""
    draft = Draft.objects.filter(staff=staff, form_path=form_path).first()
    if draft is None:
        return False
    _shred(draft, actor=staff, reason=reason)
    return True


def shred_drafts_under(path_part: str, *, reason: str) -> int:
    """Shred everyone's drafts of forms whose path contains `path_part` (a case's or a
    request's pages, when it is erased); how many."""
    found = list(Draft.objects.filter(form_path__icontains=path_part).select_related("staff"))
    for draft in found:
        _shred(draft, actor=draft.staff, reason=reason)
    return len(found)


@periodic("accounts.purge_drafts", every=timedelta(hours=1))
def purge_old_drafts() -> None:
    """Drafts older than a day are shredded."""
    for draft in Draft.objects.filter(created_at__lt=clock.now() - KEEP_FOR).select_related(
        "staff"
    ):
        _shred(draft, actor=draft.staff, reason="expired")


def _shred(draft: Draft, *, actor: Staff, reason: str) -> None:
    key_id = draft.key_id
    with transaction.atomic():
        record_security_event(
            actor=actor,
            event=EventType.DRAFT_DISCARDED,
            subject_id=draft.staff_id,
            reason=reason,
            detail={"draft": str(draft.pk)},
        )
        draft.delete()
        if key_id is not None:
            transaction.on_commit(lambda: vault_keys.destroy_data_key(key_id))
