"""The threat-actor watchlist: sealed, coordinators only, matched through the indexes."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core.exceptions import InvalidInput
from corridor.intake.access import access_watchlist
from corridor.intake.errors import WatchEntryNotFound, WatchlistForbidden
from corridor.intake.models import IndexEntry, WatchEntry, WatchKind
from corridor.intake.services.watchlist import (
    NOTHING_TO_MATCH,
    add_watch_entry,
    remove_watch_entry,
)
from corridor.vault.models import WrappedKey
from tests.factories import staff_with
from tests.intake.screening.helpers import flags_of, screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_a_request_from_a_watched_relative_is_flagged(vault_keys, fast_kdf):
    """A request giving the phone of a relative on the watchlist, in another format."""
    coordinator = staff_with(Role.COORDINATOR)
    add_watch_entry(
        actor=coordinator,
        kind=WatchKind.RELATIVE,
        details={"full_name": "Ахмед Хасанов", "phone": "+7 928 111-22-33", "note": "дядя"},
    )
    assert flags_of(screened(safe_contact="89281112233")) == {"watchlist_match"}
    assert flags_of(screened(name_to_use="Akhmed Khasanov")) == {"watchlist_match"}
    assert flags_of(screened(name_to_use="Ахмед Мусаев")) == set()


def test_only_coordinators_see_or_change_the_watchlist(vault_keys):
    coordinator = staff_with(Role.COORDINATOR)
    verifier = staff_with(Role.VERIFIER)
    entry = add_watch_entry(
        actor=coordinator, kind=WatchKind.OFFICIAL, details={"full_name": "Иван Петров"}
    )
    with pytest.raises(WatchlistForbidden):
        access_watchlist(verifier)
    with pytest.raises(WatchlistForbidden):
        add_watch_entry(actor=verifier, kind=WatchKind.OFFICIAL, details={"phone": "89001112233"})
    with pytest.raises(WatchlistForbidden):
        remove_watch_entry(actor=verifier, entry_id=entry.pk)
    assert AuditEntry.objects.filter(event_type=EventType.ACCESS_DENIED).count() == 3
    (opened,) = access_watchlist(coordinator)
    assert opened.details == {"full_name": "Иван Петров"}
    assert AuditEntry.objects.filter(event_type=EventType.WATCHLIST_READ).count() == 1


def test_an_entry_needs_something_to_match(vault_keys):
    coordinator = staff_with(Role.COORDINATOR)
    with pytest.raises(InvalidInput, match=str(NOTHING_TO_MATCH)[:20]):
        add_watch_entry(actor=coordinator, kind=WatchKind.INFORMANT, details={"note": "кто-то"})
    with pytest.raises(InvalidInput):
        add_watch_entry(actor=coordinator, kind="neighbour", details={"phone": "89001112233"})
    assert not WatchEntry.objects.exists()


def test_removing_an_entry_destroys_its_key_and_stops_matching(
    vault_keys, fast_kdf, django_capture_on_commit_callbacks
):
    coordinator = staff_with(Role.COORDINATOR)
    entry = add_watch_entry(
        actor=coordinator, kind=WatchKind.INFORMANT, details={"phone": "+7 928 111-22-33"}
    )
    key_id = entry.key_id
    with django_capture_on_commit_callbacks(execute=True):
        remove_watch_entry(actor=coordinator, entry_id=entry.pk)
    entry.refresh_from_db()
    assert entry.details is None
    assert entry.removed_at is not None
    assert not WrappedKey.objects.filter(pk=key_id).exists()
    assert not IndexEntry.objects.filter(watch=entry).exists()
    assert access_watchlist(coordinator) == []
    assert flags_of(screened(safe_contact="89281112233")) == set()
    with pytest.raises(WatchEntryNotFound):
        remove_watch_entry(actor=coordinator, entry_id=entry.pk)


def test_an_entry_blanked_halfway_is_skipped_not_an_error(vault_keys):
    """An entry whose sealed details are gone (a removal interrupted before its mark) is
    left out of the coordinator's list instead of breaking it."""
    coordinator = staff_with(Role.COORDINATOR)
    kept = add_watch_entry(
        actor=coordinator, kind=WatchKind.RELATIVE, details={"full_name": "Иван Петров"}
    )
    broken = add_watch_entry(
        actor=coordinator, kind=WatchKind.RELATIVE, details={"full_name": "Пётр Иванов"}
    )
    WatchEntry.objects.filter(pk=broken.pk).update(details=None)
    assert [item.entry for item in access_watchlist(coordinator)] == [kept]
