"""Tree-head signatures through the vault's audit signing key (Ed25519).

Signing goes through the key provider, so under keyd the private key never
enters this process; checking reads public keys only and needs no KEK.
"""

from __future__ import annotations

from corridor.audit.heads import SignatureStatus, SignedHead, tree_head_signature_input
from corridor.vault import signing
from corridor.vault.errors import KeyNotFound


def sign_head(*, tree_size: int, root_hash: bytes, timestamp: int) -> SignedHead:
    """A head over `root_hash` at `tree_size`, signed now with the current signing key."""
    message = tree_head_signature_input(
        timestamp=timestamp, tree_size=tree_size, root_hash=root_hash
    )
    signature = signing.sign(message)
    return SignedHead(
        tree_size=tree_size,
        root_hash=root_hash,
        timestamp=timestamp,
        key_id=signature.key_id,
        signature=signature.signature,
    )


def check_head_signature(head: SignedHead) -> SignatureStatus:
    """Whether the head's signature verifies under the key it names (old keys included)."""
    try:
        valid = signing.verify(
            key_id=head.key_id, message=head.signed_message(), signature=head.signature
        )
    except KeyNotFound:
        return SignatureStatus.UNKNOWN_KEY
    return SignatureStatus.VALID if valid else SignatureStatus.BAD
