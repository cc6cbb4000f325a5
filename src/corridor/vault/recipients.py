"""Recipient keys for files that leave an installation (an export): an X25519 key pair,
and a file's stream key in a libsodium sealed box to the public half.

    private_line, public_line = new_identity()      # `corridor export keypair`
    recipient = parse_recipient(public_line)         # the writer has only this
    sealed = seal_stream_key(recipient, key)         # kept in the file's header
    key = open_stream_key(parse_identity(private_line), sealed)

Each key is written as one line: a label, a space, the 32 bytes in base64. The labels
keep the private key from being given where the public one is meant, and back.
Who can decrypt a sealed stream key: whoever holds the identity (the private key).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from corridor.vault.errors import DecryptionFailed

IDENTITY_LABEL = "corridor-export-identity"
RECIPIENT_LABEL = "corridor-export-recipient"


@dataclass(frozen=True)
class Recipient:
    """A public key a file can be locked to."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        """The first 16 hex digits of the key's SHA-256: names it in a header."""
        return hashlib.sha256(self.raw).hexdigest()[:16]


@dataclass(frozen=True)
class Identity:
    """The private key that opens what was locked to its recipient."""

    raw: bytes = b""

    def __repr__(self) -> str:  # never the key
        return "Identity(…)"

    @property
    def recipient(self) -> Recipient:
        return Recipient(bytes(PrivateKey(self.raw).public_key))


def new_identity() -> tuple[str, str]:
    """A fresh key pair as (identity line, recipient line)."""
    private = PrivateKey.generate()
    encoded = base64.b64encode(bytes(private)).decode("ascii")
    public = base64.b64encode(bytes(private.public_key)).decode("ascii")
    return f"{IDENTITY_LABEL} {encoded}", f"{RECIPIENT_LABEL} {public}"


def parse_recipient(text: str) -> Recipient:
    """A recipient key file's first line; ValueError if it is not one."""
    return Recipient(_key_line(text, RECIPIENT_LABEL))


def parse_identity(text: str) -> Identity:
    """An identity file's first line; ValueError if it is not one."""
    return Identity(_key_line(text, IDENTITY_LABEL))


def new_stream_key() -> bytes:
    return secrets.token_bytes(32)


def seal_stream_key(recipient: Recipient, key: bytes) -> bytes:
    return bytes(SealedBox(PublicKey(recipient.raw)).encrypt(key))


def open_stream_key(identity: Identity, sealed: bytes) -> bytes:
    """The stream key; DecryptionFailed if the box is not for this identity or altered."""
    try:
        return bytes(SealedBox(PrivateKey(identity.raw)).decrypt(sealed))
    except CryptoError:
        raise DecryptionFailed("The sealed stream key does not open with this identity.") from None


def _key_line(text: str, label: str) -> bytes:
    lines = text.strip().splitlines()
    found, _space, encoded = (lines[0] if lines else "").partition(" ")
    if found != label:
        raise ValueError(f"not a {label} line")
    raw = base64.b64decode(encoded.strip(), validate=True)
    if len(raw) != 32:
        raise ValueError("not 32 bytes")
    return raw
