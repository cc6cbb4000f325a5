"""Blind indexes: keyed, truncated hashes that let equal values be found without decrypting.

Each index has its own key, derived from the random blind-index root key with HKDF
and the index name as `info`, so the indexes cannot be joined with each other and
share nothing with the encryption keys (docs/security.md C12). The hash is truncated to
`bits` bits so a seized database gives several candidate rows per value; a match is
a candidate only. Normalising the value (transliteration, spelling variants) is the
caller's job. Through the provider:

    candidate = key_provider().index("phone", b"+79001234567", bits=16)
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from corridor.vault.aead import derive_key, length_prefixed
from corridor.vault.errors import InputRejected

INDEX_LABEL = "corridor-blind-index-v1"
DEFAULT_INDEX_BITS = 16
MAX_INDEX_BITS = 64
MAX_INDEX_NAME = 100


def index_bits(bits: int | None) -> int:
    """The truncation to use: `bits`, else settings.CORRIDOR_BLIND_INDEX_BITS, else 16."""
    chosen = bits if bits is not None else getattr(settings, "CORRIDOR_BLIND_INDEX_BITS", None)
    chosen = DEFAULT_INDEX_BITS if chosen is None else chosen
    if isinstance(chosen, bool) or not isinstance(chosen, int):
        raise InputRejected("A blind index needs a whole number of bits.")
    if not 1 <= chosen <= MAX_INDEX_BITS:
        raise InputRejected(f"A blind index keeps between 1 and {MAX_INDEX_BITS} bits.")
    return chosen


def index_key(root: bytes, name: str) -> bytes:
    """The key of the index `name`, derived from the root key."""
    if not name or len(name) > MAX_INDEX_NAME:
        raise InputRejected(f"An index name has 1 to {MAX_INDEX_NAME} characters.")
    return derive_key(root, info=length_prefixed(INDEX_LABEL, name))


def blind_index(key: bytes, value: bytes, *, bits: int) -> int:
    """HMAC-SHA256 of `value` under the index key, keeping the leading `bits` bits."""
    if not isinstance(value, bytes):
        raise InputRejected("A blind index is computed over bytes; encode the value first.")
    digest = hmac.new(key, value, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (MAX_INDEX_BITS - bits)
