"""Blind indexes and the codename pepper: keyed, per-index, truncated."""

from __future__ import annotations

import pytest

from corridor.vault.aead import derive_key
from corridor.vault.blind_index import index_key
from corridor.vault.errors import InputRejected
from corridor.vault.longlived import initialise_keys
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import key_provider
from tests.vault.conftest import KEYSTORE_DB

pytestmark = KEYSTORE_DB
PHONES = [f"+7900{n:07d}".encode() for n in range(300)]


def test_equal_values_give_equal_indexes_within_the_bit_budget(vault_keys):
    """The same value always gives the same candidate, and never more than `bits` bits."""
    provider = key_provider()
    first = [provider.index("phone", phone, bits=12) for phone in PHONES]
    assert first == [provider.index("phone", phone, bits=12) for phone in PHONES]
    assert all(0 <= value < 2**12 for value in first)
    assert len(set(first)) > 250  # a keyed hash spreads values, it does not collapse them


def test_each_index_has_its_own_key(vault_keys):
    """The same value indexed under two names gives unrelated numbers: no joins across indexes."""
    provider = key_provider()
    phones = [provider.index("phone", value, bits=32) for value in PHONES]
    documents = [provider.index("document_number", value, bits=32) for value in PHONES]
    assert sum(a == b for a, b in zip(phones, documents, strict=True)) <= 1


def test_indexes_depend_on_the_installations_root_key(vault_keys):
    """Another root key (another installation) gives other indexes for the same values."""
    provider = key_provider()
    before = [provider.index("phone", value, bits=32) for value in PHONES[:50]]
    WrappedKey.objects.filter(purpose=Purpose.BLIND_INDEX_ROOT).delete()
    initialise_keys()
    after = [provider.index("phone", value, bits=32) for value in PHONES[:50]]
    assert sum(a == b for a, b in zip(before, after, strict=True)) <= 1


def test_index_keys_are_not_encryption_keys():
    """HKDF with distinct info: an index key differs from the root and from other labels."""
    root = b"r" * 32
    key = index_key(root, "phone")
    assert key not in (root, index_key(root, "name"), derive_key(root, info=b"phone"))


def test_the_default_truncation_comes_from_settings(vault_keys, settings):
    provider = key_provider()
    assert all(provider.index("name", value) < 2**16 for value in PHONES)
    settings.CORRIDOR_BLIND_INDEX_BITS = 4
    assert {provider.index("name", value) for value in PHONES} <= set(range(16))


@pytest.mark.parametrize(
    ("name", "value", "bits"),
    [
        ("phone", b"1", 0),
        ("phone", b"1", 65),
        ("phone", b"1", True),
        ("phone", b"1", "16"),
        ("", b"1", 16),
        ("x" * 101, b"1", 16),
        ("phone", "text", 16),
    ],
)
def test_bad_index_requests_are_refused(vault_keys, name, value, bits):
    with pytest.raises(InputRejected):
        key_provider().index(name, value, bits=bits)


def test_the_pepper_is_random_stable_and_its_own(vault_keys):
    """The codename pepper is 32 bytes, the same on every call, unrelated to other keys."""
    pepper = key_provider().pepper()
    assert len(pepper) == 32
    assert key_provider().pepper() == pepper
    assert len(set(pepper)) > 8
