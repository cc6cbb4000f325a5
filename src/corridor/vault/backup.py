"""Backups that keep data and keys apart, and restores into an empty data dir.

    result = back_up(Path("/srv/backups/corridor"))
    # corridor-data-<stamp>.sqlite3|.pgdump, corridor-files-<stamp>.tar,
    # corridor-keys-<stamp>.sqlite3|.pgdump, corridor-manifest-<stamp>.json (signed);
    # key backups past the retention pruned
    restore(Path("/srv/backups/corridor"), kek_file=Path("/safe/kek.demo"))

The data (database, then encrypted files) is written first and the key store
second, as separate files, so they can be kept for different times: key-store
backups for at most `KEY_BACKUP_RETENTION` (7 days), because an erased case's key
survives in them until they age out. The KEK is never in a backup; with the file
provider, restore takes it from `--kek-file` and checks it against the key store; with
keyd, the trustees unseal keyd first and restore checks keyd's KEK against it.
A backup or restore that fails part-way removes what it wrote.

Every set ends with a signed manifest (manifest.py): restore checks each file's size
and SHA-256 before writing anything, refuses a key store of another set than the data
unless told (`allow_older_keys`), checks the signature once the KEK is known, and
runs the caller's `check` on the restored installation before keeping it.
"""

from __future__ import annotations

import hmac
import os
import re
import shutil
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from corridor.core import clock
from corridor.core.exceptions import KeyFailure
from corridor.core.inputs import InputRefused, read_input_bytes
from corridor.vault import dumps, manifest
from corridor.vault.aead import kek_check_value
from corridor.vault.datakey import DataKey
from corridor.vault.errors import (
    BackupFailed,
    KekMismatch,
    KeyProviderUnavailable,
    RestoreRefused,
    VaultError,
    VaultSealed,
)
from corridor.vault.fields import DataKeyField, Sealed
from corridor.vault.files import FILES_DIR
from corridor.vault.keyd.client import KeydKeyProvider
from corridor.vault.keystore import active_kek_versions, keystore_errors
from corridor.vault.models import DestroyedKey, WrappedKey
from corridor.vault.opening import open_field
from corridor.vault.providers.file import KEK_FILE, parse_kek_file
from corridor.vault.routers import KEYSTORE

KEY_BACKUP_RETENTION = timedelta(days=7)
# A KEK file holds a few base64 keys: a few hundred bytes per KEK version.
KEK_FILE_LIMIT = 64 * 1024
DATA_PREFIX = "corridor-data-"
FILES_PREFIX = "corridor-files-"
KEYS_PREFIX = "corridor-keys-"
_STAMP = "%Y%m%dT%H%M%S%fZ"
_BACKUP_NAME = re.compile(
    r"corridor-(?P<kind>data|files|keys|manifest)-(?P<stamp>\d{8}T\d{12}Z)"
    r"\.(?:sqlite3|pgdump|tar|json)"
)
_FILE_NAME = re.compile(r"[0-9a-f]{32}")
KEYD_HOLDS_THE_KEK = (
    "--kek-file is for the file provider. With keyd no file holds the KEK: restore keyd's "
    "folder (kek-check.json) from the trustees' material, start keyd, have the trustees "
    "unseal it with `corridor unseal`, then run `corridor restore SRC` without --kek-file."
)
KEYD_SEALED = (
    "keyd is sealed: the trustees unseal it first (`corridor unseal`), so that the restore "
    "can check that keyd holds this key store's KEK."
)


@dataclass(frozen=True)
class BackupResult:
    """The files one backup wrote (data first), and the old key backups it pruned."""

    data: Path
    files: Path
    keystore: Path
    manifest: Path
    pruned: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    """Which backup files a restore used, and how many encrypted files it put back."""

    data: Path
    files: Path
    keystore: Path
    file_count: int
    # Records whose data key the restored key store lacks (a key store of another set).
    unreadable: int = 0


