"""Signed tree heads: what `corridor audit head` prints, a witness keeps and verify checks.

A head is `{"tree_size", "root_hash" (base64), "timestamp" (ms since the
epoch), "key_id" (hex SHA-256 of the Ed25519 public key), "signature"
(base64)}`; the signature covers the RFC 6962 TreeHeadSignature structure
(section 3.5), so a head cannot be replayed with another size, root or time.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from corridor.core.inputs import InputRefused, JSONMalformed, parse_json
from corridor.core.merkle import HASH_SIZE

# Re-exported: the bytes a head's signature covers (core, so keyd can build them too).
from corridor.core.merkle import tree_head_signature_input as tree_head_signature_input

SIGNATURE_SIZE = 64
_KEY_ID = re.compile(r"[0-9a-f]{64}")
_UINT64_MAX = 2**64 - 1
HEAD_FIELDS = ("tree_size", "root_hash", "timestamp", "key_id", "signature")


class SignatureStatus(StrEnum):
    VALID = "valid"
    BAD = "bad"
    UNKNOWN_KEY = "unknown_key"


class HeadMalformed(ValueError):
    """A tree head is not in the shape `corridor audit head` prints; the message says where."""


@dataclass(frozen=True)
class SignedHead:
    tree_size: int
    root_hash: bytes
    timestamp: int
    key_id: str
    signature: bytes

    def signed_message(self) -> bytes:
        return tree_head_signature_input(
            timestamp=self.timestamp, tree_size=self.tree_size, root_hash=self.root_hash
        )

    def as_json(self) -> dict[str, int | str]:
        return {
            "tree_size": self.tree_size,
            "root_hash": base64.b64encode(self.root_hash).decode("ascii"),
            "timestamp": self.timestamp,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    def to_line(self) -> str:
        """The head as one line of JSON, in the documented key order."""
        return json.dumps(self.as_json(), separators=(", ", ": "))

    @classmethod
    def from_json(cls, value: object) -> SignedHead:
        """Read a head object, refusing anything `corridor audit head` could not have printed."""
        if not isinstance(value, Mapping) or set(value) != set(HEAD_FIELDS):
            raise HeadMalformed(f"a tree head is an object with exactly {', '.join(HEAD_FIELDS)}")
        tree_size, timestamp = value["tree_size"], value["timestamp"]
        for name, number in (("tree_size", tree_size), ("timestamp", timestamp)):
            if isinstance(number, bool) or not isinstance(number, int):
                raise HeadMalformed(f"{name} must be an integer")
            if not 0 <= number <= _UINT64_MAX:
                raise HeadMalformed(f"{name} must fit an unsigned 64-bit integer")
        key_id = value["key_id"]
        if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
            raise HeadMalformed("key_id must be 64 lower-case hex digits")
        return cls(
            tree_size=tree_size,
            root_hash=_decode(value["root_hash"], "root_hash", HASH_SIZE),
            timestamp=timestamp,
            key_id=key_id,
            signature=_decode(value["signature"], "signature", SIGNATURE_SIZE),
        )


def parse_heads(text: str) -> list[SignedHead]:
    """Heads from a file: one JSON object, a JSON list of them, or one object per line."""
    try:
        try:
            document = parse_json(text)
        except JSONMalformed:
            lines = [line for line in text.splitlines() if line.strip()]
            try:
                document = [parse_json(line) for line in lines]
            except JSONMalformed:
                raise HeadMalformed("the file is neither JSON nor JSON lines") from None
    except InputRefused as error:
        raise HeadMalformed(f"the file {error.problem}") from None
    items = document if isinstance(document, list) else [document]
    if not items:
        raise HeadMalformed("the file holds no tree head")
    return [SignedHead.from_json(item) for item in items]


def _decode(value: object, name: str, size: int) -> bytes:
    if not isinstance(value, str):
        raise HeadMalformed(f"{name} must be base64 text")
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise HeadMalformed(f"{name} is not valid base64") from None
    if len(raw) != size:
        raise HeadMalformed(f"{name} must decode to {size} bytes, not {len(raw)}")
    return raw
