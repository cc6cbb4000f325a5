"""The demo settings for bench_portal's server: every client is genuine, so the portal's
rate limits are out of the way; everything else, the derivation's cost included, is what
an installation runs. `BENCH_SMOKE=1` takes the cheapest derivation (the figures then
mean nothing)."""

import os

from corridor.config.settings.demo import *  # noqa: F403

CORRIDOR_PORTAL_RATES = dict.fromkeys(CORRIDOR_PORTAL_RATES, (10**9, 1))  # noqa: F405
CORRIDOR_PORTAL_PENDING_LIMIT = 10**6
if os.environ.get("BENCH_SMOKE") == "1":
    CORRIDOR_CODENAME_KDF = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
