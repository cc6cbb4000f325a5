"""The `keyd` key provider: a separate, sealed key process (a later issue).

Until it is built, selecting it fails closed with KeyProviderUnavailable on every
operation, so production never falls back to a key on disk.
"""

from __future__ import annotations

import uuid

from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.providers.base import Signature, WrappedBlob

NOT_BUILT = "The keyd key provider is not available yet; no key operation can run."


class KeydKeyProvider:
    name = "keyd"
    holds_key_on_disk = False

    def wrap(self, *, key_id: uuid.UUID, purpose: str, key: bytes) -> WrappedBlob:
        raise KeyProviderUnavailable(NOT_BUILT)

    def unwrap(self, *, key_id: uuid.UUID, purpose: str, blob: WrappedBlob) -> bytes:
        raise KeyProviderUnavailable(NOT_BUILT)

    def index(self, name: str, value: bytes, *, bits: int | None = None) -> int:
        raise KeyProviderUnavailable(NOT_BUILT)

    def open_intake(self, sealed: bytes, request_id: str) -> bytes:
        raise KeyProviderUnavailable(NOT_BUILT)

    def sign(self, message: bytes) -> Signature:
        raise KeyProviderUnavailable(NOT_BUILT)

    def pepper(self) -> bytes:
        raise KeyProviderUnavailable(NOT_BUILT)
