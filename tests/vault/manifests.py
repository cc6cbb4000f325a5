"""Forging backup manifests for the tests that must see restore refuse them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from corridor.vault import manifest as manifest_format


def resign(document: dict, private: Ed25519PrivateKey) -> bytes:
    """The manifest as `backup` would write it, but signed by `private`."""
    body = {k: v for k, v in document.items() if k not in ("key_id", "signature")}
    signed = manifest_format._signed_bytes(body)
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    document = {
        **body,
        "key_id": hashlib.sha256(public).hexdigest(),
        "signature": base64.b64encode(private.sign(signed)).decode("ascii"),
    }
    return manifest_format._rendered(document)
