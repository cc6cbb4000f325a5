"""Encrypted files: streamed in chunks, never plaintext on disk, refused when cut or moved."""

from __future__ import annotations

import io
import os
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.bindings import (
    crypto_secretstream_xchacha20poly1305_init_push,
    crypto_secretstream_xchacha20poly1305_push,
    crypto_secretstream_xchacha20poly1305_state,
)
from nacl.bindings import crypto_secretstream_xchacha20poly1305_TAG_MESSAGE as TAG_MESSAGE

from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    KeyMismatch,
    KeyNotFound,
    StreamTruncated,
    UnsupportedVersion,
)
from corridor.vault.files import EncryptedFileStorage, delete_file, open_file, seal_file
from corridor.vault.keys import create_data_key
from corridor.vault.streams import ABYTES, CHUNK_BYTES, HEADER_BYTES, file_associated_data
from tests.canaries import find_canary
from tests.vault.conftest import KEYSTORE_DB

pytestmark = KEYSTORE_DB
FULL_BLOCK = CHUNK_BYTES + ABYTES


@pytest.fixture
def files_dir(vault_keys, settings):
    return settings.CORRIDOR_DATA_DIR / "files"


def read_all(name, key) -> bytes:
    return b"".join(open_file(name, key=key))


def ciphertext(files_dir, name) -> bytes:
    return (files_dir / name).read_bytes()


def three_chunk_file(files_dir, size=2 * CHUNK_BYTES + 10):
    """A sealed file of two full chunks and a short last one: its key, name and path."""
    key = create_data_key()
    sealed = seal_file(io.BytesIO(os.urandom(size)), key=key)
    return key, sealed.name, files_dir / sealed.name


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 5]
)
def test_files_of_every_size_round_trip(files_dir, size):
    """Empty, sub-chunk, exact-chunk and multi-chunk files come back byte for byte."""
    key = create_data_key()
    data = os.urandom(size)
    sealed = seal_file(io.BytesIO(data), key=key)
    assert sealed.size == size
    assert read_all(sealed.name, key) == data
    assert (files_dir / sealed.name).stat().st_mode & 0o777 == 0o600


def test_chunks_of_any_shape_are_accepted(files_dir):
    """An iterable of odd-sized pieces (an upload's chunks()) seals like a file object."""
    key = create_data_key()
    pieces = [os.urandom(n) for n in (1, 70_000, 3, 0, 130_000)]
    sealed = seal_file(iter(pieces), key=key)
    assert read_all(sealed.name, key) == b"".join(pieces)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3 * CHUNK_BYTES))
def test_any_bytes_round_trip(files_dir, data):
    key = create_data_key()
    assert read_all(seal_file(io.BytesIO(data), key=key).name, key) == data


def test_a_file_canary_reaches_no_file_in_the_data_dir(files_dir, settings, canary):
    """The plaintext of a sealed file is nowhere under the data dir, in any encoding."""
    key = create_data_key()
    sealed = seal_file(iter([f"testimony {canary} ".encode() * 5000]), key=key)
    assert canary.encode() in read_all(sealed.name, key)
    assert find_canary(settings.CORRIDOR_DATA_DIR, canary) == []


def test_no_plaintext_temporary_file_exists_while_sealing(files_dir, settings, canary):
    """Midway through a large upload, only a ciphertext partial file exists, and no canary."""
    key = create_data_key()
    seen = []

    def upload():
        for _ in range(40):
            yield f"{canary} ".encode() * 2000
            seen.append(find_canary(settings.CORRIDOR_DATA_DIR, canary))
        seen.append(sorted(p.name for p in files_dir.iterdir()))

    sealed = seal_file(upload(), key=key)
    assert all(hits == [] for hits in seen[:-1])
    assert seen[-1] == [f".{sealed.name}.partial"]


