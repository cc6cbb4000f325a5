"""Audit signing: Ed25519 through the key provider, verified from public keys in clear."""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.vault import signing
from corridor.vault.errors import InputRejected, KeyNotFound, KeyProviderUnavailable
from corridor.vault.longlived import initialise_keys
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import WrappedBlob, key_provider
from tests.vault.conftest import KEYSTORE_DB

pytestmark = KEYSTORE_DB
HEAD = b"tree head: size 12, root 9f3c"


def test_a_signature_verifies_under_the_key_id_it_names(vault_keys):
    """sign() names its key by the hex SHA-256 of the raw public key, and verify() accepts it."""
    signature = signing.sign(HEAD)
    public = signing.public_keys()[signature.key_id]
    assert signature.key_id == hashlib.sha256(public).hexdigest()
    assert len(public) == 32
    assert len(signature.signature) == 64
    assert signing.verify(key_id=signature.key_id, message=HEAD, signature=signature.signature)


def test_a_changed_message_or_signature_does_not_verify(vault_keys):
    """Any change to the message or to the signature makes verify() return False."""
    signature = signing.sign(HEAD)
    flipped = bytes([signature.signature[0] ^ 1]) + signature.signature[1:]
    assert not signing.verify(
        key_id=signature.key_id, message=HEAD + b".", signature=signature.signature
    )
    assert not signing.verify(key_id=signature.key_id, message=HEAD, signature=flipped)
    assert not signing.verify(key_id=signature.key_id, message=HEAD, signature=b"short")


def test_an_unknown_key_id_is_key_not_found(vault_keys):
    """A signature naming a key the store does not hold is an error, not a False."""
    with pytest.raises(KeyNotFound):
        signing.verify(key_id="00" * 32, message=HEAD, signature=b"\0" * 64)


def test_verifying_needs_no_kek(vault_keys, settings):
    """With the KEK file gone, signing fails but verifying an existing signature still works."""
    signature = signing.sign(HEAD)
    (settings.CORRIDOR_DATA_DIR / "kek.demo").unlink()
    assert signing.verify(key_id=signature.key_id, message=HEAD, signature=signature.signature)
    with pytest.raises(KeyProviderUnavailable, match="missing"):
        signing.sign(HEAD)


def test_the_private_key_is_stored_only_wrapped(vault_keys):
    """The key store holds the signing key wrapped; unwrapped, it matches the public key."""
    row = WrappedKey.objects.get(purpose=Purpose.SIGNING)
    seed = key_provider().unwrap(
        key_id=row.id,
        purpose=row.purpose,
        blob=WrappedBlob(kek_version=row.kek_version, blob=bytes(row.wrapped)),
    )
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert public == bytes(row.public_key)
    assert seed not in bytes(row.wrapped)


def test_setup_twice_keeps_the_same_signing_key(vault_keys):
    """initialise_keys() is idempotent: the second run creates nothing and the key id stays."""
    before = signing.public_keys()
    again = initialise_keys()
    assert again.created == {}
    assert not again.kek_created
    assert signing.public_keys() == before
    assert set(vault_keys.created) == {"blind_index_root", "intake", "signing", "pepper"}


def test_signing_refuses_non_bytes(vault_keys):
    """Text must be encoded by the caller: the signed bytes are then unambiguous."""
    with pytest.raises(InputRejected):
        signing.sign("tree head")  # type: ignore[arg-type]
    with pytest.raises(InputRejected):
        signing.verify(key_id="00", message="x", signature=b"")  # type: ignore[arg-type]


def test_the_kek_file_is_private_and_a_readable_one_is_refused(vault_keys, settings):
    """kek.demo is created 0600; if someone opens it to the group, the provider refuses it."""
    path = settings.CORRIDOR_DATA_DIR / "kek.demo"
    assert path.stat().st_mode & 0o777 == 0o600
    os.chmod(path, 0o640)
    with pytest.raises(KeyProviderUnavailable, match="chmod 600"):
        signing.sign(HEAD)
