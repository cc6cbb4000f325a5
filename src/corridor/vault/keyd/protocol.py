"""keyd's wire format: length-prefixed JSON messages over a Unix stream socket.

Each message is a 4-byte big-endian length and that many bytes of UTF-8 JSON (an
object). Bytes travel as standard base64 strings. A request names its `op`; an
answer carries `ok` and, on failure, an `error` code and a `message` that never
quotes key material or plaintext.

    send_message(sock, {"op": "unwrap", "key_id": "...", ...})
    answer = receive_message(sock)      # None when the peer closed cleanly

Defends against a peer that sends an oversized, cut or malformed frame: the
length is checked before anything is read into memory, and every field is read
through a typed accessor that raises InputRejected with the field's name.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import socket
import struct
import uuid
from collections.abc import Mapping
from typing import Any

from corridor.vault.errors import InputRejected, KeydProtocolError

# The largest intake box the portal accepts (1 MiB body) in base64, with room to spare.
MAX_FRAME = 4 * 1024 * 1024
_LENGTH = struct.Struct(">I")
Message = dict[str, Any]


def send_message(sock: socket.socket, message: Mapping[str, object]) -> None:
    """Write one message; KeydProtocolError if it is larger than a frame may be."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    if len(body) > MAX_FRAME:
        raise KeydProtocolError("A keyd message is larger than 4 MiB.")
    sock.sendall(_LENGTH.pack(len(body)) + body)


def receive_message(sock: socket.socket) -> Message | None:
    """Read one message; None if the peer closed between messages."""
    header = _read_exactly(sock, _LENGTH.size, eof_ok=True)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME:
        raise KeydProtocolError("A keyd message announced more than 4 MiB.")
    body = _read_exactly(sock, length, eof_ok=False)
    try:
        message = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting a frame can hold but json.loads cannot descend.
        raise KeydProtocolError("A keyd message is not JSON.") from None
    if not isinstance(message, dict):
        raise KeydProtocolError("A keyd message is not a JSON object.")
    return message


def _read_exactly(sock: socket.socket, count: int, *, eof_ok: bool) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < count:
        chunk = sock.recv(min(count - len(chunks), 1 << 16))
        if not chunk:
            if eof_ok and not chunks:
                return None
            raise KeydProtocolError("A keyd message was cut short.")
        chunks += chunk
    return bytes(chunks)


# ---------------------------------------------------------------- typed fields
CODE = re.compile(r"[A-Za-z0-9_.:@$/-]{1,200}")


def encode_bytes(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def read_bytes(message: Mapping[str, object], name: str, *, limit: int = MAX_FRAME) -> bytes:
    raw = message.get(name)
    if not isinstance(raw, str) or len(raw) > limit * 4 // 3 + 4:
        raise InputRejected(f"Field {name!r} must be base64 text.")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InputRejected(f"Field {name!r} must be base64 text.") from None


def read_text(message: Mapping[str, object], name: str, *, limit: int = 200) -> str:
    raw = message.get(name)
    if not isinstance(raw, str) or not 0 < len(raw) <= limit:
        raise InputRejected(f"Field {name!r} must be text of 1 to {limit} characters.")
    return raw


def read_code(message: Mapping[str, object], name: str) -> str:
    """An id or code: what may go into keyd's log."""
    raw = read_text(message, name)
    if not CODE.fullmatch(raw):
        raise InputRejected(f"Field {name!r} must be an id or a code.")
    return raw


def read_optional_code(message: Mapping[str, object], name: str) -> str | None:
    return None if message.get(name) is None else read_code(message, name)


def read_int(message: Mapping[str, object], name: str, *, low: int = 0, high: int = 2**31) -> int:
    raw = message.get(name)
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise InputRejected(f"Field {name!r} must be a whole number from {low} to {high}.")
    return raw


def read_uuid(message: Mapping[str, object], name: str) -> uuid.UUID:
    try:
        return uuid.UUID(read_text(message, name, limit=36))
    except ValueError:
        raise InputRejected(f"Field {name!r} must be a UUID.") from None
