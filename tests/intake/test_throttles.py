"""Token buckets: all or nothing, refilled with time, the shared bucket checked first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from corridor.core import clock
from corridor.intake.models import ThrottleBucket
from corridor.intake.throttles import (
    Bucket,
    Rate,
    forget_idle_buckets,
    global_bucket,
    session_bucket,
    take_tokens,
)

pytestmark = pytest.mark.django_db
SHARED = Bucket("test:global", Rate(tokens=3, seconds=60))


def mine(name: str = "a") -> Bucket:
    return Bucket(f"test:session:{name}", Rate(tokens=2, seconds=60))


def test_a_bucket_refuses_once_empty_and_says_when_to_come_back():
    with time_machine.travel(clock.now(), tick=False):
        assert take_tokens([mine()]) is None
        assert take_tokens([mine()]) is None
        refusal = take_tokens([mine()])
    assert refusal is not None
    assert refusal.bucket == "test:session:a"
    assert refusal.retry_after == 30
    assert refusal.shared is False


def test_a_bucket_refills_with_time():
    start = clock.now()
    with time_machine.travel(start, tick=False) as traveller:
        take_tokens([mine()])
        take_tokens([mine()])
        assert take_tokens([mine()]) is not None
        traveller.shift(timedelta(seconds=31))
        assert take_tokens([mine()]) is None
        assert take_tokens([mine()]) is not None


def test_one_empty_bucket_takes_nothing_from_the_others():
    """A session already refused cannot drain the shared bucket on the way."""
    with time_machine.travel(clock.now(), tick=False):
        take_tokens([mine()])
        take_tokens([mine()])
        for _ in range(5):
            refusal = take_tokens([SHARED, mine()])
            assert refusal is not None
            assert refusal.bucket == "test:session:a"
        assert ThrottleBucket.objects.get(name=SHARED.name).tokens == 3


def test_the_shared_bucket_stops_a_flood_spread_over_sessions():
    """Fresh sessions each have tokens, but the shared bucket runs out first."""
    with time_machine.travel(clock.now(), tick=False):
        results = [take_tokens([SHARED, mine(str(n))]) for n in range(6)]
    assert [r is None for r in results] == [True, True, True, False, False, False]
    assert all(r.shared and r.bucket == SHARED.name for r in results[3:] if r)


def test_the_configured_rates_name_their_scope(settings):
    settings.CORRIDOR_PORTAL_RATES = {"x_global": (7, 70), "x_session": (2, 20)}
    assert global_bucket("x") == Bucket("x:global", Rate(7, 70.0))
    assert session_bucket("x", "d" * 64) == Bucket(f"x:session:{'d' * 64}", Rate(2, 20.0))


def test_idle_session_buckets_are_forgotten_and_shared_ones_kept():
    take_tokens([SHARED, mine()])
    with time_machine.travel(clock.now() + timedelta(days=2)):
        assert forget_idle_buckets(idle_for=timedelta(days=1)) == 1
    assert list(ThrottleBucket.objects.values_list("name", flat=True)) == [SHARED.name]
