"""keyd's wire format: what a peer may send, and how a bad frame is refused."""

from __future__ import annotations

import socket
import struct
import uuid

import pytest

from corridor.vault.errors import InputRejected, KeydProtocolError
from corridor.vault.keyd import protocol as wire

pytestmark = pytest.mark.pure


@pytest.fixture
def pair():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    yield left, right
    left.close()
    right.close()


def test_a_message_crosses_whole(pair):
    left, right = pair
    wire.send_message(left, {"op": "unwrap", "key": wire.encode_bytes(b"\x00\xff" * 40)})
    message = wire.receive_message(right)
    assert message == {"op": "unwrap", "key": wire.encode_bytes(b"\x00\xff" * 40)}
    assert wire.read_bytes(message, "key") == b"\x00\xff" * 40


def test_a_clean_close_between_messages_is_none(pair):
    left, right = pair
    left.close()
    assert wire.receive_message(right) is None


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (struct.pack(">I", wire.MAX_FRAME + 1), "more than 4 MiB"),
        (struct.pack(">I", 10) + b"{}", "cut short"),
        (struct.pack(">I", 3) + b"abc", "not JSON"),
        # Deep enough to exhaust json.loads' recursion limit, well within a frame.
        (struct.pack(">I", 60_000) + b"[" * 60_000, "not JSON"),
        (struct.pack(">I", 2) + b"[]", "not a JSON object"),
        (b"\x00\x00", "cut short"),
    ],
)
def test_a_bad_frame_is_a_protocol_error(pair, raw, problem):
    """An oversized, cut or malformed frame is refused before anything acts on it."""
    left, right = pair
    left.sendall(raw)
    left.shutdown(socket.SHUT_WR)
    with pytest.raises(KeydProtocolError, match=problem):
        wire.receive_message(right)


def test_a_message_over_the_frame_limit_is_not_sent(pair):
    left, _ = pair
    with pytest.raises(KeydProtocolError, match="larger than 4 MiB"):
        wire.send_message(left, {"blob": "a" * (wire.MAX_FRAME + 1)})


@pytest.mark.parametrize(
    ("reader", "message", "name"),
    [
        (wire.read_bytes, {"key": "!!"}, "key"),
        (wire.read_bytes, {"key": 12}, "key"),
        (wire.read_text, {"op": ""}, "op"),
        (wire.read_text, {"op": "x" * 201}, "op"),
        (wire.read_code, {"principal": "staff: 1"}, "principal"),
        (wire.read_int, {"bits": True}, "bits"),
        (wire.read_int, {"bits": -1}, "bits"),
        (wire.read_int, {"bits": "8"}, "bits"),
        (wire.read_uuid, {"key_id": "not-a-uuid"}, "key_id"),
    ],
)
def test_a_field_of_the_wrong_shape_names_itself(reader, message, name):
    with pytest.raises(InputRejected, match=repr(name)):
        reader(message, name)


def test_typed_fields_read_what_they_should():
    key_id = uuid.uuid4()
    message = {"key_id": str(key_id), "bits": 16, "case_id": None, "principal": "staff:7"}
    assert wire.read_uuid(message, "key_id") == key_id
    assert wire.read_int(message, "bits", low=1, high=64) == 16
    assert wire.read_optional_code(message, "case_id") is None
    assert wire.read_optional_code(message, "principal") == "staff:7"