def back_up(
    destination: Path,
    *,
    keep_key_backups: timedelta = KEY_BACKUP_RETENTION,
    now: datetime | None = None,
) -> BackupResult:
    """Write the data, the encrypted files and the key store (in that order) to `destination`."""
    if any(connections[alias].in_atomic_block for alias in ("default", KEYSTORE)):
        # A backup copies committed data only; on SQLite it would even wait forever for
        # the lock the caller's own transaction holds.
        raise BackupFailed("A backup cannot run inside a database transaction.")
    moment = (now or clock.now()).astimezone(UTC)
    stamp = moment.strftime(_STAMP)
    data_dumper, keys_dumper = dumps.dumper_for("default"), dumps.dumper_for(KEYSTORE)
    try:
        destination.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise BackupFailed(f"Cannot create {destination}: {error.strerror}.") from None
    targets = [
        destination / f"{DATA_PREFIX}{stamp}{data_dumper.suffix}",
        destination / f"{FILES_PREFIX}{stamp}.tar",
        destination / f"{KEYS_PREFIX}{stamp}{keys_dumper.suffix}",
    ]
    writers: list[Callable[[Path], None]] = [data_dumper.dump, _archive_files, keys_dumper.dump]
    listed = destination / manifest.manifest_name(stamp)
    written: list[Path] = []
    try:
        for target, write in zip(targets, writers, strict=True):
            _write_atomically(target, write)
            written.append(target)
        # Last, over the files as written: a set without its manifest is not a backup.
        _write_atomically(
            listed,
            lambda path: manifest.write_manifest(
                path,
                stamp=stamp,
                created=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                files=dict(zip(manifest.KINDS, targets, strict=True)),
            ),
        )
        written.append(listed)
    except (OSError, VaultError, KeyFailure) as error:
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise BackupFailed(f"The backup could not be written: {error.strerror}.") from None
        raise
    pruned = _prune_key_backups(destination, older_than=keep_key_backups, now=now)
    return BackupResult(
        data=targets[0], files=targets[1], keystore=targets[2], manifest=listed, pruned=pruned
    )


def restore(
    source: Path,
    *,
    kek_file: Path | None,
    allow_older_keys: bool = False,
    check: Callable[[], None] | None = None,
) -> RestoreResult:
    """Restore the newest data backup in `source`, with the key store of its own set, into
    this installation, whose databases, files and KEK file must all be empty or absent.

    With `allow_older_keys`, a key store of another set (the newest one in `source`) is
    taken when the data's own is missing. `check` runs last, on the restored installation;
    whatever it raises undoes the restore like any other failure.
    """
    chosen = _choose_backups(source, allow_older_keys=allow_older_keys)
    data, files, keys = chosen.data, chosen.files, chosen.keys
    data_dumper, keys_dumper = dumps.dumper_for("default"), dumps.dumper_for(KEYSTORE)
    kek = _check_target(data_dumper, keys_dumper, kek_file)
    # Before anything is written: a flipped byte anywhere is refused here.
    manifest.check_files(chosen.data_manifest, {"data": data, "files": files})
    manifest.check_files(chosen.keys_manifest, {"keys": keys})
    _check_migrations_known(chosen.data_manifest)
    if not keys_dumper.contains_table(keys, dumps.KEYSTORE_TABLE):
        raise RestoreRefused(f"{keys.name} is not a key-store backup.")
    if not data_dumper.contains_table(data, dumps.DATA_TABLE) or data_dumper.contains_table(
        data, dumps.KEYSTORE_TABLE
    ):
        raise RestoreRefused(f"{data.name} is not a data backup.")
    try:
        keys_dumper.restore(keys)
        if kek is not None:
            _check_kek(kek.keys)
            # The signature check below signs through the provider, which reads this file.
            _write_kek_file(kek.raw)
        else:
            _check_keyd_kek()
        manifest.check_signature(chosen.keys_manifest)
        if chosen.data_manifest is not chosen.keys_manifest:
            manifest.check_signed_by_known_key(chosen.data_manifest)
        data_dumper.restore(data)
        file_count = _extract_files(files)
        unreadable = count_records_without_key()
        if check is not None:
            check()
    except BaseException:
        # Nothing was there before: put the installation back to empty.
        for dumper in (keys_dumper, data_dumper):
            dumper.clear()
        shutil.rmtree(_files_dir(), ignore_errors=True)
        _kek_path().unlink(missing_ok=True)
        raise
    return RestoreResult(
        data=data, files=files, keystore=keys, file_count=file_count, unreadable=unreadable
    )


