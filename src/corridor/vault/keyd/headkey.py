"""keyd's audit tree-head signing key: made at `keys init`, never handed out, used only
on tree heads that extend the last head keyd signed.

Whoever can write the data database (or its key store) must not be able to sign a
head over a rewritten history. So the private key never leaves keyd's folder: it is
stored there wrapped under the KEK (`head-key.json`, opened only while keyd is
unsealed), and keyd builds the signed bytes itself (RFC 6962 TreeHeadSignature) from a
size and a root, never from bytes a caller sends. Before signing, keyd checks a
consistency proof from the last head it signed (`last-head.json`), so even the worker
cannot have it sign a history that forgets events it signed before. The verifying key
is printed at `keys init` for the trustees to keep (`audit verify --pinned-key FILE`).

    public = create_head_key(directory, kek, version=1)   # keys init
    signer = HeadSigner(directory)
    signature = signer.sign(kek_of, tree_size=n, root_hash=r, timestamp=t, proof=p)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.core.inputs import InputRefused, decode_text, parse_json, read_input_bytes
from corridor.core.merkle import (
    HASH_SIZE,
    ProofInvalid,
    tree_head_signature_input,
    verify_consistency,
)
from corridor.vault import aead
from corridor.vault.domains import MANIFEST_PREFIX
from corridor.vault.errors import InputRejected, KeydNotInitialised, UnwrapRefused
from corridor.vault.models import Purpose
from corridor.vault.private_files import write_private_file

HEAD_KEY_FILE = "head-key.json"
LAST_HEAD_FILE = "last-head.json"
FILE_LIMIT = 4096


@dataclass(frozen=True)
class HeadKey:
    kek_version: int
    key_id: uuid.UUID
    blob: bytes
    public: bytes

    @property
    def fingerprint(self) -> str:
        """The key id a signed head names: hex SHA-256 of the raw public key."""
        return hashlib.sha256(self.public).hexdigest()


@dataclass(frozen=True)
class LastHead:
    tree_size: int
    root_hash: bytes


def public_key_line(public: bytes) -> str:
    """What `keys init` prints and the trustees keep: `--pinned-key` reads this line."""
    return f"audit head key: {base64.b64encode(public).decode('ascii')}"


def create_head_key(directory: Path, kek: bytes | bytearray, *, version: int) -> bytes:
    """A new head-signing key, wrapped under KEK `version` into keyd's folder; its public key."""
    if (directory / HEAD_KEY_FILE).exists():
        raise InputRejected(f"{directory / HEAD_KEY_FILE} exists already.")
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    key_id = uuid.uuid4()
    blob = aead.wrap_key(
        bytes(kek), private.private_bytes_raw(), key_id=key_id, purpose=Purpose.SIGNING
    )
    write_head_key(directory, HeadKey(version, key_id, blob, public))
    return public


def write_head_key(directory: Path, key: HeadKey) -> None:
    payload = {
        "kek_version": key.kek_version,
        "key_id": str(key.key_id),
        "blob": base64.b64encode(key.blob).decode("ascii"),
        "public": base64.b64encode(key.public).decode("ascii"),
    }
    write_private_file(directory / HEAD_KEY_FILE, json.dumps(payload).encode("ascii"))


def read_head_key(directory: Path) -> HeadKey | None:
    payload = _read(directory / HEAD_KEY_FILE)
    if payload is None:
        return None
    try:
        return HeadKey(
            kek_version=int(payload["kek_version"]),
            key_id=uuid.UUID(str(payload["key_id"])),
            blob=base64.b64decode(payload["blob"], validate=True),
            public=base64.b64decode(payload["public"], validate=True),
        )
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise KeydNotInitialised(f"{directory / HEAD_KEY_FILE} is not a head key.") from None


