"""Telling a full disk from other failures, wherever it surfaces.

A full disk reaches Corridor as an OSError (ENOSPC, or EDQUOT over a quota), as SQLite's
SQLITE_FULL ("database or disk is full") wrapped in Django's OperationalError, or as
PostgreSQL's DiskFull (SQLSTATE 53100). Callers recognise all of them here, so the staff
page can say what happened, the log can name the cause, and the worker can wait it out.
"""

from __future__ import annotations

import errno
import sqlite3

# The cause as logs and alerts name it: a fixed phrase, never the error's own text.
CAUSE = "disk full"

_SQLITE_FULL = 13
# A new connection in WAL mode cannot grow its shared-memory file on a full disk: SQLite
# says "disk I/O error" (SQLITE_IOERR_SHMSIZE), met by the worker reconnecting on a tmpfs.
_SQLITE_IOERR_SHMSIZE = 4874
_POSTGRES_DISK_FULL = "53100"
_OS_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(error: BaseException | None) -> bool:
    """True if `error`, or an exception it was raised from, says that a disk is full."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _says_disk_full(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def _says_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError) and error.errno in _OS_ERRNOS:
        return True
    if isinstance(error, sqlite3.Error):
        # The extended code's low byte is the primary one; older builds only have the text.
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF == _SQLITE_FULL or code == _SQLITE_IOERR_SHMSIZE
        return "database or disk is full" in str(error)
    # psycopg's DiskFull and psycopg2's both carry the SQLSTATE; no import of either needed.
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return state == _POSTGRES_DISK_FULL
