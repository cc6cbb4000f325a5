"""Encrypted fields: opaque Sealed values that only open under their row's key."""

from __future__ import annotations

import copy
import json
import pickle
import random
import uuid

import pytest
from django.core import serializers
from django.db import connections, models
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.vault import seal_field
from corridor.vault.aead import field_associated_data, seal_envelope
from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    KeyMismatch,
    SealedValueUnbound,
    UnsupportedVersion,
    VaultError,
)
from corridor.vault.fields import JSON, TEXT, DataKeyField, EncryptedTextField, Sealed
from corridor.vault.keys import create_data_key
from corridor.vault.opening import open_field
from tests.vault.conftest import KEYSTORE_DB
from tests.vault.testapp.models import Note, Person

pytestmark = KEYSTORE_DB
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def saved_person(key, name="Alexei Smirnov", details=None):
    person = Person()
    seal_field(person, "name", name, key=key)
    seal_field(person, "details", details if details is not None else {"phone": "+7 900"}, key=key)
    person.save()
    return Person.objects.get(pk=person.pk)


def raw_column(model, row_id, column):
    """The bytes the database holds for one column, read without the ORM's field."""
    table = model._meta.db_table
    with connections["default"].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [row_id.hex])  # noqa: S608
        return bytes(cursor.fetchone()[0])


def test_a_sealed_field_round_trips_through_the_database(vault_keys, canary):
    """What a service seals comes back from a fresh query only through open_field."""
    key = create_data_key()
    person = saved_person(key, name=f"Anna {canary}", details={"story": canary, "age": 31})
    assert person.key_id == key.key_id
    assert open_field(person.name, key=key) == f"Anna {canary}"
    assert open_field(person.details, key=key) == {"age": 31, "story": canary}
    assert canary.encode() not in raw_column(Person, person.pk, "name")


def test_a_sealed_value_shows_and_serialises_nothing(vault_keys, canary):
    """repr/str say <sealed>; pickle, JSON and Django's serialisers all refuse it."""
    key = create_data_key()
    person = saved_person(key, name=canary)
    assert repr(person.name) == str(person.name) == "<sealed>"
    assert not any("plain" in attribute for attribute in dir(person.name))
    assert canary not in repr(person.__dict__)
    with pytest.raises(TypeError):
        pickle.dumps(person.name)
    with pytest.raises(TypeError):
        pickle.dumps(person)
    with pytest.raises(TypeError):
        json.dumps({"name": person.name})
    with pytest.raises(InputRejected):
        serializers.serialize("json", [person])
    # Copies of an instance keep the same opaque value.
    assert open_field(copy.deepcopy(person).name, key=key) == canary
    sealed = person.name
    assert copy.copy(sealed) is sealed


def test_plaintext_can_never_be_assigned_or_queried(vault_keys):
    """Assigning or filtering on plaintext is refused before anything reaches the database."""
    key = create_data_key()
    person = saved_person(key)
    with pytest.raises(InputRejected, match="seal_field"):
        person.name = "Boris"
    with pytest.raises(InputRejected):
        Person(name="Boris")
    with pytest.raises(InputRejected):
        Person.objects.filter(name="Boris").exists()
    with pytest.raises(InputRejected):
        Person._meta.get_field("name").to_python("Boris")
    assert Person._meta.get_field("name").to_python(None) is None


def test_a_value_blanked_to_none_stays_blank(vault_keys):
    """Erasure blanks sealed fields to NULL; the row loads them as None."""
    key = create_data_key()
    person = saved_person(key)
    person.name = None
    person.save()
    assert Person.objects.get(pk=person.pk).name is None


def test_a_deferred_field_loads_bound_to_its_row(vault_keys):
    key = create_data_key()
    person = saved_person(key, name="Deferred")
    later = Person.objects.defer("name").get(pk=person.pk)
    assert open_field(later.name, key=key) == "Deferred"


