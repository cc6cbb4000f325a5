"""The encrypted file format: libsodium secretstream (XChaCha20-Poly1305) in 64 KiB chunks.

    header = version (1) | DEK id (16) | secretstream header (24)
    then chunks of 64 KiB plaintext + 17 bytes; the last one, shorter or empty,
    carries TAG_FINAL

Every chunk is authenticated with the file's associated data (label, storage name,
DEK id) and its position in the stream, so chunks cannot be reordered, dropped or
spliced from another file, and a stream that ends without its final chunk is
StreamTruncated. Only one chunk of plaintext is ever in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Protocol, runtime_checkable

from argon2.low_level import Type, hash_secret_raw
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_ABYTES as ABYTES,
)
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_HEADERBYTES as STREAM_HEADER_BYTES,
)
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_init_pull,
    crypto_secretstream_xchacha20poly1305_init_push,
    crypto_secretstream_xchacha20poly1305_pull,
    crypto_secretstream_xchacha20poly1305_push,
    crypto_secretstream_xchacha20poly1305_state,
)
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_TAG_FINAL as TAG_FINAL,
)
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE as TAG_MESSAGE,
)
from nacl.exceptions import CryptoError

from corridor.vault.aead import KEY_BYTES, length_prefixed
from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    KeyMismatch,
    StreamTruncated,
    UnsupportedVersion,
)

STREAM_VERSION = 1
CHUNK_BYTES = 64 * 1024
FILE_LABEL = "corridor-file-v1"
HEADER_BYTES = 1 + 16 + STREAM_HEADER_BYTES


@runtime_checkable
class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def file_associated_data(name: str, dek_id: uuid.UUID) -> bytes:
    return length_prefixed(FILE_LABEL, name, dek_id.bytes)


def passphrase_stream_key(passphrase: str, *, salt: bytes, cost: Mapping[str, int]) -> bytes:
    """A stream key from a passphrase a person carries (an export file's): Argon2id with a
    random salt kept beside the stream, at the cost the codename derivation uses
    (vault/requester.DEFAULT_COST, docs/decisions/0011-codename-derivation.md)."""
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=int(cost["time_cost"]),
        memory_cost=int(cost["memory_cost"]),
        parallelism=int(cost["parallelism"]),
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def encrypt_stream(
    source: Readable | Iterable[bytes],
    sink: IO[bytes],
    *,
    dek_id: uuid.UUID,
    key: bytes,
    associated_data: bytes,
) -> int:
    """Write the encrypted form of `source` to `sink`; return the plaintext length.

    Who can decrypt: whoever holds the DEK `dek_id` (the file key is derived from it).
    """
    state = crypto_secretstream_xchacha20poly1305_state()
    header = crypto_secretstream_xchacha20poly1305_init_push(state, key)
    sink.write(bytes((STREAM_VERSION,)) + dek_id.bytes + header)
    total = 0
    pending: bytes | None = None
    # One chunk of look-ahead: the last chunk must carry TAG_FINAL.
    for chunk in _chunks(source):
        if pending is not None:
            sink.write(
                crypto_secretstream_xchacha20poly1305_push(
                    state, pending, associated_data, TAG_MESSAGE
                )
            )
        pending = chunk
        total += len(chunk)
    sink.write(
        crypto_secretstream_xchacha20poly1305_push(
            state, pending or b"", associated_data, TAG_FINAL
        )
    )
    return total


def read_stream_header(source: Readable, *, dek_id: uuid.UUID) -> bytes:
    """Check the version and DEK id at the start of a stream; return the secretstream header."""
    header = _read_exactly(source, HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        raise StreamTruncated("The encrypted file ends inside its header.")
    if header[0] != STREAM_VERSION:
        raise UnsupportedVersion(f"Encrypted file format {header[0]} is not supported.")
    if uuid.UUID(bytes=header[1:17]) != dek_id:
        raise KeyMismatch("The file is sealed under another data key.")
    return header[17:]


def decrypt_chunks(
    source: Readable, stream_header: bytes, *, key: bytes, associated_data: bytes
) -> Iterator[bytes]:
    """Yield authenticated plaintext chunks; raise at the point where the stream goes wrong.

    A consumer sees every chunk before the one that fails: it must treat what it got
    as void when the iteration raises (a truncated file raises after the last chunk).
    """
    state = crypto_secretstream_xchacha20poly1305_state()
    crypto_secretstream_xchacha20poly1305_init_pull(state, stream_header, key)
    while True:
        block = _read_exactly(source, CHUNK_BYTES + ABYTES)
        if not block:
            raise StreamTruncated("The encrypted file ends before its final chunk.")
        try:
            message, tag = crypto_secretstream_xchacha20poly1305_pull(state, block, associated_data)
        except CryptoError:
            raise DecryptionFailed("A chunk of the encrypted file does not authenticate.") from None
        if tag == TAG_FINAL:
            if source.read(1):
                raise DecryptionFailed("The encrypted file has data after its final chunk.")
            if message:
                yield message
            return
        if tag != TAG_MESSAGE or len(block) != CHUNK_BYTES + ABYTES:
            raise DecryptionFailed("The encrypted file is not in Corridor's chunk format.")
        yield message


def _chunks(source: Readable | Iterable[bytes]) -> Iterator[bytes]:
    """Exactly CHUNK_BYTES at a time (the last one shorter), never an empty chunk."""
    if isinstance(source, Readable):
        while chunk := _read_exactly(source, CHUNK_BYTES):
            yield chunk
        return
    buffer = bytearray()
    for piece in source:
        if not isinstance(piece, bytes | bytearray | memoryview):
            raise InputRejected("A file to seal is read as bytes.")
        buffer += piece
        while len(buffer) >= CHUNK_BYTES:
            yield bytes(buffer[:CHUNK_BYTES])
            del buffer[:CHUNK_BYTES]
    if buffer:
        yield bytes(buffer)


def _read_exactly(source: Readable, size: int) -> bytes:
    """Read `size` bytes unless the source ends first (sockets and pipes return short reads)."""
    parts: list[bytes] = []
    missing = size
    while missing:
        part = source.read(missing)
        if not part:
            break
        if not isinstance(part, bytes):
            raise InputRejected("A file to seal is read as bytes.")
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)
