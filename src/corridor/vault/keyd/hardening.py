"""What keyd does to itself at start so its memory is harder to read from outside.

Defends against another process of the same user attaching a debugger or reading
/proc/<pid>/mem (not dumpable), the KEK landing in a core file after a crash (no
core files), and the KEK being swapped out to disk (memory locked, where the
limits allow it). Root can still read keyd's memory: see docs/security.md.
"""

from __future__ import annotations

import ctypes
import os
import resource
from dataclasses import dataclass

PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
MCL_CURRENT = 1
MCL_FUTURE = 2


@dataclass(frozen=True)
class Hardening:
    dumpable: bool
    core_limit: int
    memory_locked: bool


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def harden_process() -> Hardening:
    """Not dumpable, no core files, memory locked where allowed; reports what held."""
    libc = _libc()
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return Hardening(
        dumpable=bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)),
        core_limit=resource.getrlimit(resource.RLIMIT_CORE)[1],
        memory_locked=_lock_memory(libc),
    )


def _lock_memory(libc: ctypes.CDLL) -> bool:
    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    # Locking future pages under a finite limit would make later allocations fail once
    # keyd grows past it: lock only when nothing bounds it (root, or LimitMEMLOCK=infinity).
    if soft != resource.RLIM_INFINITY and os.geteuid() != 0:
        return False
    return bool(libc.mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
