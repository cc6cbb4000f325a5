"""Search files for a canary in every form a leak could take.

A canary is a unique string seeded into sensitive fields and files; if it shows up
in a database, WAL, key store, log or backup, something stored plaintext. It is
searched for as UTF-8, UTF-16 (LE and BE), base64 in all three alignments (standard
and URL-safe alphabets) and lower case.
"""

from __future__ import annotations

import base64
from pathlib import Path

_READ = 1 << 20


def canary_forms(canary: str) -> set[bytes]:
    """Every byte string whose presence in a file means the canary leaked."""
    forms: set[bytes] = set()
    for text in {canary, canary.lower()}:
        raw = text.encode("utf-8")
        forms |= {raw, text.encode("utf-16-le"), text.encode("utf-16-be")}
        forms |= _base64_fragments(raw)
    return forms


def find_canary(root: Path, canary: str) -> list[str]:
    """The files under `root` (relative paths, sorted) that contain the canary in any form."""
    forms = canary_forms(canary)
    overlap = max(len(form) for form in forms)
    hits = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and _contains(path, forms, overlap):
            hits.append(str(path.relative_to(root)))
    return hits


def _base64_fragments(raw: bytes) -> set[bytes]:
    """The part of the base64 text of `raw` that does not depend on its neighbours, for each
    of the three positions `raw` can start at relative to base64's 3-byte groups."""
    fragments = set()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * shift + raw)
            start = 4 if shift else 0
            end = len(encoded) - (4 if (shift + len(raw)) % 3 else 0)
            fragments.add(encoded[start:end].rstrip(b"="))
    return fragments


def _contains(path: Path, forms: set[bytes], overlap: int) -> bool:
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(_READ):
            window = tail + block
            if any(form in window for form in forms):
                return True
            tail = window[-overlap:]
    return False