def test_a_ciphertext_moved_to_another_row_does_not_open(vault_keys):
    """Same case, same key: a ciphertext copied onto another row fails authentication."""
    key = create_data_key()
    first, second = saved_person(key, name="First"), saved_person(key, name="Second")
    Person.objects.filter(pk=second.pk).update(name=first.name)
    moved = Person.objects.get(pk=second.pk)
    with pytest.raises(DecryptionFailed):
        open_field(moved.name, key=key)
    assert open_field(Person.objects.get(pk=first.pk).name, key=key) == "First"


def test_a_ciphertext_moved_to_another_field_or_model_does_not_open(vault_keys):
    """The associated data names the model and the field, not only the row."""
    key = create_data_key()
    person = saved_person(key, name="Source")
    Person.objects.filter(pk=person.pk).update(details=person.name)
    with pytest.raises(DecryptionFailed):
        open_field(Person.objects.get(pk=person.pk).details, key=key)
    note = Note(id=person.pk)
    seal_field(note, "body", "placeholder", key=key)
    note.save()
    Note.objects.filter(pk=note.pk).update(body=person.name)
    with pytest.raises(DecryptionFailed):
        open_field(Note.objects.get(pk=note.pk).body, key=key)


def test_a_ciphertext_moved_to_another_case_does_not_open(vault_keys):
    """A value copied into a row under another case's key fails with either key."""
    key_a, key_b = create_data_key(), create_data_key()
    source, target = saved_person(key_a, name="Case A"), saved_person(key_b, name="Case B")
    Person.objects.filter(pk=target.pk).update(name=source.name)
    moved = Person.objects.get(pk=target.pk)
    with pytest.raises(KeyMismatch):
        open_field(moved.name, key=key_b)
    with pytest.raises(KeyMismatch):
        open_field(moved.name, key=key_a)


def test_a_thousand_single_bit_flips_are_all_rejected(vault_keys):
    """Flip one random bit of a stored ciphertext 1,000 times: every one is refused."""
    key = create_data_key()
    person = saved_person(key, name="Bit flips")
    envelope = raw_column(Person, person.pk, "name")
    rng = random.Random(20170401)
    rejected = 0
    for _ in range(1000):
        position = rng.randrange(len(envelope) * 8)
        flipped = bytearray(envelope)
        flipped[position // 8] ^= 1 << (position % 8)
        Person.objects.filter(pk=person.pk).update(name=Sealed(bytes(flipped), TEXT))
        try:
            open_field(Person.objects.get(pk=person.pk).name, key=key)
        except (VaultError, DecryptionFailed):
            rejected += 1
    assert rejected == 1000


def test_an_unknown_format_version_or_a_stub_is_named(vault_keys):
    key = create_data_key()
    person = saved_person(key)
    envelope = raw_column(Person, person.pk, "name")
    Person.objects.filter(pk=person.pk).update(name=Sealed(b"\x02" + envelope[1:], TEXT))
    with pytest.raises(UnsupportedVersion):
        open_field(Person.objects.get(pk=person.pk).name, key=key)
    Person.objects.filter(pk=person.pk).update(name=Sealed(envelope[:20], TEXT))
    with pytest.raises(DecryptionFailed, match="too short"):
        open_field(Person.objects.get(pk=person.pk).name, key=key)


def test_values_read_without_their_row_cannot_be_opened(vault_keys):
    """`.values()` has no row to bind to, so the sealed value it returns stays closed."""
    key = create_data_key()
    person = saved_person(key)
    loose = Person.objects.filter(pk=person.pk).values_list("name", flat=True).get()
    assert isinstance(loose, Sealed)
    with pytest.raises(SealedValueUnbound):
        open_field(loose, key=key)
    with pytest.raises(InputRejected):
        open_field("not sealed", key=key)  # type: ignore[arg-type]


def test_a_row_without_a_uuid_cannot_be_opened(vault_keys):
    key = create_data_key()
    person = saved_person(key)
    sealed = person.name
    person.id = None
    with pytest.raises(SealedValueUnbound):
        open_field(person.name, key=key)
    assert open_field(sealed, key=key) == "Alexei Smirnov"


def test_sealing_under_another_key_than_the_rows_is_refused_and_changes_nothing(vault_keys):
    """A row belongs to one case key; sealing with another fails and leaves the row as it was."""
    key, other = create_data_key(), create_data_key()
    person = saved_person(key, name="Kept")
    with pytest.raises(KeyMismatch):
        seal_field(person, "name", "Replaced", key=other)
    with pytest.raises(KeyMismatch):
        open_field(person.name, key=other)
    assert open_field(person.name, key=key) == "Kept"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", b"bytes"),
        ("name", 12),
        ("name", "\ud800"),
        ("details", {"a": float("nan")}),
        ("details", {"a": {1, 2}}),
        ("document", "not encrypted"),
        ("missing", "x"),
    ],
)
def test_bad_plaintext_is_refused_without_touching_the_row(vault_keys, field, value):
    """A value the field cannot hold is InputRejected; the instance keeps no key and no value."""
    key = create_data_key()
    person = Person()
    with pytest.raises(InputRejected):
        seal_field(person, field, value, key=key)
    assert person.key_id is None
    assert person.name is None