def count_records_without_key() -> int:
    """Rows of the restored data whose data key the restored key store does not hold.

    Keys the store records as destroyed are not counted: those rows were erased on purpose.
    """
    missing = 0
    with keystore_errors():
        held = set(WrappedKey.objects.values_list("id", flat=True))
        held |= set(DestroyedKey.objects.values_list("id", flat=True))
    for model in apps.get_models():
        for column in model._meta.concrete_fields:
            if isinstance(column, DataKeyField):
                named = model._default_manager.exclude(**{f"{column.attname}__isnull": True})
                for key_id in named.values_list(column.attname, flat=True).iterator():
                    missing += key_id not in held
    return missing


# ---------------------------------------------------------------- backing up
def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        write(partial)
        os.chmod(partial, 0o600)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _archive_files(target: Path) -> None:
    """A plain tar of the encrypted files: ciphertext only, under their random names."""
    with tarfile.open(target, "w") as archive:
        folder = _files_dir()
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if _FILE_NAME.fullmatch(path.name) and path.is_file():
                    archive.add(path, arcname=path.name, recursive=False)


def _prune_key_backups(
    destination: Path, *, older_than: timedelta, now: datetime | None
) -> list[Path]:
    """Delete key-store backups older than the retention bound; data backups are left alone."""
    limit = (now or clock.now()) - older_than
    pruned = []
    for path in sorted(destination.iterdir()):
        match = _BACKUP_NAME.fullmatch(path.name)
        if match and match["kind"] == "keys" and _stamp_time(match["stamp"]) < limit:
            path.unlink()
            pruned.append(path)
    return pruned


def _stamp_time(stamp: str) -> datetime:
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)


# ---------------------------------------------------------------- restoring
@dataclass(frozen=True)
class _Chosen:
    data: Path
    files: Path
    keys: Path
    data_manifest: manifest.Manifest
    keys_manifest: manifest.Manifest


def _choose_backups(source: Path, *, allow_older_keys: bool) -> _Chosen:
    """The newest data backup with its files archive and manifest, and the key store of
    the same set (or, when allowed, the newest key store of another set)."""
    if not source.is_dir():
        raise RestoreRefused(f"{source} is not a folder of Corridor backups.")
    found: dict[str, dict[str, Path]] = {"data": {}, "keys": {}, "manifest": {}, "files": {}}
    for path in source.iterdir():
        match = _BACKUP_NAME.fullmatch(path.name)
        if match:
            found[match["kind"]][match["stamp"]] = path
    if not (found["data"] and found["keys"]):
        raise RestoreRefused(f"{source} holds no complete pair of data and key-store backups.")
    stamp = max(found["data"])
    data = found["data"][stamp]
    files = source / f"{FILES_PREFIX}{stamp}.tar"
    if not files.is_file():
        raise RestoreRefused(f"{files.name} (the files of {data.name}) is missing.")
    data_manifest = _manifest_of(source, stamp, data)
    keys = found["keys"].get(data_manifest.generations["keys"])
    if keys is not None and keys.name == data_manifest.files["keys"].name:
        return _Chosen(data, files, keys, data_manifest, data_manifest)
    other = max(found["keys"])
    keys = found["keys"][other]
    if not allow_older_keys:
        raise RestoreRefused(
            f"{keys.name} is from another backup set than {data.name}: records made between "
            "the two would be unreadable. Put the key-store backup of the same set beside it, "
            "or accept the loss with --allow-older-keys."
        )
    keys_manifest = _manifest_of(source, other, keys)
    return _Chosen(data, files, keys, data_manifest, keys_manifest)


def _manifest_of(source: Path, stamp: str, member: Path) -> manifest.Manifest:
    path = source / manifest.manifest_name(stamp)
    if not path.is_file():
        raise RestoreRefused(
            f"{path.name} (the signed manifest of {member.name}) is missing: restore checks "
            "every backup against it."
        )
    return manifest.read_manifest(path)


