"""Data keys: created wrapped, handed out by id, destroyed for good."""

from __future__ import annotations

import pickle
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connections

from corridor.core import clock
from corridor.vault import seal_field
from corridor.vault.datakey import DataKey
from corridor.vault.errors import (
    InputRejected,
    KeyDestroyed,
    KeyNotFound,
    KeyStoreUnavailable,
)
from corridor.vault.keys import create_data_key, data_key, destroy_data_key, orphan_data_keys
from corridor.vault.keystore import purge_deleted_keys
from corridor.vault.models import DestroyedKey, WrappedKey
from corridor.vault.opening import open_field
from tests.vault.conftest import KEYSTORE_DB
from tests.vault.testapp.models import Person

pytestmark = KEYSTORE_DB
ACTOR = "staff:7"


def test_a_created_key_comes_back_from_the_key_store(vault_keys):
    """What one process seals, another opens after fetching the key by its id."""
    created = create_data_key()
    person = Person()
    seal_field(person, "name", "Maria", key=created)
    fetched = data_key(str(created.key_id), for_actor=ACTOR, case_id=None)
    assert fetched.key_id == created.key_id
    assert open_field(person.name, key=fetched) == "Maria"


def test_the_key_store_holds_the_key_only_wrapped(vault_keys):
    """The stored row is the wrapped key under KEK version 1, never the key itself."""
    key = create_data_key()
    row = WrappedKey.objects.get(id=key.key_id)
    assert row.purpose == "data"
    assert row.kek_version == 1
    assert key._material not in bytes(row.wrapped)
    assert WrappedKey.objects.using("default").model._meta.app_label == "vault"


def test_a_data_key_never_prints_or_pickles_its_bytes(vault_keys):
    key = create_data_key()
    assert repr(key) == f"<DataKey {key.key_id}>"
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(ValueError, match="32 bytes"):
        DataKey(uuid.uuid4(), b"short")


def test_unknown_and_malformed_key_ids_are_named(vault_keys):
    with pytest.raises(KeyNotFound):
        data_key(uuid.uuid4(), for_actor=ACTOR, case_id=None)
    with pytest.raises(InputRejected, match="UUID"):
        data_key("not-a-uuid", for_actor=ACTOR, case_id=None)
    with pytest.raises(InputRejected, match="actor"):
        data_key(uuid.uuid4(), for_actor="", case_id=None)


def test_a_destroyed_key_is_gone_and_says_so(vault_keys):
    """After destruction the key cannot be fetched, and the error says it was destroyed."""
    key = create_data_key()
    other = create_data_key()
    result = destroy_data_key(key.key_id)
    assert result.key_id == key.key_id
    assert not result.already_destroyed
    assert not WrappedKey.objects.filter(id=key.key_id).exists()
    assert DestroyedKey.objects.filter(id=key.key_id).exists()
    with pytest.raises(KeyDestroyed):
        data_key(key.key_id, for_actor=ACTOR, case_id="case-1")
    assert data_key(other.key_id, for_actor=ACTOR, case_id="case-2").key_id == other.key_id


def test_destroying_twice_reports_the_first_and_unknown_is_named(vault_keys):
    key = create_data_key()
    first = destroy_data_key(key.key_id)
    second = destroy_data_key(str(key.key_id))
    assert second.already_destroyed
    assert second.destroyed_at == first.destroyed_at
    with pytest.raises(KeyNotFound):
        destroy_data_key(uuid.uuid4())


def test_inside_a_transaction_the_purge_waits_for_the_periodic_job(vault_keys):
    """A purge cannot run inside the caller's transaction; it says so instead of failing."""
    assert connections["keystore"].in_atomic_block
    assert destroy_data_key(create_data_key().key_id).purged is False
    assert purge_deleted_keys() is False


def test_orphan_keys_are_those_no_row_names(vault_keys):
    """A key created for a row that never committed shows up once it is old enough."""
    used = create_data_key()
    person = Person()
    seal_field(person, "name", "Used", key=used)
    person.save()
    orphan = create_data_key()
    assert orphan_data_keys(older_than=timedelta(hours=1)) == []
    with time_machine.travel(clock.now() + timedelta(hours=2)):
        assert orphan_data_keys(older_than=timedelta(hours=1)) == [orphan.key_id]


def drop_key_table():
    with connections["keystore"].cursor() as cursor:
        # Inside the test's transaction: rolled back afterwards.
        cursor.execute("DROP TABLE vault_wrappedkey")


def test_a_missing_key_store_is_named_and_nothing_is_written(vault_keys):
    """Without the key table, creating a key is KeyStoreUnavailable and the data database
    gets no row."""
    drop_key_table()
    with pytest.raises(KeyStoreUnavailable, match="corridor setup"):
        create_data_key()
    assert Person.objects.count() == 0


def test_a_missing_key_store_cannot_hand_out_keys(vault_keys):
    key = create_data_key()
    drop_key_table()
    with pytest.raises(KeyStoreUnavailable):
        data_key(key.key_id, for_actor=ACTOR, case_id=None)
