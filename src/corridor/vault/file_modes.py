"""The files that hold keys, factors or personal data, and the modes they must have.

`corridor setup` tightens the data directory and its files; keyd tightens its own
directory's files when it starts; `corridor doctor` reports any still open (with the
chmod that fixes them). Nothing here widens a mode.

    tighten(data_dir, DATA_DIR_FILES, mask=0o077)   # the paths it had to close
    open_paths(private_paths(keyd_dir, KEYD_DIR_FILES), mask=0o077)
"""

from __future__ import annotations

from pathlib import Path

from corridor.vault.keyd.headkey import HEAD_KEY_FILE, LAST_HEAD_FILE
from corridor.vault.keyd.ledger import LEDGER_FILE
from corridor.vault.keyd.shares import LOG_FILE, RECORD_FILE

# SQLite's write-ahead files hold the same rows as the database beside them.
_LEDGER = (LEDGER_FILE, f"{LEDGER_FILE}-wal", f"{LEDGER_FILE}-shm")
# The data directory: Django's secret key, the demo's key file and its ledger (the `file`
# provider), the SQLite databases of the demo and development.
DATA_DIR_FILES = ("secret_key", "kek.demo", "corridor.sqlite3", "keystore.sqlite3", *_LEDGER)
# keyd's directory: the KEK record, the ledger (factors, passkeys, tickets), the audit
# head key and keyd's log.
KEYD_DIR_FILES = (RECORD_FILE, *_LEDGER, HEAD_KEY_FILE, LAST_HEAD_FILE, LOG_FILE)
# Others never; the group only where keyd binds the callers to users of one group.
PRIVATE = 0o077
GROUP_SHARED = 0o007


def private_paths(directory: Path, names: tuple[str, ...]) -> list[Path]:
    """The directory and those of `names` that exist in it."""
    return [directory, *(directory / name for name in names if (directory / name).exists())]


def open_paths(paths: list[Path], *, mask: int) -> list[Path]:
    """The paths whose mode grants any bit of `mask`."""
    return [path for path in paths if path.stat().st_mode & mask]


def tighten(directory: Path, names: tuple[str, ...], *, mask: int) -> list[Path]:
    """Take the bits of `mask` away from the directory and its named files; the paths
    changed. Files of another user are left (PermissionError is not raised for them)."""
    changed = []
    for path in open_paths(private_paths(directory, names), mask=mask):
        try:
            path.chmod(path.stat().st_mode & 0o7777 & ~mask)
        except PermissionError:
            continue
        changed.append(path)
    return changed
