"""The key store: its own database, its refusals before setup, and how it forgets keys."""

from __future__ import annotations

import uuid

import pytest

from corridor.vault import keystore, signing
from corridor.vault.errors import KeyNotFound
from corridor.vault.keys import create_data_key, destroy_data_key
from corridor.vault.models import DestroyedKey, KekVersion, WrappedKey
from corridor.vault.routers import KeyStoreRouter
from tests.vault.conftest import KEYSTORE_DB
from tests.vault.testapp.models import Person


@KEYSTORE_DB
def test_before_setup_nothing_can_be_wrapped_or_signed(settings, tmp_path):
    """Without `corridor setup` there is no KEK and no signing key: both say to run it."""
    settings.CORRIDOR_DATA_DIR = tmp_path
    with pytest.raises(KeyNotFound, match="corridor setup"):
        create_data_key()
    with pytest.raises(KeyNotFound, match="corridor setup"):
        signing.sign(b"head")


@pytest.mark.pure
def test_vault_tables_live_only_in_the_key_store():
    """The router sends key tables to `keystore`, everything else elsewhere, and never
    relates rows across the two."""
    router = KeyStoreRouter()
    assert router.db_for_read(WrappedKey) == router.db_for_write(KekVersion) == "keystore"
    assert router.db_for_read(Person) is None
    assert router.db_for_write(Person) is None
    assert router.allow_migrate("keystore", "vault") is True
    assert router.allow_migrate("default", "vault") is False
    assert router.allow_migrate("keystore", "accounts") is False
    assert router.allow_migrate("default", "accounts") is None
    row, person = WrappedKey(), Person()
    assert router.allow_relation(row, person) is False
    assert router.allow_relation(person, Person()) is None


@pytest.mark.pure
def test_key_rows_describe_themselves_without_secrets():
    key_id = uuid.uuid4()
    assert str(WrappedKey(id=key_id, purpose="data")) == f"data key {key_id}"
    assert str(DestroyedKey(id=key_id, purpose="data")) == f"destroyed data key {key_id}"
    assert str(KekVersion(version=3)) == "KEK version 3"


@pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
def test_outside_a_transaction_a_destruction_is_purged_at_once(vault_keys):
    """Run as a service would (autocommit), erasure checkpoints the key store's WAL too."""
    assert destroy_data_key(create_data_key().key_id).purged is True
    assert keystore.purge_deleted_keys() is True


class RecordingCursor:
    def __init__(self, statements):
        self.statements = statements

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def execute(self, sql):
        self.statements.append(sql)


class PostgresConnection:
    vendor = "postgresql"
    in_atomic_block = False

    def __init__(self):
        self.statements = []

    def cursor(self):
        return RecordingCursor(self.statements)


@pytest.mark.pure
def test_on_postgresql_the_key_table_is_rewritten(monkeypatch):
    """PostgreSQL keeps deleted rows as dead tuples: the purge rewrites the key table with
    VACUUM FULL (the PostgreSQL run does it for real)."""
    connection = PostgresConnection()
    monkeypatch.setattr(keystore, "connections", {"keystore": connection})
    assert keystore.purge_deleted_keys() is True
    assert connection.statements == ["VACUUM (FULL) vault_wrappedkey"]
