"""Vault costs against the bare primitives, measured in the same run.

- field seal+open (seal_field, open_field) per 100 B and 10 KiB value, against bare
  AES-256-GCM encrypt+decrypt of the same size; goal: under 20 us more per value;
- file streaming (seal_file to disk, open_file back) per 10 MiB, against bare
  secretstream push+pull in memory; goal: at least 0.7x the primitive's throughput
  (time ratio at most 1.43);
- key wrap and unwrap through the file provider per call, against bare AES-GCM on 32 B.

Uses the test settings (the test-only models in tests/vault/testapp); run from the
checkout: `.venv/bin/python -m bench.bench_vault [--smoke]`.
"""

from __future__ import annotations

import io
import os
import uuid

from bench._harness import Timing, interleaved, measure, parser, report, setup_django


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__ or "").parse_args(argv)
    setup_django()
    from corridor.vault.longlived import initialise_keys

    initialise_keys()
    smoke = options.smoke
    repeat = 50 if smoke else 5000
    for size in (100, 10 * 1024):
        bench_field(size, repeat=repeat)
    bench_file((64 * 1024 + 5) if smoke else 10 * 1024 * 1024, repeat=2 if smoke else 7)
    bench_wrap(repeat=20 if smoke else 2000)


def bench_field(size: int, *, repeat: int) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from tests.vault.testapp.models import Person

    from corridor.vault import seal_field
    from corridor.vault.aead import field_associated_data
    from corridor.vault.keys import create_data_key
    from corridor.vault.opening import open_field

    key = create_data_key()
    person = Person(key_id=key.key_id)
    text = "ж" * (size // 2)  # two bytes each in UTF-8: `size` bytes of plaintext

    def vault_round_trip() -> None:
        seal_field(person, "name", text, key=key)
        open_field(person.name, key=key)

    cipher = AESGCM(os.urandom(32))
    data = text.encode()
    associated = field_associated_data(
        model_label="vault_tests.person", field="name", row_id=person.pk, dek_id=key.key_id
    )

    def bare_round_trip() -> None:
        nonce = os.urandom(12)
        cipher.decrypt(nonce, cipher.encrypt(nonce, data, associated), associated)

    subject = measure(f"seal+open {size} B", vault_round_trip, repeat=repeat)
    baseline = measure(f"AES-GCM {size} B", bare_round_trip, repeat=repeat)
    report(subject, baseline, unit="value", goal="< 20 us over the primitive")
    _print_overhead(subject, baseline)


def bench_file(size: int, *, repeat: int) -> None:
    from nacl import bindings

    from corridor.vault.files import delete_file, open_file, seal_file
    from corridor.vault.keys import create_data_key
    from corridor.vault.streams import CHUNK_BYTES

    key = create_data_key()
    data = os.urandom(size)

    def vault_round_trip() -> None:
        sealed = seal_file(io.BytesIO(data), key=key)
        for _chunk in open_file(sealed.name, key=key):
            pass
        delete_file(sealed.name)

    stream_key = os.urandom(32)

    def bare_round_trip() -> None:
        push = bindings.crypto_secretstream_xchacha20poly1305_state()
        header = bindings.crypto_secretstream_xchacha20poly1305_init_push(push, stream_key)
        blocks = []
        for start in range(0, size, CHUNK_BYTES):
            blocks.append(
                bindings.crypto_secretstream_xchacha20poly1305_push(
                    push, data[start : start + CHUNK_BYTES]
                )
            )
        pull = bindings.crypto_secretstream_xchacha20poly1305_state()
        bindings.crypto_secretstream_xchacha20poly1305_init_pull(pull, header, stream_key)
        for block in blocks:
            bindings.crypto_secretstream_xchacha20poly1305_pull(pull, block)

    label = f"{size / 1024 / 1024:.1f} MiB"
    subject, baseline = interleaved(
        (f"seal_file+open_file {label}", vault_round_trip),
        (f"secretstream {label}", bare_round_trip),
        repeat=repeat,
    )
    report(subject, baseline, unit="file", goal="ratio <= 1.43 (>= 0.7x throughput)")


def bench_wrap(*, repeat: int) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from corridor.vault.providers import key_provider

    provider = key_provider()
    key_id = uuid.uuid4()
    secret = os.urandom(32)
    blob = provider.wrap(key_id=key_id, purpose="data", key=secret)
    kek = AESGCM(os.urandom(32))
    nonce = os.urandom(12)
    wrapped = kek.encrypt(nonce, secret, b"ad")

    wrap = measure(
        "provider wrap",
        lambda: provider.wrap(key_id=key_id, purpose="data", key=secret),
        repeat=repeat,
    )
    unwrap = measure(
        "provider unwrap",
        lambda: provider.unwrap(key_id=key_id, purpose="data", blob=blob),
        repeat=repeat,
    )
    bare_wrap = measure(
        "AES-GCM wrap", lambda: kek.encrypt(os.urandom(12), secret, b"ad"), repeat=repeat
    )
    bare_unwrap = measure(
        "AES-GCM unwrap", lambda: kek.decrypt(nonce, wrapped, b"ad"), repeat=repeat
    )
    report(wrap, bare_wrap, unit="call", goal="informative (wrap reads the KEK version)")
    report(unwrap, bare_unwrap, unit="call", goal="informative")


def _print_overhead(subject: Timing, baseline: Timing) -> None:
    print(f"  overhead: {(subject.median - baseline.median) * 1e6:.1f} us per value")


if __name__ == "__main__":
    main()
