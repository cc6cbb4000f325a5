"""The byte formats: field envelopes (AES-256-GCM), wrapped keys, associated data and HKDF.

Pure functions on bytes, no Django. The formats are described in
docs/decisions/0005-vault-format.md; every reader checks the version byte first
so a future format can sit beside this one.

    envelope = seal_envelope(dek_id, dek, b"text", associated_data=ad)
    assert open_envelope(dek_id, dek, envelope, associated_data=ad) == b"text"
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import struct
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from corridor.vault.errors import DecryptionFailed, KeyMismatch, UnsupportedVersion

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
ENVELOPE_VERSION = 1
# version (1) | DEK id (16) | nonce (12) | ciphertext | tag (16)
_ENVELOPE_HEADER = 1 + 16 + NONCE_BYTES
WRAP_VERSION = 1
# version (1) | nonce (12) | wrapped key | tag (16)
_WRAP_HEADER = 1 + NONCE_BYTES
FIELD_LABEL = "corridor-field-v1"
WRAP_LABEL = "corridor-wrap-v1"
KEK_CHECK_LABEL = b"corridor-kek-check-v1"
_UUID_LENGTH = struct.pack(">I", 16)


def length_prefixed(*parts: bytes | str) -> bytes:
    """Join `parts` so no two different lists give the same bytes: each is preceded by its
    length (4 bytes, big-endian). Text is UTF-8. Defends against a crafted field name or id
    shifting bytes from one part into the next."""
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else part
        out += struct.pack(">I", len(raw))
        out += raw
    return bytes(out)


def field_associated_data(
    *, model_label: str, field: str, row_id: uuid.UUID, dek_id: uuid.UUID
) -> bytes:
    """The associated data of a sealed field, fixed for good (every stored value is bound
    to it): length-prefixed (label, app_label.model, field, row id, DEK id), the ids as
    their 16 raw bytes.

    A ciphertext copied to another field, row, model or case fails to open. The
    KEK version is deliberately absent: rotating the KEK rewraps DEKs only.
    """
    return (
        _field_prefix(model_label, field)
        + _UUID_LENGTH
        + row_id.bytes
        + _UUID_LENGTH
        + (dek_id.bytes)
    )


@functools.lru_cache(maxsize=1024)
def _field_prefix(model_label: str, field: str) -> bytes:
    # The same three parts for every row of a field; building them dominated small seals.
    return length_prefixed(FIELD_LABEL, model_label, field)


def seal_envelope(
    dek_id: uuid.UUID, cipher: AESGCM, plaintext: bytes, *, associated_data: bytes
) -> bytes:
    """Encrypt under the DEK with a fresh random 96-bit nonce.

    Who can decrypt: whoever holds the DEK `dek_id` (unwrapped by the key provider).
    Random nonces are safe here because one DEK seals one case's fields, far below
    the 2^32 messages per key that random GCM nonces allow.
    """
    nonce = os.urandom(NONCE_BYTES)
    body = cipher.encrypt(nonce, plaintext, associated_data)
    return bytes((ENVELOPE_VERSION,)) + dek_id.bytes + nonce + body


def envelope_key_id(envelope: bytes) -> uuid.UUID:
    """The DEK id an envelope names, after checking its version and length."""
    if len(envelope) < _ENVELOPE_HEADER + TAG_BYTES:
        raise DecryptionFailed("The sealed value is too short to be a ciphertext.")
    if envelope[0] != ENVELOPE_VERSION:
        raise UnsupportedVersion(f"Sealed value format {envelope[0]} is not supported.")
    return uuid.UUID(bytes=envelope[1:17])


def open_envelope(
    dek_id: uuid.UUID, cipher: AESGCM, envelope: bytes, *, associated_data: bytes
) -> bytes:
    """Decrypt and authenticate, or raise a named error; never return unauthenticated bytes."""
    if envelope_key_id(envelope) != dek_id:
        raise KeyMismatch("The value is sealed under another data key.")
    view = memoryview(envelope)
    try:
        return cipher.decrypt(view[17:_ENVELOPE_HEADER], view[_ENVELOPE_HEADER:], associated_data)
    except InvalidTag:
        raise DecryptionFailed("The sealed value does not authenticate.") from None


def wrap_key(kek: bytes | bytearray, key: bytes, *, key_id: uuid.UUID, purpose: str) -> bytes:
    """Wrap a key under the KEK (AES-256-GCM), bound to its id and purpose.

    Who can decrypt: only the key provider holding this KEK version. The binding stops a
    wrapped key being swapped into another row of the key store.
    """
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(kek).encrypt(nonce, key, length_prefixed(WRAP_LABEL, key_id.bytes, purpose))
    return bytes((WRAP_VERSION,)) + nonce + body


def unwrap_key(kek: bytes | bytearray, wrapped: bytes, *, key_id: uuid.UUID, purpose: str) -> bytes:
    """The key inside `wrapped`; DecryptionFailed if altered, moved or under another KEK."""
    if len(wrapped) < _WRAP_HEADER + TAG_BYTES:
        raise DecryptionFailed("The wrapped key is too short.")
    if wrapped[0] != WRAP_VERSION:
        raise UnsupportedVersion(f"Wrapped key format {wrapped[0]} is not supported.")
    nonce = wrapped[1:_WRAP_HEADER]
    try:
        return AESGCM(kek).decrypt(
            nonce, wrapped[_WRAP_HEADER:], length_prefixed(WRAP_LABEL, key_id.bytes, purpose)
        )
    except InvalidTag:
        raise DecryptionFailed("The wrapped key does not authenticate under this KEK.") from None


def kek_check_value(kek: bytes | bytearray) -> bytes:
    """A value that identifies a KEK without revealing it (HMAC-SHA256 of a fixed label)."""
    return hmac.new(kek, KEK_CHECK_LABEL, hashlib.sha256).digest()


def derive_key(root: bytes, *, info: bytes, length: int = KEY_BYTES) -> bytes:
    """HKDF-SHA256 of `root` for one purpose; distinct `info` gives independent keys."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(root)


def new_key() -> bytes:
    """A fresh random 256-bit key from the operating system's CSPRNG."""
    return os.urandom(KEY_BYTES)