def test_a_row_without_an_id_cannot_be_sealed(vault_keys):
    key = create_data_key()
    person = Person(id=None)
    with pytest.raises(InputRejected, match="UUID"):
        seal_field(person, "name", "x", key=key)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(), value=JSON_VALUES)
def test_any_text_and_json_round_trip(vault_keys, text, value):
    """Hypothesis: every str and every JSON value opens to what was sealed."""
    key = create_data_key()
    person = Person()
    seal_field(person, "name", text, key=key)
    seal_field(person, "details", value, key=key)
    assert open_field(person.name, key=key) == text
    assert open_field(person.details, key=key) == value


def test_an_authenticated_but_undecodable_value_is_decryption_failed(vault_keys):
    """Bytes that authenticate for the row but are not the field's format are refused."""
    key = create_data_key()
    person = Person(key_id=key.key_id)
    associated = field_associated_data(
        model_label="vault_tests.person", field="details", row_id=person.pk, dek_id=key.key_id
    )
    envelope = seal_envelope(key.key_id, key.cipher, b"\xff{not json", associated_data=associated)
    person.details = Sealed(envelope, JSON)
    with pytest.raises(DecryptionFailed, match="not valid for its field"):
        open_field(person.details, key=key)


def test_the_class_attribute_is_the_descriptor():
    assert Person.name.field is Person._meta.get_field("name")


def test_the_field_keeps_its_key_column_in_migrations():
    field = Person._meta.get_field("name")
    _name, path, args, kwargs = field.deconstruct()
    assert path == "corridor.vault.fields.EncryptedTextField"
    assert kwargs == {"key_field": "key_id"}
    assert EncryptedTextField(*args, **kwargs).null


@isolate_apps("tests.vault.testapp")
def test_system_checks_demand_a_uuid_id_and_a_key_column():
    """A model that could not bind its ciphertexts to a row and a key fails `corridor check`."""

    class Loose(models.Model):  # noqa: DJ008 - a throwaway model for a system check
        secret = EncryptedTextField(key_field="nowhere")

        class Meta:
            app_label = "vault_tests"

    class Fine(models.Model):  # noqa: DJ008 - a throwaway model for a system check
        id = models.UUIDField(primary_key=True, default=uuid.uuid4)
        key_id = DataKeyField()
        secret = EncryptedTextField()

        class Meta:
            app_label = "vault_tests"

    ids = {error.id for error in Loose._meta.get_field("secret").check()}
    assert ids == {"vault.E001", "vault.E002"}
    assert Fine._meta.get_field("secret").check() == []
