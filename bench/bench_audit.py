"""Audit log: verify throughput, end-to-end `corridor audit verify`, and the cost of an append.

1. verify_log over N events against a baseline that reads the same rows, builds
   the same leaf bytes and hashes each once (goal: baseline/verify >= 0.5);
2. `corridor audit verify` as a separate process on the same SQLite file
   (goal: under 60 s for 1,000,000 events);
3. record_event per event against a plain ORM insert of the same row into the
   same table (goal: <= 2x), each in its own transaction and inside one.

    .venv/bin/python -m bench.bench_audit [--events N] [--smoke]
"""

from __future__ import annotations

import hashlib
import itertools
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from bench import _harness

# Plain-insert rows sit far beyond record_event's numbers, out of its way.
_FAR_SEQ = itertools.count(10**12)
FULL_EVENTS = 1_000_000
SMOKE_EVENTS = 2_000
INSERT_SQL = (
    "INSERT INTO audit_entry (seq, time_us, actor, event_type, object_type, object_id, "
    "case_id, reason, detail, leaf_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def fill_log(count: int) -> None:
    """Write `count` varied, correctly hashed events fast (batched raw inserts)."""
    from django.db import connection, transaction

    from corridor.audit.events import EventType
    from corridor.audit.leaves import build_leaf, canonical_json
    from corridor.audit.models import AuditSequence
    from corridor.core.merkle import hash_leaf

    # A sealed write's detail names a row's fields and digests, which `audit verify` checks
    # against the rows; the filler's made-up detail would fail that check.
    types = [event.value for event in EventType if event is not EventType.SEALED_WRITTEN]
    start_us = 1_790_000_000_000_000
    batch: list[tuple[object, ...]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for seq in range(1, count + 1):
            detail = canonical_json({"n": seq, "role": "caseworker"}) if seq % 3 == 0 else "{}"
            fields = (
                seq,
                start_us + seq * 1_000,
                f"staff:{seq % 40}",
                types[seq % len(types)],
                "accounts.staff" if seq % 2 else "",
                str(seq % 997) if seq % 2 else "",
                f"CR-{seq % 5000:04d}-BNCH" if seq % 4 == 0 else "",
                "routine" if seq % 10 == 0 else "",
                detail,
            )
            batch.append((*fields, hash_leaf(build_leaf(*fields)).hex()))
            if len(batch) == 10_000:
                cursor.executemany(INSERT_SQL, batch)
                batch.clear()
        if batch:
            cursor.executemany(INSERT_SQL, batch)
        AuditSequence.objects.update_or_create(id=1, defaults={"last_seq": count})


def baseline_pass() -> int:
    """Read every row the way verify does, build its leaf, hash it once."""
    from corridor.audit.leaves import build_leaf
    from corridor.audit.selectors import iter_entry_rows

    sha256 = hashlib.sha256
    count = 0
    for row in iter_entry_rows():
        sha256(b"\x00" + build_leaf(*row[:9])).digest()
        count += 1
    return count


def bench_verify(count: int) -> None:
    from corridor.audit.verification import verify_log

    baseline = _harness.measure("read+leaf+hash", baseline_pass, repeat=3)
    verified = _harness.measure("verify_log", verify_log, repeat=3)
    result = verify_log()
    assert result.failure is None, result.line()
    assert result.events == count + 1, result.line()
    ratio = baseline.median / verified.median
    print(
        f"verify {count + 1} events: {verified.median:.2f} s | "
        f"baseline {baseline.median:.2f} s | ratio baseline/verify {ratio:.2f} | goal >= 0.5"
    )


def bench_command(data_dir: str, count: int) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": data_dir,
        "LANG": "C.UTF-8",
        "CORRIDOR_ENV": "development",
        "CORRIDOR_DATA_DIR": data_dir,
        "CORRIDOR_SECRET_KEY": secrets.token_urlsafe(48),
        "CORRIDOR_KEY_PROVIDER": "file",
    }
    corridor = str(Path(sys.executable).with_name("corridor"))
    started = time.perf_counter()
    result = subprocess.run(
        [corridor, "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"verified {count + 1} events"), result.stdout
    print(f"`corridor audit verify` end to end, {count + 1} events: {seconds:.1f} s | goal < 60 s")


def bench_append(repeat: int) -> None:
    from django.db import transaction

    from corridor.audit.events import EventType
    from corridor.audit.models import AuditEntry
    from corridor.audit.objects import ObjectType
    from corridor.audit.services import record_event
    from corridor.core.actors import SystemActor

    actor = SystemActor("bench")
    fields = {
        "event_type": EventType.ROLE_GRANTED.value,
        "actor": actor.actor_id,
        "object_type": "accounts.staff",
        "object_id": "17",
        "detail": '{"role":"caseworker"}',
    }

    def plain() -> None:
        AuditEntry.objects.create(seq=next(_FAR_SEQ), time_us=1, leaf_hash="0" * 64, **fields)

    def append() -> None:
        record_event(
            actor=actor,
            event=EventType.ROLE_GRANTED,
            object_type=ObjectType.STAFF,
            object_id="17",
            detail={"role": "caseworker"},
        )

    def own_transaction(action):  # type: ignore[no-untyped-def]
        def run() -> None:
            with transaction.atomic():
                action()

        return run

    append()  # the counter row exists before any far-away plain row could be mistaken for the last
    for label, make in (("own transaction", own_transaction), ("inside a transaction", None)):
        if make is None:
            with transaction.atomic():
                base = _harness.measure("plain insert", plain, repeat=repeat)
                subject = _harness.measure("record_event", append, repeat=repeat)
        else:
            base = _harness.measure("plain insert", make(plain), repeat=repeat)
            subject = _harness.measure("record_event", make(append), repeat=repeat)
        print(f"append, {label}:", end=" ")
        _harness.report(subject, base, unit="event", goal="<= 2.00")


def main(argv: list[str] | None = None) -> None:
    parser = _harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=None)
    args = parser.parse_args(argv)
    count = args.events or (SMOKE_EVENTS if args.smoke else FULL_EVENTS)
    data_dir = _harness.setup_django()

    from corridor.audit.services import sign_tree_head
    from corridor.core.actors import SystemActor
    from corridor.vault.longlived import initialise_keys

    initialise_keys()
    started = time.perf_counter()
    fill_log(count)
    sign_tree_head(actor=SystemActor("bench"))
    print(f"wrote {count} events and a signed head in {time.perf_counter() - started:.1f} s")
    bench_verify(count)
    bench_command(data_dir, count)
    bench_append(repeat=50 if args.smoke else 500)


if __name__ == "__main__":
    main()