def test_a_large_file_is_never_whole_in_memory(files_dir):
    """Sealing and opening 8 MiB from a generator peaks far below the file's size."""
    key = create_data_key()
    size = 8 * 1024 * 1024

    def upload():
        for _ in range(size // CHUNK_BYTES):
            yield b"\x5a" * CHUNK_BYTES

    tracemalloc.start()
    try:
        sealed = seal_file(upload(), key=key)
        total = sum(len(chunk) for chunk in open_file(sealed.name, key=key))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size
    assert peak < 1024 * 1024


def test_a_failed_upload_leaves_nothing_behind(files_dir):
    """If the source breaks midway, neither a partial nor a final file remains."""
    key = create_data_key()

    def broken():
        yield b"x" * (CHUNK_BYTES * 2)
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        seal_file(broken(), key=key)
    assert list(files_dir.iterdir()) == []


@pytest.mark.parametrize(
    "cut",
    [
        lambda data: data[: HEADER_BYTES - 1],
        lambda data: data[:HEADER_BYTES],
        lambda data: data[: HEADER_BYTES + FULL_BLOCK],
        lambda data: data[: HEADER_BYTES + FULL_BLOCK + 100],
        lambda data: data[:-1],
    ],
)
def test_a_truncated_file_is_refused(files_dir, cut):
    """A file cut anywhere (header, chunk boundary, mid-chunk, last byte) never reads as whole."""
    key, name, path = three_chunk_file(files_dir)
    path.write_bytes(cut(path.read_bytes()))
    with pytest.raises(DecryptionFailed):
        read_all(name, key)


def test_truncation_at_a_chunk_boundary_is_named(files_dir):
    key, name, path = three_chunk_file(files_dir)
    path.write_bytes(path.read_bytes()[: HEADER_BYTES + FULL_BLOCK])
    with pytest.raises(StreamTruncated):
        read_all(name, key)


def test_reordered_chunks_are_refused(files_dir):
    key, name, path = three_chunk_file(files_dir)
    data = path.read_bytes()
    first = data[HEADER_BYTES : HEADER_BYTES + FULL_BLOCK]
    second = data[HEADER_BYTES + FULL_BLOCK : HEADER_BYTES + 2 * FULL_BLOCK]
    path.write_bytes(data[:HEADER_BYTES] + second + first + data[HEADER_BYTES + 2 * FULL_BLOCK :])
    with pytest.raises(DecryptionFailed):
        read_all(name, key)


def test_data_after_the_final_chunk_is_refused(files_dir):
    """A file whose last chunk is full-size still ends there: appended bytes are refused."""
    key, name, path = three_chunk_file(files_dir, size=2 * CHUNK_BYTES)
    path.write_bytes(path.read_bytes() + b"extra")
    with pytest.raises(DecryptionFailed, match="after its final chunk"):
        read_all(name, key)


def test_a_file_moved_to_another_name_or_key_is_refused(files_dir):
    """The storage name and the key are bound into every chunk."""
    key, other = create_data_key(), create_data_key()
    first = seal_file(io.BytesIO(b"first"), key=key)
    second = seal_file(io.BytesIO(b"second"), key=key)
    (files_dir / second.name).write_bytes(ciphertext(files_dir, first.name))
    with pytest.raises(DecryptionFailed):
        read_all(second.name, key)
    with pytest.raises(KeyMismatch):
        open_file(first.name, key=other)


def test_an_unknown_version_or_a_short_final_chunk_is_refused(files_dir):
    key = create_data_key()
    sealed = seal_file(io.BytesIO(b"abc"), key=key)
    path = files_dir / sealed.name
    data = path.read_bytes()
    path.write_bytes(b"\x07" + data[1:])
    with pytest.raises(UnsupportedVersion):
        open_file(sealed.name, key=key)


def test_a_stream_that_stops_without_a_final_chunk_is_refused(files_dir):
    """A short chunk not marked final (a writer that stopped midway) is not a whole file."""
    key = create_data_key()
    sealed = seal_file(io.BytesIO(b"placeholder"), key=key)
    state = crypto_secretstream_xchacha20poly1305_state()
    header = crypto_secretstream_xchacha20poly1305_init_push(state, key.file_key())
    ad = file_associated_data(sealed.name, key.key_id)
    chunk = crypto_secretstream_xchacha20poly1305_push(state, b"short", ad, TAG_MESSAGE)
    (files_dir / sealed.name).write_bytes(b"\x01" + key.key_id.bytes + header + chunk)
    with pytest.raises(DecryptionFailed, match="chunk format"):
        read_all(sealed.name, key)


def test_the_storage_refuses_plaintext_writes_urls_and_foreign_names(files_dir):
    """Django's storage API cannot write plaintext, serve a URL or reach outside the folder."""
    storage = EncryptedFileStorage()
    with pytest.raises(InputRejected, match="seal_file"):
        storage.save("upload.txt", io.BytesIO(b"plaintext"))
    with pytest.raises(InputRejected, match="no URL"):
        storage.url("0" * 32)
    for name in ("../kek.demo", "0" * 31, "A" * 32, 7):
        with pytest.raises(InputRejected):
            storage.path(name)
    with pytest.raises(KeyNotFound):
        storage.open("0" * 32)
    assert storage.listdir("") == ([], [])


def test_the_storage_lists_opens_sizes_and_deletes_ciphertext(files_dir, canary):
    key = create_data_key()
    sealed = seal_file(io.BytesIO(canary.encode()), key=key)
    storage = EncryptedFileStorage()
    (files_dir / "stray.txt").write_bytes(b"")
    assert storage.listdir("") == ([], [sealed.name])
    assert storage.exists(sealed.name)
    assert storage.size(sealed.name) == HEADER_BYTES + len(canary) + ABYTES
    with storage.open(sealed.name) as handle:
        assert canary.encode() not in handle.read()
    with pytest.raises(InputRejected):
        storage.open(sealed.name, "wb")
    delete_file(sealed.name)
    assert not storage.exists(sealed.name)
    with pytest.raises(KeyNotFound):
        open_file(sealed.name, key=key)


def test_the_storage_can_be_named_in_a_migration(tmp_path):
    path, args, kwargs = EncryptedFileStorage(tmp_path).deconstruct()
    assert path == "corridor.vault.files.EncryptedFileStorage"
    assert EncryptedFileStorage(*args, **kwargs).location == tmp_path


@pytest.mark.parametrize("source", [iter(["text"]), io.StringIO("text")])
def test_a_text_source_is_refused(files_dir, source):
    key = create_data_key()
    with pytest.raises(InputRejected, match="bytes"):
        seal_file(source, key=key)
    assert [p for p in files_dir.iterdir() if not p.name.startswith(".")] == []
