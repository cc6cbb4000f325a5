"""Portal limits per network source, kept only in memory shared by the server's workers.

    verdict = take_source_token(source_of(address), "codename")
    if verdict is Verdict.REFUSED: ...   # this source flooded: say when to come back
    if verdict is Verdict.WAIT: ...      # the server is saturated: a short queue, no refusal

A source is the client address truncated to its /24 (IPv4) or /48 (IPv6) network. Each
source has its own bucket per limit; a shared bucket per limit caps the CPU all sources
use together. A source holds at most its own bucket's worth of the shared one, so one
source cannot take more than its share: when the shared bucket is dry, requesters from
sources that did not flood wait (a page that refreshes itself) instead of being refused.

Nothing here reaches a disk, a log or the database. The table is an anonymous shared
memory map created by the master process before gunicorn forks its workers (`prepare()`
in `corridor serve`), so every worker counts in it; it dies with the server. A source is
stored only as a keyed BLAKE2b digest under a key drawn at start and never written
anywhere, so not even a memory dump taken later names an address without that key; the
table holds a fixed number of slots and reuses the stalest, so it forgets on its own.
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import math
import mmap
import multiprocessing
import os
import struct
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from corridor.core import clock

LIMITS = ("codename", "submit", "message")
_SLOTS = 4096
_PROBES = 8
_DIGEST = 16
# digest, then (tokens, updated) per limit, then the moment its flood mark ends.
_SLOT = struct.Struct(f"<{_DIGEST}s" + "dd" * len(LIMITS) + "d")
_SHARED = struct.Struct("<" + "dd" * len(LIMITS))
_EMPTY = bytes(_DIGEST)


class Verdict(enum.Enum):
    TAKEN = "taken"
    REFUSED = "refused"  # this source used its own share: it flooded
    WAIT = "wait"  # everyone together used the shared budget: wait, nobody is refused


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    retry_after: int


def source_of(address: str) -> str:
    """The network an address belongs to: its /24 for IPv4, its /48 for IPv6."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_source(request: HttpRequest) -> str:
    """The source of the client of `request`: the connection's peer, or, only when
    CORRIDOR_CLIENT_ADDRESS_HEADER is set and the peer is a trusted proxy, the address
    that proxy put in that header (never X-Forwarded-For as a client sends it)."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    header = settings.CORRIDOR_CLIENT_ADDRESS_HEADER
    proxies = settings.CORRIDOR_TRUSTED_PROXIES
    if header and peer in proxies:
        given = str(request.META.get(header, "")).strip()
        if given:
            return source_of(given)
    return source_of(peer)


class _Table:
    def __init__(self) -> None:
        self.key = os.urandom(32)
        self.lock = multiprocessing.get_context("fork").Lock()
        self.shared = mmap.mmap(-1, _SHARED.size)
        self.slots = mmap.mmap(-1, _SLOT.size * _SLOTS)
        self.shared_ready = False


_table: _Table | None = None


def prepare() -> None:
    """Make the table now, in the process that will fork the workers (idempotent)."""
    global _table  # one table per server, inherited by its workers
    if _table is None:
        _table = _Table()


def forget_everything() -> None:
    """A new, empty table (tests; a restart does the same)."""
    global _table
    _table = _Table()


def _now() -> float:
    # The project's clock (tests travel in time with it); a step backwards refills nothing.
    return clock.now().timestamp()


def _rate(limit: str, scope: str) -> tuple[float, float]:
    tokens, seconds = settings.CORRIDOR_PORTAL_RATES[f"{limit}_{scope}"]
    return float(tokens), float(seconds)


def _refill(tokens: float, updated: float, rate: tuple[float, float], now: float) -> float:
    capacity, seconds = rate
    if updated == 0:
        return capacity
    return min(capacity, tokens + max(0.0, now - updated) * capacity / seconds)


def _wait(level: float, rate: tuple[float, float]) -> int:
    capacity, seconds = rate
    return max(1, math.ceil((1 - level) * seconds / capacity))


def _find(table: _Table, digest: bytes, now: float) -> int:
    """The slot holding `digest`, claiming the stalest of its probes if none does."""
    start = int.from_bytes(digest[:4], "little") % _SLOTS
    stalest, stalest_at = start, math.inf
    for step in range(_PROBES):
        index = (start + step) % _SLOTS
        fields = _SLOT.unpack_from(table.slots, index * _SLOT.size)
        if fields[0] == digest:
            return index
        touched = max(fields[1:]) if fields[0] != _EMPTY else -1.0
        if touched < stalest_at:
            stalest, stalest_at = index, touched
    _SLOT.pack_into(table.slots, stalest * _SLOT.size, digest, *([0.0] * (2 * len(LIMITS) + 1)))
    return stalest


def _current() -> _Table:
    prepare()
    if _table is None:  # pragma: no cover - prepare() just made it
        raise RuntimeError("no limits table")
    return _table


def take_source_token(source: str, limit: str, *, now: float | None = None) -> Outcome:
    """Take one `limit` token from the source's bucket and one from the shared bucket."""
    table = _current()
    moment = _now() if now is None else now
    digest = hashlib.blake2b(source.encode(), key=table.key, digest_size=_DIGEST).digest()
    position = LIMITS.index(limit)
    own_rate, shared_rate = _rate(limit, "source"), _rate(limit, "global")
    with table.lock:
        index = _find(table, digest, moment)
        fields = list(_SLOT.unpack_from(table.slots, index * _SLOT.size))
        own = _refill(fields[1 + 2 * position], fields[2 + 2 * position], own_rate, moment)
        if source in settings.CORRIDOR_PORTAL_POOLED_SOURCES:
            own = own_rate[0]  # many clients behind one address: only the shared budget
        if own < 1:
            # Marked for the window it takes the bucket to fill: what it sends meanwhile
            # is stored flagged `flood` (submissions) rather than mixed with the others.
            fields[-1] = moment + own_rate[1]
            _SLOT.pack_into(table.slots, index * _SLOT.size, *fields)
            return Outcome(Verdict.REFUSED, _wait(own, own_rate))
        shared = list(_SHARED.unpack_from(table.shared, 0))
        level = _refill(shared[2 * position], shared[2 * position + 1], shared_rate, moment)
        if level < 1:
            return Outcome(Verdict.WAIT, _wait(level, shared_rate))
        shared[2 * position], shared[2 * position + 1] = level - 1, moment
        fields[1 + 2 * position], fields[2 + 2 * position] = own - 1, moment
        _SHARED.pack_into(table.shared, 0, *shared)
        _SLOT.pack_into(table.slots, index * _SLOT.size, *fields)
    return Outcome(Verdict.TAKEN, 0)


def shared_budget_dry(limit: str, *, now: float | None = None) -> int:
    """Seconds until the shared `limit` bucket holds a token again (0: it holds one now)."""
    table = _current()
    moment = _now() if now is None else now
    position = LIMITS.index(limit)
    rate = _rate(limit, "global")
    with table.lock:
        shared = _SHARED.unpack_from(table.shared, 0)
    level = _refill(shared[2 * position], shared[2 * position + 1], rate, moment)
    return 0 if level >= 1 else _wait(level, rate)


def flooded(source: str, *, now: float | None = None) -> bool:
    """True while `source` is marked for having used up one of its own buckets."""
    table = _current()
    moment = _now() if now is None else now
    digest = hashlib.blake2b(source.encode(), key=table.key, digest_size=_DIGEST).digest()
    start = int.from_bytes(digest[:4], "little") % _SLOTS
    with table.lock:
        for step in range(_PROBES):
            fields = _SLOT.unpack_from(table.slots, ((start + step) % _SLOTS) * _SLOT.size)
            if fields[0] == digest:
                return bool(fields[-1] > moment)
    return False
