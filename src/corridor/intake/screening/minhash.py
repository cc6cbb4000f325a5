"""Narrative similarity without the narrative: a MinHash over keyed word hashes.

Words are hashed with HMAC-SHA256 under a 128-bit key that the key provider derives
through a dedicated blind index (`screening.narrative`), so a signature gives nothing
to someone without the blind-index root key; one provider call per half of that key
instead of one per word keeps screening cheap under keyd. Three-word shingles are
combined from the word hashes and permuted with public constants. Only the signature
and its bands (for lookup) are stored, as numbers. Two signatures agree in about the
share of positions that their texts' shingle sets overlap (Jaccard).

    signature = narrative_signature(text, hash_word=keyed_word_hasher())
    similarity(signature, other)  # 0.0 .. 1.0
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable

from corridor.vault.providers import key_provider

NARRATIVE_INDEX = "screening.narrative"
PERMUTATIONS = 64
BANDS = 32
ROWS = PERMUTATIONS // BANDS
# Shorter narratives ("help me, I am in danger") are alike for real people: no signature.
MIN_SHINGLES = 12
SHINGLE_WORDS = 3
MAX_WORDS = 2000
_PRIME = (1 << 61) - 1
_WORD = re.compile(r"[^\W_]+")

Signature = tuple[int, ...]


def _constants(label: str) -> list[int]:
    # Public, fixed multipliers: the secrecy is in the keyed word hashes.
    return [
        int.from_bytes(hashlib.sha256(f"{label}{i}".encode()).digest()[:8], "big") % _PRIME or 1
        for i in range(PERMUTATIONS)
    ]


_A = _constants("corridor-minhash-a-")
_B = _constants("corridor-minhash-b-")


def keyed_word_hasher() -> Callable[[str], int]:
    """A function from a word to its 61-bit keyed hash, keyed by the provider."""
    provider = key_provider()
    key = b"".join(
        provider.index(NARRATIVE_INDEX, label, bits=64).to_bytes(8, "big")
        for label in (b"minhash-key-1", b"minhash-key-2")
    )

    def hash_word(word: str) -> int:
        digest = hmac.new(key, word.encode("utf-8"), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") >> 3

    return hash_word


def narrative_words(text: str) -> list[str]:
    """The words of a narrative, lower-case, in order."""
    normal = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    return _WORD.findall(normal)[:MAX_WORDS]


def narrative_signature(text: str, *, hash_word: Callable[[str], int]) -> Signature | None:
    """The MinHash signature of `text`, or None when it is too short to compare."""
    words = narrative_words(text)
    if len(words) - SHINGLE_WORDS + 1 < MIN_SHINGLES:
        return None
    hashed = {word: hash_word(word) for word in set(words)}
    shingles = {
        (hashed[words[i]] * 0x9E3779B1 + hashed[words[i + 1]] * 0x85EBCA77 + hashed[words[i + 2]])
        % _PRIME
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    return tuple(
        min((a * shingle + b) % _PRIME for shingle in shingles) for a, b in zip(_A, _B, strict=True)
    )


def signature_bands(signature: Signature) -> list[int]:
    """One lookup value per band of ROWS positions: texts alike share at least one."""
    values = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr((band, rows)).encode(), digest_size=8).digest()
        values.append(int.from_bytes(digest, "big") >> 2)
    return values


def similarity(first: Signature, second: Signature) -> float:
    """The estimated Jaccard similarity of the two texts' shingles."""
    if len(first) != len(second) or not first:
        return 0.0
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


def encode_signature(signature: Signature) -> str:
    return ",".join(str(value) for value in signature)


def decode_signature(stored: str) -> Signature:
    try:
        values = tuple(int(value) for value in stored.split(","))
    except ValueError:
        return ()
    return values if len(values) == PERMUTATIONS else ()
