"""KEK rotation: every key rewrapped, resumable after a crash, both KEKs usable meanwhile."""

from __future__ import annotations

import json

import pytest

from corridor.vault import seal_field, signing
from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    KekMismatch,
    KeyNotFound,
    RotationIncomplete,
    UnsupportedVersion,
)
from corridor.vault.intake import seal_for_intake
from corridor.vault.keys import create_data_key, data_key
from corridor.vault.models import KekVersion, WrappedKey
from corridor.vault.opening import open_field
from corridor.vault.providers import key_provider
from corridor.vault.providers.file import FileKeyProvider
from corridor.vault.rotation import (
    begin_kek_rotation,
    finish_kek_rotation,
    rewrap_next_batch,
    rotate_kek,
)
from tests.vault.conftest import KEYSTORE_DB
from tests.vault.testapp.models import Person

pytestmark = KEYSTORE_DB
ACTOR = "system:cli:test"


class Crash(Exception):
    pass


def people(count):
    out = []
    for number in range(count):
        key = create_data_key()
        person = Person()
        seal_field(person, "name", f"person {number}", key=key)
        person.save()
        out.append(person)
    return out


def all_open(rows):
    return all(
        open_field(row.name, key=data_key(row.key_id, for_actor=ACTOR, case_id=None))
        == f"person {number}"
        for number, row in enumerate(rows)
    )


def kek_file(settings):
    return json.loads((settings.CORRIDOR_DATA_DIR / "kek.demo").read_text())["keys"]


def test_rotation_rewraps_every_key_and_forgets_the_old_kek(vault_keys, settings):
    """Data keys and long-lived keys all move to KEK 2; everything still works; KEK 1 is gone."""
    rows = people(5)
    head = signing.sign(b"head")
    box = seal_for_intake(b"request", "r-1")
    index = key_provider().index("phone", b"+7900", bits=32)
    pepper = key_provider().pepper()
    old_kek = kek_file(settings)["1"]

    result = rotate_kek(batch_size=2)

    assert (result.from_versions, result.to_version, result.resumed) == ([1], 2, False)
    assert result.rewrapped == WrappedKey.objects.count() == 9
    assert set(WrappedKey.objects.values_list("kek_version", flat=True)) == {2}
    assert list(kek_file(settings)) == ["2"]
    assert old_kek not in (settings.CORRIDOR_DATA_DIR / "kek.demo").read_text()
    assert KekVersion.objects.get(version=1).retired_at is not None
    assert all_open(rows)
    assert signing.verify(key_id=head.key_id, message=b"head", signature=head.signature)
    assert signing.sign(b"x").key_id == head.key_id
    assert key_provider().open_intake(box, "r-1") == b"request"
    assert key_provider().index("phone", b"+7900", bits=32) == index
    assert key_provider().pepper() == pepper


def test_a_crashed_rotation_resumes_and_both_keks_work_meanwhile(vault_keys, settings):
    """Killed after one batch: keys under KEK 1 and KEK 2 both open, new keys use KEK 2,
    and the next run finishes the same rotation."""
    rows = people(4)

    def crash_after_first_batch(count):
        raise Crash

    with pytest.raises(Crash):
        rotate_kek(batch_size=3, progress=crash_after_first_batch)
    assert set(WrappedKey.objects.values_list("kek_version", flat=True)) == {1, 2}
    assert sorted(kek_file(settings)) == ["1", "2"]
    assert all_open(rows)
    assert WrappedKey.objects.get(id=create_data_key().key_id).kek_version == 2

    result = rotate_kek(batch_size=3)
    assert result.resumed
    assert result.to_version == 2
    assert list(kek_file(settings)) == ["2"]
    assert all_open(rows)


def test_a_rotation_cannot_finish_with_keys_left_behind(vault_keys):
    people(2)
    plan = begin_kek_rotation()
    rewrap_next_batch(plan, batch_size=1)
    with pytest.raises(RotationIncomplete):
        finish_kek_rotation(plan, rewrapped=1)
    with pytest.raises(InputRejected):
        rewrap_next_batch(plan, batch_size=0)


def test_a_kek_created_before_a_crash_is_reused(vault_keys, settings):
    """If the provider wrote KEK 2 but the row never committed, the next run adopts it."""
    FileKeyProvider(settings.CORRIDOR_DATA_DIR).create_kek(2)
    written = kek_file(settings)["2"]
    rotate_kek()
    assert kek_file(settings) == {"2": written}


def test_a_replaced_key_file_stops_the_rotation_before_any_change(vault_keys, settings):
    people(1)
    (settings.CORRIDOR_DATA_DIR / "kek.demo").unlink()
    FileKeyProvider(settings.CORRIDOR_DATA_DIR).create_kek(1)
    with pytest.raises(KekMismatch):
        rotate_kek()
    assert not KekVersion.objects.filter(version=2).exists()
    assert set(WrappedKey.objects.values_list("kek_version", flat=True)) == {1}


def test_rotation_without_any_kek_is_key_not_found():
    """Before setup there is nothing to rotate."""
    with pytest.raises(KeyNotFound, match="corridor setup"):
        rotate_kek()


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda blob: blob[:20], DecryptionFailed),
        (lambda blob: b"\x05" + blob[1:], UnsupportedVersion),
        (lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]), DecryptionFailed),
    ],
)
def test_a_damaged_wrapped_key_is_refused(vault_keys, damage, error):
    """A wrapped key altered in the key store never unwraps to anything."""
    key = create_data_key()
    row = WrappedKey.objects.get(id=key.key_id)
    WrappedKey.objects.filter(id=key.key_id).update(wrapped=damage(bytes(row.wrapped)))
    with pytest.raises(error):
        data_key(key.key_id, for_actor=ACTOR, case_id=None)


def test_a_wrapped_key_swapped_onto_another_id_is_refused(vault_keys):
    """The wrapping binds the key id: copying one case's wrapped DEK to another fails."""
    first, second = create_data_key(), create_data_key()
    blob = WrappedKey.objects.get(id=first.key_id).wrapped
    WrappedKey.objects.filter(id=second.key_id).update(wrapped=blob)
    with pytest.raises(DecryptionFailed):
        data_key(second.key_id, for_actor=ACTOR, case_id=None)
