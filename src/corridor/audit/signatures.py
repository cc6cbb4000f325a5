"""Tree-head signatures through the vault's audit signing key (Ed25519).

Signing goes through the key provider, so under keyd the private key never
enters this process; checking reads public keys only and needs no KEK.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from corridor.audit.heads import SignatureStatus, SignedHead
from corridor.audit.selectors import get_consistency_proof
from corridor.vault import signing
from corridor.vault.errors import KeyNotFound

PUBLIC_KEY_SIZE = 32


def sign_head(*, tree_size: int, root_hash: bytes, timestamp: int) -> SignedHead:
    """A head over `root_hash` at `tree_size`, signed now with the current signing key."""
    signature = signing.sign_tree_head(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=timestamp,
        proof_from=lambda size: consistency_proof_to(size, tree_size),
    )
    return SignedHead(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=timestamp,
        key_id=signature.key_id,
        signature=signature.signature,
    )


def consistency_proof_to(size1: int, size2: int) -> list[bytes]:
    """The proof keyd checks: the log at `size2` extends the head it signed at `size1`."""
    return list(get_consistency_proof(size1=size1, size2=size2).proof)


def pinned_check(public: bytes) -> Callable[[SignedHead], SignatureStatus]:
    """A signature check that trusts only `public` (kept by the trustees, off the server):
    a head signed by any other key, even one the key store lists, is an unknown key."""
    key_id = signing.fingerprint(public)

    def check(head: SignedHead) -> SignatureStatus:
        if head.key_id != key_id:
            return SignatureStatus.UNKNOWN_KEY
        valid = signing.verify_with(public, message=head.signed_message(), signature=head.signature)
        return SignatureStatus.VALID if valid else SignatureStatus.BAD

    return check


def read_pinned_key(text: str) -> bytes:
    """The public key in a pinned-key file: the line `keys init` printed
    (`audit head key: <base64>`) or the base64 alone; ValueError otherwise."""
    words = text.split()
    if not words:
        raise ValueError("the file is empty")
    try:
        public = base64.b64decode(words[-1], validate=True)
    except binascii.Error:
        raise ValueError("the key is not base64") from None
    if len(public) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes, not {len(public)}")
    return public


def check_head_signature(head: SignedHead) -> SignatureStatus:
    """Whether the head's signature verifies under the key it names (old keys included)."""
    try:
        valid = signing.verify(
            key_id=head.key_id, message=head.signed_message(), signature=head.signature
        )
    except KeyNotFound:
        return SignatureStatus.UNKNOWN_KEY
    return SignatureStatus.VALID if valid else SignatureStatus.BAD
