"""A few codename derivations at a time per server process; past a short queue, wait.

    with derivation_slot():          # PortalSaturated if the queue is full or too slow
        derived = derive_codename(codename)

Each Argon2id run takes a core for tens of milliseconds. Run in every request thread at
once they would take every core and every thread, and a page that needs no derivation
(the form, the thread, a message) would wait behind them. So each process runs at most
`CORRIDOR_CODENAME_KDF_SLOTS` derivations at once, lets at most
`CORRIDOR_CODENAME_KDF_QUEUE` more requests wait for a slot (for at most
`CORRIDOR_CODENAME_KDF_WAIT_SECONDS`), and answers any further one at once with the
self-refreshing "wait a moment" page: the other threads stay free to serve pages.
Nothing here is stored or logged.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from corridor.intake.errors import PortalSaturated

_lock = threading.Lock()
_admitted = 0
_slots: threading.BoundedSemaphore | None = None
_slots_size = 0


def _semaphore() -> threading.BoundedSemaphore:
    global _slots, _slots_size
    size = max(1, int(settings.CORRIDOR_CODENAME_KDF_SLOTS))
    with _lock:
        if _slots is None or _slots_size != size:
            _slots, _slots_size = threading.BoundedSemaphore(size), size
        return _slots


@contextmanager
def derivation_slot() -> Iterator[None]:
    """Hold one of this process's derivation slots, or raise PortalSaturated."""
    global _admitted
    wait = float(settings.CORRIDOR_CODENAME_KDF_WAIT_SECONDS)
    retry_after = max(1, math.ceil(wait))
    slots = _semaphore()
    with _lock:
        if _admitted >= int(settings.CORRIDOR_CODENAME_KDF_SLOTS) + int(
            settings.CORRIDOR_CODENAME_KDF_QUEUE
        ):
            raise PortalSaturated(retry_after)
        _admitted += 1
    try:
        if not slots.acquire(timeout=wait):
            raise PortalSaturated(retry_after)
        try:
            yield
        finally:
            slots.release()
    finally:
        with _lock:
            _admitted -= 1
