"""The sealed intake box format: what the portal writes without any secret key.

A request is sealed on arrival to the current intake X25519 public key (libsodium
sealed box: an ephemeral key pair, so not even the portal can reopen it). The request
id and a format version travel inside the box and are checked on open, so a box
copied onto another request fails with IntakeBoxMismatch.

    outer = version (1) | intake key id (16) | sealed box
    inner = version (1) | length-prefixed request id | payload
"""

from __future__ import annotations

import hmac
import struct
import uuid

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from corridor.vault.aead import length_prefixed
from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    IntakeBoxMismatch,
    UnsupportedVersion,
)

BOX_VERSION = 1
PAYLOAD_VERSION = 1
MAX_REQUEST_ID = 200
_OUTER_HEADER = 1 + 16


def check_request_id(request_id: str) -> bytes:
    if not isinstance(request_id, str) or not 0 < len(request_id) <= MAX_REQUEST_ID:
        raise InputRejected(f"A request id is text of 1 to {MAX_REQUEST_ID} characters.")
    return request_id.encode("utf-8")


def seal_box(public_key: bytes, key_id: uuid.UUID, payload: bytes, *, request_id: str) -> bytes:
    """Seal `payload` for `request_id` to an intake public key.

    Who can decrypt: only the holder of the matching intake private key (the key
    provider); the portal that seals it cannot.
    """
    if not isinstance(payload, bytes):
        raise InputRejected("An intake payload is bytes.")
    inner = bytes((PAYLOAD_VERSION,)) + length_prefixed(check_request_id(request_id)) + payload
    sealed = SealedBox(PublicKey(public_key)).encrypt(inner)
    return bytes((BOX_VERSION,)) + key_id.bytes + sealed


def box_key_id(sealed: bytes) -> uuid.UUID:
    """The intake key a box is sealed to, after checking its version and length."""
    if len(sealed) <= _OUTER_HEADER:
        raise DecryptionFailed("The sealed intake box is too short.")
    if sealed[0] != BOX_VERSION:
        raise UnsupportedVersion(f"Intake box format {sealed[0]} is not supported.")
    return uuid.UUID(bytes=sealed[1:_OUTER_HEADER])


def open_box(private_key: bytes, sealed: bytes, *, request_id: str) -> bytes:
    """The payload of a box sealed for `request_id`, or a named error."""
    expected = check_request_id(request_id)
    box_key_id(sealed)
    try:
        inner = SealedBox(PrivateKey(private_key)).decrypt(sealed[_OUTER_HEADER:])
    except CryptoError:
        raise DecryptionFailed("The sealed intake box does not authenticate.") from None
    # The box authenticated, so what follows was written by seal_box (or by someone
    # holding the public key: the request id check below is what binds it).
    if inner[:1] != bytes((PAYLOAD_VERSION,)):
        raise UnsupportedVersion("The intake payload format is not supported.")
    (length,) = struct.unpack(">I", inner[1:5].ljust(4, b"\xff"))
    found = inner[5 : 5 + length]
    if len(found) != length:
        raise DecryptionFailed("The intake payload is malformed.")
    if not hmac.compare_digest(found, expected):
        raise IntakeBoxMismatch("The sealed box was made for another request.")
    return inner[5 + length :]
