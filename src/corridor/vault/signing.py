"""Ed25519 signatures with the audit signing key, for signed tree heads.

Signing goes through the key provider (under keyd the private key never leaves
keyd); verifying needs no KEK, because public keys are stored in clear.

    signature = sign(tree_head_bytes)
    assert verify(key_id=signature.key_id, message=tree_head_bytes,
                  signature=signature.signature)

`Signature.key_id` is the lowercase hex SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from corridor.vault.domains import MANIFEST_PREFIX, WITNESS_PREFIX
from corridor.vault.errors import InputRejected, KeyNotFound
from corridor.vault.keystore import current_key, keystore_errors
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import Signature, key_provider

__all__ = [
    "Signature",
    "current_public_key",
    "fingerprint",
    "public_keys",
    "sign",
    "sign_manifest",
    "sign_tree_head",
    "sign_witness_statement",
    "verify",
    "verify_with",
]


def sign(message: bytes) -> Signature:
    """Sign `message` with the current audit signing key."""
    if not isinstance(message, bytes):
        raise InputRejected("Only bytes can be signed.")
    return key_provider().sign(message)


def sign_manifest(message: bytes) -> Signature:
    """Sign a backup manifest (bytes that start with `MANIFEST_PREFIX`). Under keyd its
    head key signs it, and keyd refuses any other bytes (docs/security.md)."""
    if not isinstance(message, bytes) or not message.startswith(MANIFEST_PREFIX):
        raise InputRejected("Only a backup manifest can be signed this way.")
    return key_provider().sign_manifest(message)


def sign_tree_head(
    *,
    tree_size: int,
    root_hash: bytes,
    timestamp: int,
    proof_from: Callable[[int], Sequence[bytes]],
) -> Signature:
    """Sign an audit tree head. Under keyd, keyd's own head key signs, and only a head
    that `proof_from(size)` shows extends the last one keyd signed."""
    return key_provider().sign_tree_head(
        tree_size=tree_size, root_hash=root_hash, timestamp=timestamp, proof_from=proof_from
    )


def verify(*, key_id: str, message: bytes, signature: bytes) -> bool:
    """True if `signature` is the key's signature of `message`; KeyNotFound for an unknown key."""
    if not (isinstance(message, bytes) and isinstance(signature, bytes)):
        raise InputRejected("A message and its signature are bytes.")
    with keystore_errors():
        row = WrappedKey.objects.filter(purpose=Purpose.SIGNING, fingerprint=key_id).first()
    public = row.public_key if row is not None else None
    if public is None:
        raise KeyNotFound(f"No signing key {key_id!r}.")
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public)).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def verify_with(public: bytes, *, message: bytes, signature: bytes) -> bool:
    """True if `signature` is `public`'s signature of `message` (a key pinned off the
    server, not one read from the key store); InputRejected for a malformed key."""
    try:
        key = Ed25519PublicKey.from_public_bytes(public)
    except ValueError:
        raise InputRejected("An Ed25519 public key is 32 bytes.") from None
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def fingerprint(public: bytes) -> str:
    """The key id a signature names: hex SHA-256 of the raw public key."""
    return hashlib.sha256(public).hexdigest()


def public_keys() -> dict[str, bytes]:
    """Every signing public key the key store knows, by key id (old ones included)."""
    with keystore_errors():
        rows = WrappedKey.objects.filter(purpose=Purpose.SIGNING).values_list(
            "fingerprint", "public_key"
        )
        return {str(key_id): bytes(public) for key_id, public in rows if public is not None}


def current_public_key() -> bytes:
    """The public half of the key that signs our tree heads now (keyd's head key under
    keyd): the installation's identity towards partners and witnesses."""
    row = current_key(Purpose.SIGNING)
    if row.public_key is None:
        raise KeyNotFound("The current signing key has no public half.")
    return bytes(row.public_key)


def sign_witness_statement(message: bytes) -> Signature:
    """Countersign a head we witnessed for a partner; the statement starts with
    `WITNESS_PREFIX`, so it can never pass for a tree head or a manifest. keyd signs
    tree heads and manifests only: under keyd this raises InputRejected."""
    if not isinstance(message, bytes) or not message.startswith(WITNESS_PREFIX):
        raise InputRejected("Only a witness statement can be signed this way.")
    return key_provider().sign(message)