def rewrap_head_key(
    directory: Path, old_kek: bytes | bytearray, new_kek: bytes | bytearray, *, version: int
) -> None:
    """Move the head key to a new KEK version (a rotation); its public key stays the same."""
    key = read_head_key(directory)
    if key is None or key.kek_version == version:
        return
    private = aead.unwrap_key(bytes(old_kek), key.blob, key_id=key.key_id, purpose=Purpose.SIGNING)
    blob = aead.wrap_key(bytes(new_kek), private, key_id=key.key_id, purpose=Purpose.SIGNING)
    write_head_key(directory, HeadKey(version, key.key_id, blob, key.public))


def read_last_head(directory: Path) -> LastHead | None:
    payload = _read(directory / LAST_HEAD_FILE)
    if payload is None:
        return None
    try:
        return LastHead(
            tree_size=int(payload["tree_size"]),
            root_hash=base64.b64decode(payload["root_hash"], validate=True),
        )
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise KeydNotInitialised(f"{directory / LAST_HEAD_FILE} is not a tree head.") from None


def _read(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        payload = parse_json(decode_text(read_input_bytes(path, limit=FILE_LIMIT)))
    except InputRefused:
        raise KeydNotInitialised(f"{path} cannot be read.") from None
    if not isinstance(payload, dict):
        raise KeydNotInitialised(f"{path} is not keyd's.")
    return dict(payload)


class HeadSigner:
    """Signs tree heads, each extending the last one signed; one at a time."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._lock = threading.Lock()

    def public_key(self) -> bytes:
        return self._key().public

    def _key(self) -> HeadKey:
        key = read_head_key(self._directory)
        if key is None:
            raise KeydNotInitialised(
                "keyd has no audit head key: `corridor keys init` makes one with the KEK."
            )
        return key

    def sign(
        self,
        kek_of: Callable[[int], bytearray],
        *,
        tree_size: int,
        root_hash: bytes,
        timestamp: int,
        proof: Sequence[bytes],
    ) -> tuple[str, bytes]:
        """(key id, signature) over the head, or UnwrapRefused(reason="not_extending")."""
        if len(root_hash) != HASH_SIZE:
            raise InputRejected("A tree head's root is 32 bytes.")
        with self._lock:
            last = read_last_head(self._directory)
            if last is not None:
                _check_extends(last, tree_size=tree_size, root_hash=root_hash, proof=proof)
            key = self._key()
            private = aead.unwrap_key(
                bytes(kek_of(key.kek_version)),
                key.blob,
                key_id=key.key_id,
                purpose=Purpose.SIGNING,
            )
            message = tree_head_signature_input(
                timestamp=timestamp, tree_size=tree_size, root_hash=root_hash
            )
            signature = Ed25519PrivateKey.from_private_bytes(private).sign(message)
            payload = {
                "tree_size": tree_size,
                "root_hash": base64.b64encode(root_hash).decode("ascii"),
            }
            write_private_file(
                self._directory / LAST_HEAD_FILE, json.dumps(payload).encode("ascii")
            )
        return key.fingerprint, signature

    def sign_manifest(
        self, kek_of: Callable[[int], bytearray], message: bytes
    ) -> tuple[str, bytes]:
        """(key id, signature) over a backup manifest; nothing else (domains.py)."""
        if not message.startswith(MANIFEST_PREFIX):
            raise UnwrapRefused(
                "keyd signs tree heads and backup manifests only, never other bytes.",
                reason="not_a_manifest",
            )
        key = self._key()
        private = aead.unwrap_key(
            bytes(kek_of(key.kek_version)), key.blob, key_id=key.key_id, purpose=Purpose.SIGNING
        )
        return key.fingerprint, Ed25519PrivateKey.from_private_bytes(private).sign(message)


def _check_extends(
    last: LastHead, *, tree_size: int, root_hash: bytes, proof: Sequence[bytes]
) -> None:
    if last.tree_size == 0:
        return  # nothing was signed over: any tree extends the empty one
    try:
        verify_consistency(
            size1=last.tree_size,
            size2=tree_size,
            root1=last.root_hash,
            root2=root_hash,
            proof=proof,
        )
    except ProofInvalid:
        raise UnwrapRefused(
            f"keyd signs only a tree head that extends the last one it signed "
            f"(size {last.tree_size}).",
            reason="not_extending",
        ) from None
