"""Screening: cost per request against 100,000 existing requests, printed with its parts.

Each existing request has a real data key in the key store, its facts sealed under it,
blind-index values (two phones, a name pair, a name-and-year, a date of birth) and the
32 narrative bands of a signature. The index values are random, so the ones a new
request meets are what truncation gives strangers at this population: candidates that
the worker decrypts and finds different (the budget in screening/budget.py keeps at
least two per value at CORRIDOR_PLANNED_POPULATION). Each probe is an opened request
with a name, a phone in its contact field and a story of about 120 words; it is
screened once by the real service (the parts are then timed alone on the same input).

Goal: median < 20 ms per request, excluding the KDF (no codename derivation runs here).
Baseline, in the same run: opening one request's answers (one unwrap, one decryption).

    .venv/bin/python -m bench.bench_screening [--smoke]
"""

from __future__ import annotations

import itertools
import random
import statistics
import time
import uuid

from bench import _harness

FULL, SMOKE = 100_000, 2_000
PROBES_FULL, PROBES_SMOKE = 40, 5
# Plain inserts: the ORM's bulk_create costs minutes for 3.7 million small rows.
ENTRY_SQL = (
    "INSERT INTO intake_indexentry (request_id, watch_id, name, value) VALUES (%s, %s, %s, %s)"
)
BAND_SQL = "INSERT INTO intake_narrativeband (request_id, band, value) VALUES (%s, %s, %s)"
STORY_WORDS = (
    "меня родственники ищут угрожают полиция знакомые прячусь уехать помогите документы",
    "паспорт забрали брат отец дядя город село работа деньги билет ночью звонили писали",
    "нашли адрес соседи узнали боюсь выйти телефон новый старый сестра мать друг",
)


def cyrillic(number: int) -> str:
    """A made-up word for `number`, so each probe is a different person."""
    letters = "бвгдзклмнпрстфхцчш"
    word = "а"
    while True:
        number, digit = divmod(number, len(letters))
        word += letters[digit] + "а"
        if not number:
            return word.capitalize()


def story(rng: random.Random) -> str:
    words = " ".join(STORY_WORDS).split()
    return " ".join(rng.choice(words) for _ in range(120))


def bulk_key(into: list):  # type: ignore[no-untyped-def,type-arg]
    """A data key wrapped by the provider, its row kept for one bulk insert per batch
    (create_data_key commits each key on its own, which is too slow for 100,000)."""
    from corridor.vault.aead import new_key
    from corridor.vault.datakey import DataKey
    from corridor.vault.models import Purpose, WrappedKey
    from corridor.vault.providers import key_provider

    key_id = uuid.uuid4()
    material = new_key()
    blob = key_provider().wrap(key_id=key_id, purpose=Purpose.DATA, key=material)
    into.append(
        WrappedKey(id=key_id, purpose=Purpose.DATA, kek_version=blob.kek_version, wrapped=blob.blob)
    )
    return DataKey(key_id, material)


def fill(population: int) -> None:
    """Write `population` screened requests in bulk, each with its own key and facts."""
    from django.db import connection, transaction

    from corridor.core import clock
    from corridor.intake.models import Request, Status
    from corridor.intake.screening.budget import index_bits
    from corridor.intake.screening.facts import Facts
    from corridor.intake.screening.indexes import planned_population
    from corridor.intake.screening.minhash import BANDS
    from corridor.vault.fields import seal_field
    from corridor.vault.models import WrappedKey
    from corridor.vault.routers import KEYSTORE

    rng = random.Random(11)
    uuid_column = Request._meta.get_field("id")
    bits = index_bits(planned_population())
    today = clock.today()
    now = clock.now()
    batch = 2_000
    keys: list[WrappedKey] = []
    for start in range(0, population, batch):
        requests, entries, bands = [], [], []
        for number in range(start, min(start + batch, population)):
            key = bulk_key(keys)
            request = Request(
                id=uuid.uuid4(),
                reference=f"RQ-B{number:07d}",
                channel="portal",
                status=Status.IN_VERIFICATION,
                received_on=today,
                screened_at=now,
                created_at=now,
                updated_at=now,
            )
            facts = Facts(
                phones=frozenset({f"+7928{rng.randrange(10**7):07d}"}),
                names=frozenset({f"person{number} family{number}"}),
                years=frozenset({1970 + number % 40}),
            )
            seal_field(request, "facts", facts.as_json(), key=key)
            requests.append(request)
            row = uuid_column.get_db_prep_value(request.pk, connection)
            for name, kept in bits.items():
                entries.append((row, None, name, rng.getrandbits(kept)))
            bands += [(row, band, rng.getrandbits(62)) for band in range(BANDS)]
        with transaction.atomic(using=KEYSTORE):
            WrappedKey.objects.bulk_create(keys)
        keys.clear()
        with transaction.atomic():
            Request.objects.bulk_create(requests)
            with connection.cursor() as cursor:
                cursor.executemany(ENTRY_SQL, entries)
                cursor.executemany(BAND_SQL, bands)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def probe(rng: random.Random, number: int) -> uuid.UUID:
    """A new opened request (as the hotline stores one), waiting for screening."""
    from corridor.core import clock
    from corridor.intake.models import Request
    from corridor.vault import keys as vault_keys
    from corridor.vault.fields import seal_field

    key = vault_keys.create_data_key()
    request = Request(
        id=uuid.uuid4(),
        reference=f"RQ-PRBE-{number:04d}",
        channel="hotline",
        received_on=clock.today(),
        opened_at=clock.now(),
    )
    answers = {
        # A different person each time: names differ in letters (digits are not names).
        "full_name": f"{cyrillic(number)} Мусаев",
        "phone": f"+7 928 {rng.randrange(1000):03d}-{rng.randrange(100):02d}-{number:02d}",
        "date_of_birth": "1990-03-04",
        "story": story(rng),
    }
    seal_field(request, "answers", answers, key=key)
    request.save()
    return request.pk


