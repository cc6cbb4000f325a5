"""Human-readable random references."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.core.ids import CROCKFORD, new_reference, normalise_reference

pytestmark = pytest.mark.pure


def test_reference_has_the_documented_shape():
    """A reference is PREFIX-XXXX-XXXX in Crockford base32."""
    assert re.fullmatch(r"CR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", new_reference("CR"))


def test_references_do_not_repeat_in_practice():
    """10,000 fresh references are all different (40 random bits each)."""
    assert len({new_reference("CR") for _ in range(10_000)}) == 10_000


@given(st.integers(min_value=0, max_value=2**40 - 1))
def test_typed_variants_normalise_back(value):
    """Lower case, missing dashes and O/I/L look-alikes read back as the same reference."""
    chars = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(35, -1, -5))
    ref = f"CR-{chars[:4]}-{chars[4:]}"
    typed = ref.lower().replace("-", "").replace("0", "o").replace("1", "l")
    assert normalise_reference("CR", typed) == ref


@pytest.mark.parametrize("raw", ["", "CR-1234", "CR-UUUU-UUUU", "CR-1234-56789"])
def test_impossible_references_are_refused(raw):
    """Strings that cannot be a reference give None, not an exception."""
    assert normalise_reference("CR", raw) is None
