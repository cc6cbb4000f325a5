"""A partner's key fingerprint, and how two people read it to each other.

The fingerprint is SHA-256 over a domain label, the Ed25519 signing key and the X25519
encryption key, so it changes when either key does. It is shown twice, for a call or a
meeting: as eight words from the codename word list (88 bits; a mistake in one word
changes it) and as twelve groups of five digits (20 bits each, mod 10^5), as Signal shows
its safety numbers. Both come from the same bytes; either one compared in full is
enough.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

DOMAIN = b"corridor-partner-keys-v1"
KEY_SIZE = 32
WORDS_SHOWN = 8
BITS_PER_WORD = 11  # the list has 2048 words
DIGIT_GROUPS = 12
DIGITS_PER_GROUP = 5
WORD_LIST = "codename_words_ru_v1.txt"


class KeyMalformed(ValueError):
    """A key is not 32 raw bytes; the message says which one."""


def fingerprint(signing_key: bytes, encryption_key: bytes) -> str:
    """Hex SHA-256 of both public keys, the identity two Corridors compare."""
    for name, key in (("signing", signing_key), ("encryption", encryption_key)):
        if not isinstance(key, bytes) or len(key) != KEY_SIZE:
            raise KeyMalformed(f"the {name} key must be {KEY_SIZE} bytes")
    return hashlib.sha256(DOMAIN + signing_key + encryption_key).hexdigest()


def as_words(hex_fingerprint: str) -> list[str]:
    """The fingerprint's first 88 bits as eight words of the codename list."""
    words = _word_list()
    number = int(hex_fingerprint, 16) >> (256 - WORDS_SHOWN * BITS_PER_WORD)
    mask = (1 << BITS_PER_WORD) - 1
    return [
        words[(number >> (BITS_PER_WORD * (WORDS_SHOWN - 1 - index))) & mask]
        for index in range(WORDS_SHOWN)
    ]


def as_digits(hex_fingerprint: str) -> list[str]:
    """Twelve groups of five digits: each group is 20 bits of the fingerprint mod 10^5."""
    raw = bytes.fromhex(hex_fingerprint)
    number = int.from_bytes(raw, "big")
    groups = []
    for index in range(DIGIT_GROUPS):
        chunk = (number >> (256 - 20 * (index + 1))) & 0xFFFFF
        groups.append(f"{chunk % 10**DIGITS_PER_GROUP:0{DIGITS_PER_GROUP}d}")
    return groups


@cache
def _word_list() -> tuple[str, ...]:
    text = resources.files("corridor.intake").joinpath("data", WORD_LIST).read_text("utf-8")
    words = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(words) != 1 << BITS_PER_WORD:
        raise RuntimeError(f"the word list must hold {1 << BITS_PER_WORD} words")
    return words