def _check_migrations_known(listed: manifest.Manifest) -> None:
    """Refuse a backup made by a Corridor with migrations this one does not have."""
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted({name for names in listed.migrations.values() for name in names} - known)
    if unknown:
        raise RestoreRefused(
            f"The backup was made by Corridor {listed.corridor_version} with migrations this "
            f"version does not have ({unknown[0]}, ...): restore with that version or newer."
        )


@dataclass(frozen=True)
class _KekToRestore:
    raw: bytes = field(repr=False)
    keys: dict[int, bytes] = field(repr=False)


def _check_target(
    data_dumper: dumps.Dumper, keys_dumper: dumps.Dumper, kek_file: Path | None
) -> _KekToRestore | None:
    """Refuse unless the installation is empty; read the KEK file the provider needs."""
    folder = _files_dir()
    if not (data_dumper.is_empty() and keys_dumper.is_empty()) or (
        folder.is_dir() and any(folder.iterdir())
    ):
        raise RestoreRefused("The data dir already holds data; restore into an empty one.")
    if settings.CORRIDOR_KEY_PROVIDER != "file":
        if kek_file is not None:
            raise RestoreRefused(KEYD_HOLDS_THE_KEK)
        # Before anything is written: keyd must answer, unsealed, to check its KEK.
        if KeydKeyProvider().probe():
            raise VaultSealed(KEYD_SEALED)
        return None
    if kek_file is None:
        raise RestoreRefused("A backup never holds the KEK: give it with --kek-file PATH.")
    if _kek_path().exists():
        raise RestoreRefused(f"{_kek_path()} already exists; restore into an empty data dir.")
    try:
        raw = read_input_bytes(kek_file, limit=KEK_FILE_LIMIT)
    except InputRefused as error:
        raise RestoreRefused(error.sentence(f"The key file {kek_file}")) from None
    try:
        keys = parse_kek_file(raw, kek_file)
    except KeyProviderUnavailable as error:
        raise RestoreRefused(str(error)) from None
    return _KekToRestore(raw=raw, keys=keys)


def _check_kek(keks: dict[int, bytes]) -> None:
    """Every KEK version the restored key store still uses must be in the given file."""
    for row in active_kek_versions():
        held = keks.get(row.version)
        if held is None or not hmac.compare_digest(kek_check_value(held), bytes(row.check_value)):
            raise KekMismatch(
                f"The key file does not hold KEK version {row.version} of this key store."
            )


def _check_keyd_kek() -> None:
    """keyd must hold every KEK version the restored key store still uses."""
    provider = KeydKeyProvider()
    for row in active_kek_versions():
        try:
            held = provider.kek_check(row.version)
        except KekMismatch:
            held = b""
        if not hmac.compare_digest(held, bytes(row.check_value)):
            raise KekMismatch(
                f"keyd does not hold KEK version {row.version} of this key store: restore "
                "keyd's folder (kek-check.json) of the same installation and unseal it with "
                "that installation's shares."
            )


def _extract_files(archive_path: Path) -> int:
    folder = _files_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    count = 0
    try:
        with tarfile.open(archive_path, "r") as archive:
            for member in archive.getmembers():
                # Defends against a crafted archive writing outside the files folder.
                if not (member.isfile() and _FILE_NAME.fullmatch(member.name)):
                    raise RestoreRefused(f"{archive_path.name} holds an unexpected entry.")
                archive.extract(member, folder, filter="data")
                os.chmod(folder / member.name, 0o600)
                count += 1
    except tarfile.TarError:
        raise RestoreRefused(f"{archive_path.name} is not a files backup.") from None
    return count


def _write_kek_file(raw: bytes) -> None:
    target = _kek_path()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())


def _files_dir() -> Path:
    return Path(settings.CORRIDOR_DATA_DIR) / FILES_DIR


def _kek_path() -> Path:
    return Path(settings.CORRIDOR_DATA_DIR) / KEK_FILE


def check_opens(sealed: Sealed[Any], *, key: DataKey) -> None:
    """Open one sealed value and drop its plaintext: proves a restored key store still
    opens the data (the restore check). Nobody reads anything, so nothing is recorded."""
    open_field(sealed, key=key)
