"""The catalog publisher's Ed25519 key: kept in a file by the organisation that publishes
a route feed, never the audit key (which signs only tree heads and manifests).

The private key file holds the 32-byte seed in hex on one line; the public key file the
32-byte public key in hex. Signing takes only bytes that start with `FEED_PREFIX`, so a
publisher key cannot be made to sign anything else Corridor trusts.
"""

from __future__ import annotations

import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from corridor.vault.domains import FEED_PREFIX
from corridor.vault.errors import InputRejected
from corridor.vault.signing import fingerprint, verify_with

_HEX_KEY = re.compile(r"[0-9a-f]{64}")

__all__ = ["PublisherKey", "parse_key_hex", "sign_feed", "verify_feed"]


class PublisherKey:
    """A new publisher key: `secret_hex` goes to the private file, `public_hex` to the one
    other organisations pin."""

    def __init__(self) -> None:
        private = Ed25519PrivateKey.generate()
        self.secret_hex = private.private_bytes_raw().hex()
        self.public_hex = _public_of(private).hex()
        self.fingerprint = fingerprint(bytes.fromhex(self.public_hex))


def parse_key_hex(text: str) -> bytes:
    """The 32 bytes of a key file's one line of hex; InputRejected for anything else."""
    line = text.strip().lower()
    if not _HEX_KEY.fullmatch(line):
        raise InputRejected("A publisher key file holds 64 hexadecimal characters on one line.")
    return bytes.fromhex(line)


def sign_feed(secret: bytes, message: bytes) -> tuple[bytes, bytes]:
    """(signature, public key) of a feed's bytes under the publisher's private seed."""
    if not message.startswith(FEED_PREFIX):
        raise InputRejected("A publisher key signs catalog feeds only.")
    private = Ed25519PrivateKey.from_private_bytes(secret)
    return private.sign(message), _public_of(private)


def verify_feed(public: bytes, *, message: bytes, signature: bytes) -> bool:
    """True if `public` signed these feed bytes."""
    if not message.startswith(FEED_PREFIX):
        return False
    return verify_with(public, message=message, signature=signature)


def _public_of(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
