"""How many keys each principal and each peer process may unwrap per hour.

A sliding window of one hour per key (a principal such as `staff:12`, a peer
process id, a peer's Unix user, or all staff principals together): defends against a
coerced caseworker or a compromised web process opening case after case, and against
one that invents principals or starts new processes to get fresh allowances. Refused
requests do not count, so a person over the limit gets their next key once the oldest
unwrap in the window is an hour old.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

WINDOW_SECONDS = 3600.0


@dataclass(frozen=True)
class KeydLimits:
    """Unwraps per hour: per staff member, per staff member in an open surge night, per
    system principal (the worker), per peer process, per peer Unix user, and over every
    staff principal together (reaching it raises an alert); and blind indexes per peer
    process. The defaults are in config/env.py (CORRIDOR_KEYD_LIMIT_*)."""

    staff: int
    surge: int
    system: int
    process: int
    index: int
    peer: int
    all_staff: int


class SlidingWindow:
    """Counts events per key over the last `window` seconds; thread-safe."""

    def __init__(
        self, *, window: float = WINDOW_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._window = window
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._clock()

    def count(self, key: Hashable, now: float) -> int:
        with self._lock:
            events = self._events.get(key)
            if events is None:
                return 0
            while events and events[0] <= now - self._window:
                events.popleft()
            if not events:
                del self._events[key]
                return 0
            return len(events)

    def add(self, key: Hashable, now: float) -> None:
        with self._lock:
            self._events.setdefault(key, deque()).append(now)

    def forget_idle(self, now: float) -> None:
        """Drop keys with no event in the window, so memory follows activity."""
        with self._lock:
            idle = [key for key, events in self._events.items() if events[-1] <= now - self._window]
            for key in idle:
                del self._events[key]
