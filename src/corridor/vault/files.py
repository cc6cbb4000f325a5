"""Encrypted files in `$CORRIDOR_DATA_DIR/files/`, streamed in chunks, never plaintext on disk.

    sealed = seal_file(upload, key=key)          # upload: a file object or chunks of bytes
    document.storage_name = sealed.name          # a random name, never the user's
    for chunk in open_file(document.storage_name, key=key):
        response.write(chunk)                    # raises at the end if the file was cut
    delete_file(document.storage_name)

The ciphertext goes to a hidden temporary name in the same directory (ciphertext
only, mode 0600), is synced, then renamed into place: a failed or interrupted
write leaves nothing behind under the final name. `EncryptedFileStorage` is a
Django storage for FileField: it opens ciphertext, deletes and lists, and refuses
`save()` of plaintext (use `seal_file`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from corridor.vault.datakey import DataKey
from corridor.vault.errors import InputRejected, KeyNotFound
from corridor.vault.streams import (
    Readable,
    decrypt_chunks,
    encrypt_stream,
    file_associated_data,
    read_stream_header,
)

FILES_DIR = "files"
_NAME = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class SealedFile:
    """A stored encrypted file: its storage name and plaintext size (for the caller's row)."""

    name: str
    size: int


@deconstructible
class EncryptedFileStorage(Storage):
    """Encrypted files under the data dir (or `location`), named by random ids."""

    def __init__(self, location: Path | str | None = None) -> None:
        self._location = None if location is None else Path(location)

    @property
    def location(self) -> Path:
        # Read at call time, so the data dir can differ per process (and per test).
        return self._location or Path(settings.CORRIDOR_DATA_DIR) / FILES_DIR

    # ------------------------------------------------------------ the vault's API
    def seal(self, source: Readable | Iterable[bytes], *, key: DataKey) -> SealedFile:
        """Encrypt `source` chunk by chunk under `key` into a new file."""
        name = uuid.uuid4().hex
        self.location.mkdir(parents=True, exist_ok=True, mode=0o700)
        final = self.location / name
        partial = self.location / f".{name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as sink:
                size = encrypt_stream(
                    source,
                    sink,
                    dek_id=key.key_id,
                    key=key.file_key(),
                    associated_data=file_associated_data(name, key.key_id),
                )
                sink.flush()
                os.fdatasync(sink.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        _sync_directory(self.location)
        return SealedFile(name=name, size=size)

    def open_plaintext(self, name: str, *, key: DataKey) -> Iterator[bytes]:
        """The file's plaintext in chunks; header errors raise here, chunk errors while reading."""
        handle = self._open_ciphertext(name)
        try:
            header = read_stream_header(handle, dek_id=key.key_id)
        except BaseException:
            handle.close()
            raise
        return _closing(
            handle,
            decrypt_chunks(
                handle,
                header,
                key=key.file_key(),
                associated_data=file_associated_data(name, key.key_id),
            ),
        )

    # ------------------------------------------------------------ Django's Storage API
    def path(self, name: str) -> str:
        return str(self.location / _checked_name(name))

    def _open(self, name: str, mode: str = "rb") -> File[Any]:
        if mode != "rb":
            raise InputRejected("Encrypted files are opened read-only, as ciphertext.")
        return File(self._open_ciphertext(name), name=name)

    def save(self, name: str | None, content: IO[Any], max_length: int | None = None) -> str:
        raise InputRejected("Files are stored through vault.seal_file, which encrypts them.")

    def delete(self, name: str) -> None:
        Path(self.path(name)).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return Path(self.path(name)).exists()

    def size(self, name: str) -> int:
        """The ciphertext's size on disk."""
        return Path(self.path(name)).stat().st_size

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        if not self.location.is_dir():
            return [], []
        return [], sorted(p.name for p in self.location.iterdir() if _NAME.fullmatch(p.name))

    def url(self, name: str | None) -> str:
        raise InputRejected(
            "Encrypted files have no URL; serve them through a view that opens them."
        )

    def _open_ciphertext(self, name: str) -> IO[bytes]:
        try:
            return open(self.path(name), "rb")
        except FileNotFoundError:
            raise KeyNotFound(f"No encrypted file {name}.") from None


def _checked_name(name: str) -> str:
    # Defends against path traversal: only names this storage generated are accepted.
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputRejected("Not the name of an encrypted file.")
    return name


def _closing(handle: IO[bytes], chunks: Iterator[bytes]) -> Iterator[bytes]:
    with handle:
        yield from chunks


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


default_storage = EncryptedFileStorage()


def seal_file(source: Readable | Iterable[bytes], *, key: DataKey) -> SealedFile:
    """Encrypt `source` under `key` into the data dir; see the module docstring."""
    return default_storage.seal(source, key=key)


def open_file(name: str, *, key: DataKey) -> Iterator[bytes]:
    """The plaintext chunks of the file `name`; only access_* functions call this."""
    return default_storage.open_plaintext(name, key=key)


def delete_file(name: str) -> None:
    """Remove an encrypted file (the caller has its row's decision recorded)."""
    default_storage.delete(name)