def main(argv: list[str] | None = None) -> None:
    args = _harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    population, probes = (SMOKE, PROBES_SMOKE) if args.smoke else (FULL, PROBES_FULL)
    _harness.setup_django()
    from corridor.core.actors import WORKER
    from corridor.intake.models import Request
    from corridor.intake.screening.facts import facts_from_answers, narrative_of
    from corridor.intake.screening.indexes import index_values
    from corridor.intake.screening.minhash import keyed_word_hasher, narrative_signature
    from corridor.intake.services import screening
    from corridor.vault import keys as vault_keys
    from corridor.vault.longlived import initialise_keys
    from corridor.vault.opening import open_field

    initialise_keys()
    started = time.perf_counter()
    fill(population)
    print(f"wrote {population} screened requests in {time.perf_counter() - started:.1f} s")
    rng = random.Random(5)
    totals: list[float] = []
    parts: dict[str, list[float]] = {
        "open": [], "facts": [], "index": [], "minhash": [], "candidates": [], "narratives": [],
    }  # fmt: skip
    candidates_seen: list[int] = []
    for number in range(probes):
        request_id = probe(rng, number)
        began = time.perf_counter()
        findings = screening.screen_request(actor=WORKER, request_id=request_id)
        totals.append(time.perf_counter() - began)
        assert findings is not None
        # The parts, timed alone on the same request (now screened, so nothing is written).
        request = Request.objects.get(pk=request_id)
        assert request.key_id is not None
        assert request.answers is not None
        marks = [time.perf_counter()]
        key = vault_keys.data_key(
            request.key_id, for_actor=WORKER.actor_id, case_id=str(request.pk)
        )
        answers = open_field(request.answers, key=key)
        assert isinstance(answers, dict)
        marks.append(time.perf_counter())
        facts = facts_from_answers(answers)
        marks.append(time.perf_counter())
        values = index_values(facts)
        marks.append(time.perf_counter())
        signature = narrative_signature(narrative_of(answers), hash_word=keyed_word_hasher())
        marks.append(time.perf_counter())
        seen = screening.Findings()
        rows = screening._candidate_rows(request, values)
        screening._confirm_requests(WORKER, facts, values, rows, seen)
        marks.append(time.perf_counter())
        screening._similar_narratives(request, signature)
        marks.append(time.perf_counter())
        for name, (before, after) in zip(parts, itertools.pairwise(marks), strict=True):
            parts[name].append(after - before)
        candidates_seen.append(len({row[0] for row in rows}))
    baseline = _harness.Timing("open one request (baseline)", parts["open"])
    subject = _harness.Timing("screen one request", totals)
    _harness.report(subject, baseline, unit="request")
    for name, seconds in parts.items():
        print(f"  part {name}: median {statistics.median(seconds) * 1000:.2f} ms")
    # What the parts leave: sealing the facts, storing index rows, bands, flags and the
    # audit event, and the durable commit (SQLite synchronous=FULL: one fsync or more).
    rest = [total - sum(part[i] for part in parts.values()) for i, total in enumerate(totals)]
    print(f"  rest (writes and commit): median {statistics.median(rest) * 1000:.2f} ms")
    print(f"  candidate requests per request (median): {statistics.median(candidates_seen):.0f}")
    verdict = "ok" if subject.median < 0.020 else "OVER"
    print(
        f"screen one request: median {subject.median * 1000:.1f} ms, p95 "
        f"{subject.p95 * 1000:.1f} ms against {population} | goal < 20 ms | {verdict}"
    )


if __name__ == "__main__":
    main()
