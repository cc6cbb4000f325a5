"""Tree heads: the signed structure is RFC 6962's, and head files are read strictly."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from corridor.audit.heads import HeadMalformed, SignedHead, parse_heads, tree_head_signature_input

pytestmark = pytest.mark.pure

HEAD = SignedHead(
    tree_size=20,
    root_hash=bytes(range(32)),
    timestamp=1_790_000_000_123,
    key_id="ab" * 32,
    signature=bytes(range(64)),
)


def test_the_signature_covers_the_rfc6962_tree_head_signature():
    """version v1 (0), signature_type tree_hash (1), uint64 timestamp, uint64 size, 32-byte root."""
    message = HEAD.signed_message()
    assert message == tree_head_signature_input(
        timestamp=1_790_000_000_123, tree_size=20, root_hash=bytes(range(32))
    )
    assert len(message) == 1 + 1 + 8 + 8 + 32
    assert message[:2] == b"\x00\x01"
    assert struct.unpack(">QQ", message[2:18]) == (1_790_000_000_123, 20)
    assert message[18:] == bytes(range(32))


def test_a_printed_head_reads_back_identically():
    """The line `corridor audit head` prints parses to the same head, keys in the issue's order."""
    line = HEAD.to_line()
    assert list(json.loads(line)) == ["tree_size", "root_hash", "timestamp", "key_id", "signature"]
    assert parse_heads(line) == [HEAD]
    assert json.loads(line)["root_hash"] == base64.b64encode(bytes(range(32))).decode()


def test_a_witness_file_may_hold_a_list_or_one_head_per_line():
    """A JSON list of heads and a JSON-lines file of heads both read in order."""
    other = SignedHead(**{**HEAD.__dict__, "tree_size": 30})
    as_list = json.dumps([HEAD.as_json(), other.as_json()])
    as_lines = HEAD.to_line() + "\n\n" + other.to_line() + "\n"
    assert parse_heads(as_list) == parse_heads(as_lines) == [HEAD, other]


def mutate(**changes: object) -> str:
    return json.dumps({**HEAD.as_json(), **changes})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "holds no tree head"),
        ("{nope", "neither JSON nor JSON lines"),
        ("[]", "holds no tree head"),
        ("42", "exactly tree_size"),
        (json.dumps({"tree_size": 1}), "exactly tree_size"),
        (mutate(extra=1), "exactly tree_size"),
        (mutate(tree_size="20"), "tree_size must be an integer"),
        (mutate(tree_size=True), "tree_size must be an integer"),
        (mutate(timestamp=-1), "timestamp must fit an unsigned 64-bit integer"),
        (mutate(tree_size=2**64), "tree_size must fit an unsigned 64-bit integer"),
        (mutate(key_id="AB" * 32), "key_id must be 64 lower-case hex digits"),
        (mutate(key_id=7), "key_id must be 64 lower-case hex digits"),
        (mutate(root_hash=7), "root_hash must be base64 text"),
        (mutate(root_hash="***"), "root_hash is not valid base64"),
        (mutate(root_hash=base64.b64encode(b"short").decode()), "root_hash must decode to 32"),
        (mutate(signature=base64.b64encode(bytes(63)).decode()), "signature must decode to 64"),
    ],
)
def test_a_malformed_head_file_is_refused_saying_why(text, problem):
    """Anything `corridor audit head` could not have printed is refused with the reason."""
    with pytest.raises(HeadMalformed, match=problem):
        parse_heads(text)
