"""Key work done in the process that can unwrap: blind indexes, intake boxes, signing, pepper.

The file provider uses it in the web process (the demo); keyd calls the same
functions (`blind_index`, `intake_box`, `sign_with`) inside its own sealed process,
so the formats cannot drift apart.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.core.merkle import tree_head_signature_input
from corridor.vault import blind_index, intake_box
from corridor.vault.keystore import current_key, get_wrapped_key
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers.base import Signature, WrappedBlob


class LocalKeyWork(ABC):
    """index, open_intake, sign and pepper on top of the subclass's unwrap."""

    def __init__(self) -> None:
        # Derived per-index keys, by (root key id, index name): HKDF on every lookup
        # would dominate screening, and the derivation never changes for a root key.
        self._index_keys: dict[tuple[uuid.UUID, str], bytes] = {}

    @abstractmethod
    def unwrap(
        self,
        *,
        key_id: uuid.UUID,
        purpose: str,
        blob: WrappedBlob,
        for_actor: str | None = None,
        case_id: str | None = None,
        ticket: str | None = None,
        task: str | None = None,
    ) -> bytes:
        """Unwrap a stored key."""

    def _unwrap_row(self, row: WrappedKey) -> bytes:
        return self.unwrap(
            key_id=row.id,
            purpose=row.purpose,
            blob=WrappedBlob(kek_version=row.kek_version, blob=bytes(row.wrapped)),
        )

    def index(self, name: str, value: bytes, *, bits: int | None = None) -> int:
        return self.indexes(name, [value], bits=bits)[0]

    def indexes(self, name: str, values: list[bytes], *, bits: int | None = None) -> list[int]:
        kept = blind_index.index_bits(bits)
        root = current_key(Purpose.BLIND_INDEX_ROOT)
        key = self._index_keys.get((root.id, name))
        if key is None:
            key = blind_index.index_key(self._unwrap_row(root), name)
            self._index_keys[(root.id, name)] = key
        return [blind_index.blind_index(key, value, bits=kept) for value in values]

    def open_intake(self, sealed: bytes, request_id: str) -> bytes:
        intake_box.check_request_id(request_id)
        row = get_wrapped_key(intake_box.box_key_id(sealed), purpose=Purpose.INTAKE)
        return intake_box.open_box(self._unwrap_row(row), sealed, request_id=request_id)

    def sign(self, message: bytes) -> Signature:
        row = current_key(Purpose.SIGNING)
        return Signature(
            key_id=str(row.fingerprint), signature=sign_with(self._unwrap_row(row), message)
        )

    def sign_manifest(self, message: bytes) -> Signature:
        return self.sign(message)

    def sign_tree_head(
        self,
        *,
        tree_size: int,
        root_hash: bytes,
        timestamp: int,
        proof_from: Callable[[int], Sequence[bytes]],
    ) -> Signature:
        # In one process there is nobody to check the proof against: the demo's key
        # sits beside the data it signs (docs/security.md).
        return self.sign(
            tree_head_signature_input(timestamp=timestamp, tree_size=tree_size, root_hash=root_hash)
        )

    def head_public_key(self) -> bytes | None:
        return None

    def pepper(self) -> bytes:
        return self._unwrap_row(current_key(Purpose.PEPPER))


def sign_with(private: bytes, message: bytes) -> bytes:
    """An Ed25519 signature of `message` with a raw 32-byte private key."""
    return Ed25519PrivateKey.from_private_bytes(private).sign(message)
