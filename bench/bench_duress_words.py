"""Duress and check-in words in a portal message: what hearing one message costs.

Times people.services.MessageForms (the message's word forms, one blind index each,
through the configured key provider) on messages of 10, 50 and 300 words, and compares
the check with the message's own sealing for the team (seal_for_intake), which every
portal message already pays. Also counts the blind indexes asked for per message (each
is one keyd request when the portal runs under keyd) and the cost of storing a protocol
word (its lemmas and one-edit neighbours, hashed once).

    .venv/bin/python -m bench.bench_duress_words [--smoke]
"""

from __future__ import annotations

import random
import uuid

from bench import _harness

WORDS = tuple(
    " ".join(
        (
            "спасибо всё хорошо мы доехали до границы завтра утром поедем дальше купил",
            "билеты дети спят мама звонила ясное небо лимоны дождь документы паспорт виза",
            "хостел ждём ответа пожалуйста напишите когда сможете очень устали но держимся",
        )
    ).split()
)


def message(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def main(argv: list[str] | None = None) -> None:
    args = _harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    repeat = 5 if args.smoke else 100
    _harness.setup_django()
    from corridor.people import services, wordforms
    from corridor.vault.intake import seal_for_intake
    from corridor.vault.longlived import initialise_keys

    initialise_keys()
    wordforms.lemmas("лимон")  # the dictionary loads once per process; not a message's cost
    stored = _harness.measure(
        "store one protocol word", lambda: services._form_hashes("лимонный"), repeat=repeat
    )
    print(
        f"store one protocol word: {stored.median * 1000:.1f} ms, "
        f"{len(wordforms.protocol_keys('лимонный'))} hashes"
    )
    rng = random.Random(27)
    for size in (10, 50, 300):
        texts = [message(rng, size) for _ in range(repeat)]
        keys = sorted(len(wordforms.message_keys(text)) for text in texts)
        # A fresh word cache each run: lemmas are cached per process, and a real
        # message's words are often new to it.
        wordforms.lemmas.cache_clear()
        wordforms.likeliest_lemma.cache_clear()
        to_hear, to_seal = iter(texts), iter(texts)
        heard = _harness.measure(
            f"hear a {size}-word message",
            lambda: services.MessageForms(next(to_hear)),  # noqa: B023 - measured at once
            repeat=repeat,
        )
        sealed = _harness.measure(
            f"seal a {size}-word message (baseline)",
            lambda: seal_for_intake(next(to_seal).encode(), str(uuid.uuid4())),  # noqa: B023
            repeat=repeat,
        )
        _harness.report(heard, sealed, unit="message")
        print(
            f"  {size} words: {keys[len(keys) // 2]} blind indexes per message (median), "
            f"p95 {heard.p95 * 1000:.2f} ms"
        )


if __name__ == "__main__":
    main()
