"""What a key provider does for the rest of Corridor, and the values it hands back.

The web and worker processes never handle the KEK themselves: they ask a provider
to wrap and unwrap keys, compute blind indexes, open intake boxes, sign and hand
out the codename pepper. `file` does this in-process with the KEK in a file (the
demo); `keyd` does it in a separate, sealed process behind a Unix socket.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from corridor.vault.keyd.ledger import KeyOwner


@dataclass(frozen=True)
class WrappedBlob:
    """A key wrapped by the KEK `kek_version`, as stored in the key store."""

    kek_version: int
    blob: bytes = field(repr=False)


@dataclass(frozen=True)
class Signature:
    """An Ed25519 signature and the key that made it (hex SHA-256 of the raw public key)."""

    key_id: str
    signature: bytes


@runtime_checkable
class KeyProvider(Protocol):
    """The data-socket operations: every caller goes through these."""

    name: str
    # True when the KEK sits on this machine's disk: staff pages then show a warning.
    holds_key_on_disk: bool

    def wrap(
        self,
        *,
        key_id: uuid.UUID,
        purpose: str,
        key: bytes,
        owner: KeyOwner | None = None,
        ticket: str | None = None,
    ) -> WrappedBlob:
        """Wrap `key` under the current KEK, bound to its id and purpose; `owner` (data keys)
        is recorded in keyd's ledger, once: the object the key belongs to (and, for a case,
        the holder of `ticket` as the person who opened it)."""
        ...

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
        """Unwrap a stored data key for `for_actor` working on `case_id`.

        For a staff principal, `ticket` is the one keyd issued at their login; keyd (and
        the file provider unless CORRIDOR_KEY_LEDGER_ENFORCED is off) hands the key out
        only to the person its ledger allows (assigned to the case, a fresh break-glass
        reveal, their own draft) or to a named system principal, within their limits.
        """
        ...

    def ledger(self, op: str, fields: dict[str, Any], *, operator: bool) -> dict[str, Any]:
        """A ticket or ledger operation (corridor.vault.keyd.tickets); `operator` for the
        admin socket (the demo's seed and `corridor keyd` commands)."""
        ...

    def index(self, name: str, value: bytes, *, bits: int | None = None) -> int:
        """A blind index of `value` for the index `name`, truncated to `bits` bits."""
        ...

    def indexes(self, name: str, values: list[bytes], *, bits: int | None = None) -> list[int]:
        """`index` of each value, in order, finding the current root key once (the word
        forms of a message or a protocol word: hundreds at a time)."""
        ...

    def open_intake(self, sealed: bytes, request_id: str) -> bytes:
        """Open a sealed intake box for `request_id` and return its payload."""
        ...

    def sign(self, message: bytes) -> Signature:
        """Sign any bytes with the current audit signing key (the file provider only:
        keyd signs tree heads and nothing else)."""
        ...

    def sign_manifest(self, message: bytes) -> Signature:
        """Sign a backup manifest (bytes starting with `domains.MANIFEST_PREFIX`) with the
        key that signs tree heads."""
        ...

    def sign_tree_head(
        self,
        *,
        tree_size: int,
        root_hash: bytes,
        timestamp: int,
        proof_from: Callable[[int], Sequence[bytes]],
    ) -> Signature:
        """Sign the RFC 6962 tree head; keyd first checks `proof_from(last size it
        signed)`, the consistency proof from that head to this one."""
        ...

    def head_public_key(self) -> bytes | None:
        """The public key of a head-signing key the provider keeps itself (keyd), or
        None when the key store holds it wrapped (file)."""
        ...

    def pepper(self) -> bytes:
        """The codename pepper (32 random bytes)."""
        ...


@runtime_checkable
class KekAdministration(Protocol):
    """The admin-socket operations an operator runs: create, check, rewrap and retire KEKs."""

    def create_kek(self, version: int) -> bytes:
        """Hold a KEK for `version` (a new random one unless already held); its check value."""
        ...

    def kek_check(self, version: int) -> bytes:
        """The check value of the KEK `version` this provider holds."""
        ...

    def rewrap(
        self, *, key_id: uuid.UUID, purpose: str, blob: WrappedBlob, to_version: int
    ) -> WrappedBlob:
        """The same key wrapped under KEK `to_version` instead."""
        ...

    def forget_keks(self, *, keep: int) -> None:
        """Destroy every KEK version except `keep` (the end of a rotation)."""
        ...
