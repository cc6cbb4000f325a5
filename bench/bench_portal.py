"""Codename sign-in costs against the bare Argon2id derivation, measured in the same run.

- a wrong codename (one derivation, a lookup that finds nothing) and the right one (two
  derivations, a session written), each against one bare Argon2id run at the same
  cost; goal: wrong ≈ 1 derivation, right ≈ 2, so wrong/right ≈ 0.5. The answer itself
  tells right from wrong, so the ratio reveals nothing more; what matters is that every
  wrong codename, however malformed, costs the same (the "malformed" line);
- a refused attempt (the rate limit is empty) against the same bare derivation; goal:
  far below 1, since refusals run no derivation at all.

Uses the test settings with the production Argon2id cost; `--smoke` uses the smallest
cost and a few repeats. Run from the checkout: `.venv/bin/python -m bench.bench_portal`.
"""

from __future__ import annotations

import secrets
from contextlib import suppress

from bench._harness import measure, parser, report, setup_django

PRODUCTION_COST = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 1}
SMOKE_COST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__ or "").parse_args(argv)
    setup_django()
    from django.conf import settings

    from corridor.vault.longlived import initialise_keys

    initialise_keys()
    settings.CORRIDOR_CODENAME_KDF = SMOKE_COST if options.smoke else PRODUCTION_COST
    # Limits out of the way, except where a refusal is what is measured.
    settings.CORRIDOR_PORTAL_RATES = dict.fromkeys(settings.CORRIDOR_PORTAL_RATES, (10**9, 1))
    bench_sign_in(repeat=3 if options.smoke else 30)


def bench_sign_in(*, repeat: int) -> None:
    from argon2.low_level import Type, hash_secret_raw
    from django.conf import settings

    from corridor.core.actors import RequesterActor
    from corridor.intake.codenames import new_codename
    from corridor.intake.errors import TooManyAttempts
    from corridor.intake.models import RequesterSession
    from corridor.intake.services.codenames import (
        issue_codename,
        sign_in_with_codename,
        skip_codename_check,
    )
    from corridor.intake.services.requests import receive_portal_request

    actor = RequesterActor()
    digest = secrets.token_hex(32)
    receive_portal_request(
        actor=actor,
        answers={"story": "bench"},
        session_digest=digest,
        form_token=secrets.token_urlsafe(16),
    )
    session = RequesterSession.objects.get(digest=digest)
    codename = issue_codename(actor=actor, session=session, holder=secrets.token_bytes(32))
    skip_codename_check(actor=actor, session=session)
    cost = settings.CORRIDOR_CODENAME_KDF

    def attempt(typed: str) -> object:
        return sign_in_with_codename(
            actor=actor,
            attempt_digest=secrets.token_hex(32),
            session_digest=secrets.token_hex(32),
            holder=secrets.token_bytes(32),
            typed=typed,
        )

    def bare() -> None:
        hash_secret_raw(secret=b"bare", salt=b"s" * 16, hash_len=32, type=Type.ID, **cost)

    baseline = measure("bare Argon2id", bare, repeat=repeat)
    wrong = measure("wrong codename", lambda: attempt(new_codename()), repeat=repeat)
    malformed = measure("malformed codename", lambda: attempt("x"), repeat=repeat)
    right = measure("right codename", lambda: attempt(codename), repeat=repeat)
    report(wrong, baseline, unit="attempt", goal="about 1 (one derivation)")
    report(malformed, wrong, unit="attempt", goal="about 1 (same work as any wrong one)")
    report(right, baseline, unit="attempt", goal="about 2 (two derivations)")
    report(wrong, right, unit="attempt", goal="about 0.5")

    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "codename_global": (1, 10**9),
    }

    def refused() -> None:
        with suppress(TooManyAttempts):
            attempt(new_codename())

    refused()  # empties the bucket
    refusal = measure("refused attempt", refused, repeat=repeat)
    report(refusal, baseline, unit="attempt", goal="far below 1 (no derivation)")


if __name__ == "__main__":
    main()
