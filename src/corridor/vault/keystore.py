"""Reads and small writes on the key store, with its failures turned into vault errors.

Every query on the key store goes through `keystore_errors()`, so a missing or
unmigrated key store is a `KeyStoreUnavailable` with a hint, never a database
traceback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import OperationalError, ProgrammingError, connections, transaction

from corridor.vault.errors import KeyDestroyed, KeyNotFound, KeyStoreUnavailable
from corridor.vault.models import DestroyedKey, KekVersion, WrappedKey
from corridor.vault.routers import KEYSTORE

NO_KEK = "The key store has no key-encryption key yet; run `corridor setup`."


@contextmanager
def keystore_errors() -> Iterator[None]:
    """Turn "no such table" and "cannot connect" on the key store into KeyStoreUnavailable."""
    try:
        yield
    except (OperationalError, ProgrammingError) as error:
        # The database's own message may quote values; keep only its type.
        raise KeyStoreUnavailable(
            f"The key store cannot be read ({type(error).__name__}); check that it exists "
            "and that `corridor setup` has migrated it."
        ) from None


def active_kek_versions() -> list[KekVersion]:
    """KEK versions still in use, oldest first; more than one only during a rotation."""
    with keystore_errors():
        return list(KekVersion.objects.filter(retired_at__isnull=True).order_by("version"))


def current_kek_version() -> int:
    """The KEK version new keys are wrapped under."""
    versions = active_kek_versions()
    if not versions:
        raise KeyNotFound(NO_KEK)
    return versions[-1].version


def get_wrapped_key(key_id: uuid.UUID, *, purpose: str) -> WrappedKey:
    """The wrapped key with this id and purpose, or KeyDestroyed / KeyNotFound."""
    with keystore_errors():
        row = WrappedKey.objects.filter(id=key_id, purpose=purpose).first()
        if row is not None:
            return row
        if DestroyedKey.objects.filter(id=key_id).exists():
            raise KeyDestroyed(f"The key {key_id} was destroyed.")
    raise KeyNotFound(f"No {purpose} key {key_id} in the key store.")


def current_key(purpose: str) -> WrappedKey:
    """The newest unretired key of a long-lived purpose (signing, intake, pepper, ...)."""
    with keystore_errors():
        row = (
            WrappedKey.objects.filter(purpose=purpose, retired_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
    if row is None:
        raise KeyNotFound(f"No current {purpose} key; run `corridor setup`.")
    return row


@dataclass(frozen=True)
class KeyDestruction:
    """What a key destruction did, for the caller's audit event."""

    key_id: uuid.UUID
    purpose: str
    destroyed_at: datetime
    already_destroyed: bool
    # False when the old bytes may still sit in the WAL or dead tuples until the
    # periodic purge (or the next one) succeeds.
    purged: bool


def destroy_key(key_id: uuid.UUID, *, purpose: str) -> KeyDestruction:
    """Delete a wrapped key for good and leave a tombstone; a second call reports the first.

    The row is deleted with SQLite's secure_delete on (its bytes are overwritten), then
    the WAL is checkpointed and truncated (PostgreSQL: the table is rewritten), so the
    wrapped key leaves every live file. Backups of the key store keep it until they age
    out: that retention bound is when erasure is complete.
    """
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        deleted, _ = WrappedKey.objects.filter(id=key_id, purpose=purpose).delete()
        if deleted:
            tombstone = DestroyedKey.objects.create(id=key_id, purpose=purpose)
        else:
            found = DestroyedKey.objects.filter(id=key_id, purpose=purpose).first()
            if found is None:
                raise KeyNotFound(f"No {purpose} key {key_id} in the key store.")
            tombstone = found
    return KeyDestruction(
        key_id=key_id,
        purpose=purpose,
        destroyed_at=tombstone.destroyed_at,
        already_destroyed=not deleted,
        purged=purge_deleted_keys(),
    )


def purge_deleted_keys() -> bool:
    """Push deleted key bytes out of the key store's live files; True if that completed.

    Inside a transaction nothing can be purged (the periodic job retries): SQLite cannot
    checkpoint past an open transaction and PostgreSQL cannot VACUUM inside one.
    """
    connection = connections[KEYSTORE]
    if connection.in_atomic_block:
        return False
    with keystore_errors(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # TRUNCATE: copy the WAL into the database, then cut the WAL to zero bytes.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
            return bool(busy == 0)
        # VACUUM FULL writes the live rows to a new file and unlinks the old one.
        cursor.execute("VACUUM (FULL) vault_wrappedkey")
        return True
