"""Token buckets kept in the database: the global limits, and one set per portal session.

    refusal = take_tokens([global_bucket("codename"), session_bucket("codename", digest)])
    if refusal is not None: ...   # say when to try again; nothing expensive has run

A bucket holds up to `tokens` tokens and refills all of them in `seconds`. A call takes
one token from every bucket it names or from none, so an attacker whose own session is
already refused cannot drain the shared bucket on the way. Buckets are checked in the
order given: the global one first, so a flood spread over many fresh sessions is
stopped by one row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from corridor.core import clock
from corridor.intake.models import ThrottleBucket


@dataclass(frozen=True)
class Rate:
    tokens: int
    seconds: float


@dataclass(frozen=True)
class Bucket:
    name: str
    rate: Rate


@dataclass(frozen=True)
class Throttled:
    """A refusal: which bucket was empty and in how many seconds it holds a token again."""

    bucket: str
    retry_after: int
    shared: bool


def configured_rate(limit: str, scope: str) -> Rate:
    """The rate settings.CORRIDOR_PORTAL_RATES gives `limit` for `scope` (global/session)."""
    tokens, seconds = settings.CORRIDOR_PORTAL_RATES[f"{limit}_{scope}"]
    return Rate(tokens=int(tokens), seconds=float(seconds))


def global_bucket(limit: str) -> Bucket:
    return Bucket(f"{limit}:global", configured_rate(limit, "global"))


def session_bucket(limit: str, session_digest: str) -> Bucket:
    return Bucket(f"{limit}:session:{session_digest}", configured_rate(limit, "session"))


def take_tokens(buckets: Sequence[Bucket], *, now: datetime | None = None) -> Throttled | None:
    """Take one token from each bucket, or none if any is empty; the refusal, if any."""
    moment = now or clock.now()
    with transaction.atomic():
        ThrottleBucket.objects.bulk_create(
            [ThrottleBucket(name=b.name, tokens=b.rate.tokens, updated_at=moment) for b in buckets],
            ignore_conflicts=True,
        )
        # Locked in name order, so two requests taking the same buckets cannot deadlock.
        rows = {
            row.name: row
            for row in ThrottleBucket.objects.select_for_update()
            .filter(name__in=[b.name for b in buckets])
            .order_by("name")
        }
        levels: dict[str, float] = {}
        for bucket in buckets:
            level = _level(rows[bucket.name], bucket.rate, moment)
            if level < 1:
                wait = (1 - level) * bucket.rate.seconds / bucket.rate.tokens
                return Throttled(
                    bucket=bucket.name,
                    retry_after=max(1, math.ceil(wait)),
                    shared=":session:" not in bucket.name,
                )
            levels[bucket.name] = level
        for name, level in levels.items():
            ThrottleBucket.objects.filter(name=name).update(tokens=level - 1, updated_at=moment)
    return None


def forget_idle_buckets(*, idle_for: timedelta) -> int:
    """Delete session buckets untouched for `idle_for` (they are full again by then)."""
    deleted, _ = ThrottleBucket.objects.filter(
        name__contains=":session:", updated_at__lt=clock.now() - idle_for
    ).delete()
    return deleted


def _level(row: ThrottleBucket, rate: Rate, moment: datetime) -> float:
    elapsed = max(0.0, (moment - row.updated_at).total_seconds())
    return min(float(rate.tokens), row.tokens + elapsed * rate.tokens / rate.seconds)
