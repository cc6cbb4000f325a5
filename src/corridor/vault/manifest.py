"""The signed manifest of one backup set: what each file must be, and who wrote it.

    corridor-manifest-<stamp>.json = {
      "format": "corridor-backup-manifest-v1", "corridor_version": "0.1.0",
      "created": "2026-12-01T09:30:00Z", "database": "sqlite" | "postgresql",
      "generations": {"data": "<stamp>", "keys": "<stamp>"},
      "files": [{"kind": "data"|"files"|"keys", "name", "size", "sha256"}, ...],
      "migrations": {"default": ["app.0001_name", ...], "keystore": [...]},
      "key_id": "<hex SHA-256 of the signing public key>", "signature": "<base64>"}

The signature is the installation's audit signing key (the one that signs tree heads,
through the key provider) over `SIGNED_PREFIX` and the canonical JSON of every field
but `key_id` and `signature`. The prefix keeps a manifest signature from ever being
taken for a tree-head signature (those cover 50 binary bytes starting 0x00 0x01).

Which public key a restore trusts: not one read from the backup on its own, since
whoever can rewrite a backup can rewrite its public keys too. `check_signature` runs
after the key store is restored and its KEK checked against the KEK the operator
(`--kek-file`) or keyd (unsealed by the trustees) holds apart from every backup: it
has the key provider sign a fresh challenge, which unwraps the signing private key
with that KEK, and accepts the manifest only under the public key that verifies the
challenge. A forged manifest then needs the KEK, as a forged key store does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from corridor import __version__
from corridor.core.inputs import InputRefused, decode_text, parse_json, read_input_bytes
from corridor.vault import signing
from corridor.vault.domains import MANIFEST_PREFIX
from corridor.vault.errors import KeyNotFound, RestoreRefused
from corridor.vault.routers import KEYSTORE

FORMAT = "corridor-backup-manifest-v1"
PREFIX = "corridor-manifest-"
SIGNED_PREFIX = MANIFEST_PREFIX
KINDS = ("data", "files", "keys")
# Names, sizes, digests and a few hundred migration names: far below this.
MANIFEST_LIMIT = 1024 * 1024
_FIELDS = frozenset(
    {
        "format",
        "corridor_version",
        "created",
        "database",
        "generations",
        "files",
        "migrations",
        "key_id",
        "signature",
    }
)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_STAMP = re.compile(r"\d{8}T\d{12}Z")
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ListedFile:
    kind: str
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """A manifest as read from disk; nothing in it is trusted until it is checked."""

    path: Path
    body: dict[str, object]
    key_id: str
    signature: bytes
    files: dict[str, ListedFile]
    generations: dict[str, str]
    migrations: dict[str, list[str]]

    @property
    def corridor_version(self) -> str:
        return str(self.body["corridor_version"])


def manifest_name(stamp: str) -> str:
    return f"{PREFIX}{stamp}.json"


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def applied_migrations(alias: str) -> list[str]:
    """Every migration recorded as applied in database `alias`, as "app.name", sorted."""
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def write_manifest(target: Path, *, stamp: str, created: str, files: Mapping[str, Path]) -> None:
    """Write the signed manifest of the set `files` (kind -> path) to `target`."""
    body: dict[str, object] = {
        "format": FORMAT,
        "corridor_version": __version__,
        "created": created,
        "database": connections["default"].vendor,
        "generations": {"data": stamp, "keys": stamp},
        "files": [
            {
                "kind": kind,
                "name": path.name,
                "size": path.stat().st_size,
                "sha256": file_digest(path),
            }
            for kind, path in files.items()
        ],
        "migrations": {alias: applied_migrations(alias) for alias in ("default", KEYSTORE)},
    }
    signature = signing.sign_manifest(_signed_bytes(body))
    document = {
        **body,
        "key_id": signature.key_id,
        "signature": base64.b64encode(signature.signature).decode("ascii"),
    }
    target.write_bytes(_rendered(document))


def read_manifest(path: Path) -> Manifest:
    """Read and shape-check a manifest; RestoreRefused with a sentence if it is not one."""
    try:
        raw = read_input_bytes(path, limit=MANIFEST_LIMIT)
        value = parse_json(decode_text(raw))
    except InputRefused as error:
        raise RestoreRefused(error.sentence(f"The manifest {path.name}")) from None
    try:
        # Byte for byte as backup wrote it: even a changed space is refused, not ignored.
        if not isinstance(value, dict) or _rendered(value) != raw:
            raise ValueError("not as written")
        return _shape(path, value)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise RestoreRefused(
            f"The manifest {path.name} is not as backup wrote it: it was altered or damaged."
        ) from None


def check_files(manifest: Manifest, chosen: Mapping[str, Path]) -> None:
    """Each chosen file (kind -> path) must have the size and SHA-256 the manifest lists."""
    for kind, path in chosen.items():
        listed = manifest.files[kind]
        if path.name != listed.name:
            raise RestoreRefused(f"{path.name} is not the {kind} file {manifest.path.name} lists.")
        size = path.stat().st_size
        if size != listed.size or not secrets.compare_digest(file_digest(path), listed.sha256):
            raise RestoreRefused(
                f"{path.name} is damaged or altered: its size or SHA-256 differs from "
                f"{manifest.path.name}."
            )


def check_signature(manifest: Manifest) -> None:
    """Accept the manifest only if the installation's signing key, unwrapped with the KEK
    held apart from the backups, signed it (see the module docstring)."""
    challenge = SIGNED_PREFIX + b"restore challenge " + secrets.token_bytes(32)
    proof = signing.sign_manifest(challenge)
    try:
        trusted = signing.public_keys()[proof.key_id]
        Ed25519PublicKey.from_public_bytes(trusted).verify(proof.signature, challenge)
    except (KeyError, InvalidSignature, ValueError):
        raise RestoreRefused(
            "The key store's signing key does not match what the KEK unwraps: the key store "
            "was altered."
        ) from None
    if manifest.key_id != proof.key_id:
        raise RestoreRefused(
            f"{manifest.path.name} is signed by another key than this installation's signing "
            "key: it was altered or comes from another installation."
        )
    try:
        Ed25519PublicKey.from_public_bytes(trusted).verify(
            manifest.signature, _signed_bytes(manifest.body)
        )
    except InvalidSignature:
        raise RestoreRefused(
            f"{manifest.path.name} does not carry a valid signature: it was altered."
        ) from None


def check_signed_by_known_key(manifest: Manifest) -> None:
    """The weaker check for a manifest of a key store not being restored: signed by a key
    that the restored (KEK-checked) key store knows."""
    try:
        valid = signing.verify(
            key_id=manifest.key_id,
            message=_signed_bytes(manifest.body),
            signature=manifest.signature,
        )
    except KeyNotFound:
        valid = False
    if not valid:
        raise RestoreRefused(
            f"{manifest.path.name} is not signed by a key of this installation: it was "
            "altered or comes from another installation."
        )


def _rendered(document: Mapping[str, object]) -> bytes:
    return (json.dumps(document, indent=1, ensure_ascii=True) + "\n").encode("ascii")


def _signed_bytes(body: Mapping[str, object]) -> bytes:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return SIGNED_PREFIX + canonical.encode("ascii")


def _shape(path: Path, value: object) -> Manifest:
    if not isinstance(value, dict) or set(value) != _FIELDS or value["format"] != FORMAT:
        raise ValueError("fields")
    key_id = value["key_id"]
    if not (isinstance(key_id, str) and _HEX64.fullmatch(key_id)):
        raise ValueError("key_id")
    signature = base64.b64decode(str(value["signature"]), validate=True)
    generations = value["generations"]
    if not (
        isinstance(generations, dict)
        and set(generations) == {"data", "keys"}
        and all(isinstance(g, str) and _STAMP.fullmatch(g) for g in generations.values())
    ):
        raise ValueError("generations")
    files: dict[str, ListedFile] = {}
    for entry in value["files"]:
        listed = ListedFile(
            kind=entry["kind"], name=entry["name"], size=entry["size"], sha256=entry["sha256"]
        )
        if (
            listed.kind not in KINDS
            or listed.kind in files
            or not isinstance(listed.name, str)
            or type(listed.size) is not int
            or not (isinstance(listed.sha256, str) and _HEX64.fullmatch(listed.sha256))
        ):
            raise ValueError("files")
        files[listed.kind] = listed
    if set(files) != set(KINDS):
        raise ValueError("files")
    migrations = value["migrations"]
    if not (
        isinstance(migrations, dict)
        and set(migrations) == {"default", KEYSTORE}
        and all(
            isinstance(names, list) and all(isinstance(n, str) for n in names)
            for names in migrations.values()
        )
    ):
        raise ValueError("migrations")
    body = {name: field for name, field in value.items() if name not in ("key_id", "signature")}
    return Manifest(
        path=path,
        body=body,
        key_id=key_id,
        signature=signature,
        files=files,
        generations={str(k): str(v) for k, v in generations.items()},
        migrations={str(k): list(v) for k, v in migrations.items()},
    )


@dataclass(frozen=True)
class SetCheck:
    """One manifest's verdict from `verify_sets`: what is intact, missing or wrong."""

    manifest: str
    problem: str | None
    missing: tuple[str, ...] = ()

    def line(self) -> str:
        if self.problem is not None:
            return f"FAIL {self.manifest}: {self.problem}"
        pruned = f" ({', '.join(self.missing)} not here)" if self.missing else ""
        return f"ok {self.manifest}: sizes, SHA-256 and signature verified{pruned}"


def verify_sets(source: Path) -> list[SetCheck]:
    """Check every manifest in `source` against the files beside it and against the
    signing keys of this (live) installation, which are trusted here because they are
    the installation's own, not the backup's. A file that is absent (a key-store backup
    pruned, or kept on another medium) is reported, not failed."""
    checks = []
    for path in sorted(source.glob(f"{PREFIX}*.json")):
        try:
            listed = read_manifest(path)
            check_signed_by_known_key(listed)
            present = {
                kind: source / entry.name
                for kind, entry in listed.files.items()
                if (source / entry.name).is_file()
            }
            check_files(listed, present)
        except RestoreRefused as error:
            checks.append(SetCheck(path.name, str(error)))
            continue
        missing = tuple(kind for kind in KINDS if kind not in present)
        checks.append(SetCheck(path.name, None, missing))
    return checks
