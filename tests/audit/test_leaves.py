"""Canonical leaves: the exact bytes the log hashes, identical however they are built."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.audit import leaves

pytestmark = pytest.mark.pure

text = st.text(max_size=40)
detail_values = st.one_of(
    st.text(max_size=20), st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
)
details = st.dictionaries(st.text(max_size=10), detail_values, max_size=5)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=1, max_value=2**62),
    time_us=st.integers(min_value=0, max_value=253402300799999999),
    fields=st.tuples(text, text, text, text, text, text),
    detail=details,
)
def test_the_fast_leaf_equals_canonical_json_of_the_leaf_object(seq, time_us, fields, detail):
    """build_leaf writes exactly canonical_json of the documented leaf object, for any content."""
    actor, event_type, object_type, object_id, case_id, reason = fields
    stored_detail = leaves.canonical_json(detail)
    args = (seq, time_us, actor, event_type, object_type, object_id, case_id, reason)
    fast = leaves.build_leaf(*args, stored_detail)
    assert fast == leaves.canonical_json(leaves.leaf_object((*args, stored_detail))).encode()
    assert fast.isascii()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC), "2026-11-25T12:00:00.123456Z"),
        (datetime(2026, 11, 25, tzinfo=UTC), "2026-11-25T00:00:00.000000Z"),
        (datetime(1970, 1, 1, tzinfo=UTC), "1970-01-01T00:00:00.000000Z"),
        (datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC), "2024-02-29T23:59:59.999999Z"),
    ],
)
def test_times_are_rfc3339_utc_with_microseconds(moment, expected):
    """Times always carry six fractional digits and a Z, and round-trip through storage."""
    stored = leaves.time_us_of(moment)
    assert leaves.format_time(stored) == expected
    assert leaves.datetime_of(stored) == moment


def test_a_day_starts_at_midnight_utc():
    """day_start_us is the stored time of 00:00 UTC that day."""
    assert leaves.day_start_us(date(2026, 11, 25)) == leaves.time_us_of(
        datetime(2026, 11, 25, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("stored", "problem"),
    [
        ("{", "not JSON"),
        ("[1]", "not a JSON object"),
        ('{"a":1.5}', "not a string or an integer"),
        ('{"a":true}', "not a string or an integer"),
        ('{"a":{"b":1}}', "not a string or an integer"),
        ('{"b":1,"a":2}', "not in canonical form"),
        ('{"a": 1}', "not in canonical form"),
        ('{"a":"\u00e9"}', "not in canonical form"),
    ],
)
def test_stored_detail_that_the_writer_could_not_have_written_is_malformed(stored, problem):
    """Unsorted, spaced, non-ASCII, nested or non-JSON detail text is refused on reading."""
    with pytest.raises(leaves.DetailMalformed, match=problem):
        leaves.parse_detail(stored)
