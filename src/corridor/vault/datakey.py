"""A usable data key (DEK): its id and the cipher it drives, never printable or picklable.

Get one from `corridor.vault.keys` (`create_data_key`, `data_key`); hand it to
`seal_field` / `open_field` and `seal_file` / `open_file`.
"""

from __future__ import annotations

import uuid
from typing import NoReturn

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from corridor.vault.aead import KEY_BYTES, derive_key, length_prefixed

FILE_KEY_LABEL = "corridor-file-key-v1"


class DataKey:
    """One case's (or request's) data key, unwrapped for the caller that asked for it."""

    __slots__ = ("_cipher", "_material", "key_id")

    def __init__(self, key_id: uuid.UUID, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise ValueError("A data key is 32 bytes.")
        self.key_id = key_id
        self._material = material
        # Built once per key: AESGCM setup is a noticeable share of sealing one field.
        self._cipher = AESGCM(material)

    @property
    def cipher(self) -> AESGCM:
        return self._cipher

    def file_key(self) -> bytes:
        """A subkey for file streams, so one key never serves two algorithms."""
        return derive_key(self._material, info=length_prefixed(FILE_KEY_LABEL))

    def __repr__(self) -> str:
        return f"<DataKey {self.key_id}>"

    def __reduce__(self) -> NoReturn:
        # Defends against a key reaching a cache, a session or a task payload.
        raise TypeError("A data key cannot be pickled or copied.")
