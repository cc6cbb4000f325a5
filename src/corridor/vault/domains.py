"""Prefixes that keep a signature made for one purpose from passing for another.

A tree head's signed bytes start 0x00 0x01 (RFC 6962 TreeHeadSignature, built by keyd
itself); a backup manifest's start with `MANIFEST_PREFIX`. keyd signs manifests with its
head key only when the bytes start with this prefix, so no manifest can be a tree head.
"""

from __future__ import annotations

MANIFEST_PREFIX = b"corridor backup manifest v1\n"
# A catalog feed's signed bytes (pathways.feed): a publisher key signs nothing else, and
# no feed can pass for a manifest or a tree head.
FEED_PREFIX = b"corridor pathways feed v1\n"
# A witness's countersignature over a partner's tree head (partners/witnessing.py).
WITNESS_PREFIX = b"corridor witness statement v1\n"
