"""Canonical leaves: the exact bytes each audit event contributes to the Merkle tree.

A leaf is the canonical JSON of `{"v":1, seq, time, actor, type, object_type,
object_id, case_id, reason, detail}`: keys sorted, no whitespace, and
`ensure_ascii=True`, so a leaf is pure ASCII and reads the same in every tool
and encoding. `time` is RFC 3339 UTC with microseconds. The writer and the
verifier build leaves with the same function from the same stored columns, so
any change to a stored column changes the leaf hash.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from json.encoder import encode_basestring_ascii

LEAF_VERSION = 1
DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
# Integers a JSON reader anywhere parses exactly (IEEE double range).
MAX_JSON_INT = 2**53 - 1


class DetailMalformed(ValueError):
    """Stored detail text is not the canonical JSON of a flat object of strings and integers."""


# Built once: json.dumps with options constructs a new encoder on every call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
)


def canonical_json(value: object) -> str:
    """The one serialisation the log hashes and stores: sorted keys, compact, ASCII."""
    return _CANONICAL.encode(value)


def time_us_of(moment: datetime) -> int:
    """Microseconds since the epoch for an aware datetime (how the log stores time)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def datetime_of(time_us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=time_us)


def day_start_us(day: date) -> int:
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_US


def format_time(time_us: int) -> str:
    """RFC 3339 in UTC with exactly six fractional digits, e.g. 2026-11-25T12:00:00.123456Z."""
    days, within = divmod(time_us, DAY_US)
    seconds, micro = divmod(within, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, second = divmod(rest, 60)
    day = date.fromordinal(_EPOCH_ORDINAL + days).isoformat()
    return f"{day}T{hours:02d}:{minutes:02d}:{second:02d}.{micro:06d}Z"


def build_leaf(
    seq: int,
    time_us: int,
    actor: str,
    event_type: str,
    object_type: str,
    object_id: str,
    case_id: str,
    reason: str,
    detail: str,
) -> bytes:
    """The leaf bytes of one event; `detail` is its stored canonical JSON text.

    Written out key by key in sorted order rather than through json.dumps of a
    dict: the verifier builds a million of these, and the result is byte-equal
    to `canonical_json` of the leaf object (a property test holds them equal).
    """
    text = (
        f'{{"actor":{encode_basestring_ascii(actor)},'
        f'"case_id":{encode_basestring_ascii(case_id)},'
        f'"detail":{detail},'
        f'"object_id":{encode_basestring_ascii(object_id)},'
        f'"object_type":{encode_basestring_ascii(object_type)},'
        f'"reason":{encode_basestring_ascii(reason)},'
        f'"seq":{seq:d},'
        f'"time":"{format_time(time_us)}",'
        f'"type":{encode_basestring_ascii(event_type)},'
        f'"v":{LEAF_VERSION}}}'
    )
    return text.encode("ascii")


# An entry's leaf columns in build_leaf's order: seq, time_us, actor, event_type,
# object_type, object_id, case_id, reason, detail.
LeafFields = tuple[int, int, str, str, str, str, str, str, str]


def leaf_object(fields: LeafFields) -> dict[str, object]:
    """The leaf as a JSON object (for exports); canonical_json of it equals build_leaf."""
    seq, time_us, actor, event_type, object_type, object_id, case_id, reason, detail = fields
    return {
        "actor": actor,
        "case_id": case_id,
        "detail": parse_detail(detail),
        "object_id": object_id,
        "object_type": object_type,
        "reason": reason,
        "seq": seq,
        "time": format_time(time_us),
        "type": event_type,
        "v": LEAF_VERSION,
    }


def parse_detail(text: str) -> dict[str, str | int]:
    """Read stored detail text, refusing anything the writer could not have stored."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        raise DetailMalformed("detail is not JSON") from None
    if not isinstance(value, dict):
        raise DetailMalformed("detail is not a JSON object")
    for item in value.values():
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise DetailMalformed("detail holds a value that is not a string or an integer")
    if canonical_json(value) != text:
        raise DetailMalformed("detail is not in canonical form")
    return value
