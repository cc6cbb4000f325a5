"""Writing a small private file (a key file, keyd's KEK record) so a crash never leaves half.

Defends against a torn write (power loss mid-write leaves the old or the new file,
never a mixture) and against other users of the machine reading it (mode 0600
from creation, not chmod afterwards).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_private_file(path: Path, data: bytes) -> None:
    """Replace `path` atomically with `data`, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
