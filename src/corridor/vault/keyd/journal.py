"""keyd's own log: every operation, one hash-chained JSON line each, outside the database.

    {"seq": 7, "at": "2026-12-01T21:04:05.123456+00:00", "op": "unwrap",
     "peer": "pid:812/uid:998", "principal": "staff:12", "case": "<uuid>",
     "key": "<uuid>", "outcome": "ok", "detail": "", "prev": "<hex>", "hash": "<hex>"}

`hash` is SHA-256 over a label, and the canonical JSON of the line without
`hash` (so over `prev`, the previous line's hash): changing, removing or
reordering any line breaks the chain at that line, and `corridor keys log verify`
names it. The first line's `prev` is 64 zeros. Lines hold ids and codes only:
never a key, a share, a value that was indexed or a message that was signed (a
signed message appears as its SHA-256).

An intruder who can write the file could rewrite the whole chain after an edit;
the head (`seq` and `hash`, printed by `corridor keyd status`) recorded
elsewhere catches that (`keys log verify --head SEQ:HASH`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from corridor.core import clock
from corridor.core.inputs import InputRefused, decode_text, parse_json
from corridor.vault.errors import VaultError

LOG_LABEL = b"corridor-keyd-log-v1\n"
GENESIS = "0" * 64
FIELDS = ("op", "peer", "principal", "case", "key", "outcome", "detail")
# keyd writes lines of a few hundred bytes; a longer one was not written by keyd.
MAX_LINE = 16 * 1024


class KeydLogDamaged(VaultError):
    """keyd's log does not end in a whole, chained line; keyd will not append to it."""


@dataclass(frozen=True)
class LogHead:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def entry_hash(entry: dict[str, object]) -> str:
    body = {name: value for name, value in entry.items() if name != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(LOG_LABEL + canonical.encode("ascii")).hexdigest()


class KeydJournal:
    """Appends chained lines to the log file; thread-safe, one write() per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._head = _last_head(path)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._lock = threading.Lock()
        self._unsynced = False

    @property
    def head(self) -> LogHead:
        with self._lock:
            return self._head

    def append(
        self,
        op: str,
        *,
        peer: str = "",
        principal: str = "",
        case: str = "",
        key: str = "",
        outcome: str = "ok",
        detail: str = "",
        at: datetime | None = None,
    ) -> LogHead:
        with self._lock:
            entry: dict[str, object] = {
                "seq": self._head.seq + 1,
                "at": (at or clock.now()).isoformat(),
                "op": op,
                "peer": peer,
                "principal": principal,
                "case": case,
                "key": key,
                "outcome": outcome,
                "detail": detail,
                "prev": self._head.hash,
            }
            entry["hash"] = entry_hash(entry)
            line = json.dumps(entry, separators=(",", ":"), ensure_ascii=True) + "\n"
            # O_APPEND and one write(): concurrent keyd threads never interleave a line.
            os.write(self._fd, line.encode("ascii"))
            self._head = LogHead(seq=int(str(entry["seq"])), hash=str(entry["hash"]))
            self._unsynced = True
            return self._head

    def sync(self) -> None:
        """Push appended lines to the disk (keyd calls this every second and on exit)."""
        with self._lock:
            if self._unsynced:
                os.fdatasync(self._fd)
                self._unsynced = False

    def close(self) -> None:
        self.sync()
        with self._lock:
            os.close(self._fd)


def _last_head(path: Path) -> LogHead:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            if size == 0:
                return LogHead(0, GENESIS)
            handle.seek(max(0, size - 4096))
            tail = handle.read()
    except FileNotFoundError:
        return LogHead(0, GENESIS)
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    try:
        if not tail.endswith(b"\n"):
            raise ValueError
        entry = _parse_line(last)
        head = LogHead(seq=int(entry["seq"]), hash=str(entry["hash"]))
        if entry_hash(entry) != head.hash:
            raise ValueError
    except (InputRefused, ValueError, KeyError, TypeError):
        raise KeydLogDamaged(
            f"{path} does not end in a whole log line; run `corridor keys log verify` and "
            "move the file aside to start a new log."
        ) from None
    return head


# ---------------------------------------------------------------- verification
@dataclass(frozen=True)
class LogVerification:
    """The outcome of checking a log: its head, or the first line that breaks the chain."""

    lines: int
    head: LogHead
    bad_line: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_line is None


def verify_log(path: Path, *, expected_head: LogHead | None = None) -> LogVerification:
    """Recompute the chain from the first line; name the first line that fails.

    With `expected_head`, also check that the line with that sequence number still
    carries that hash (a head recorded earlier, off the host).
    """
    previous = LogHead(0, GENESIS)
    head_seen = expected_head is None
    number = 0
    for number, raw in _lines(path):
        problem = _line_problem(raw, previous)
        if problem:
            return LogVerification(number - 1, previous, bad_line=number, problem=problem)
        entry = _parse_line(raw)
        previous = LogHead(seq=int(entry["seq"]), hash=str(entry["hash"]))
        if expected_head is not None and previous.seq == expected_head.seq:
            if not hmac.compare_digest(previous.hash, expected_head.hash):
                return LogVerification(
                    number - 1,
                    previous,
                    bad_line=number,
                    problem="differs from the recorded head",
                )
            head_seen = True
    if not head_seen:
        return LogVerification(
            number, previous, bad_line=number + 1, problem="the recorded head is missing"
        )
    return LogVerification(number, previous)


def lines_after(path: Path, after: int, *, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` lines with a sequence number above `after`, in order: what the
    worker copies into the audit log (it checks the chain itself)."""
    found: list[dict[str, Any]] = []
    for _number, raw in _lines(path):
        entry = _parse_line(raw)
        if int(entry["seq"]) > after:
            found.append(entry)
            if len(found) >= limit:
                break
    return found


def check_recorded(path: Path, recorded: Mapping[int, str]) -> LogVerification:
    """Check the chain, and that every line the audit log recorded (by sequence number)
    still carries the hash recorded: a forger who rewrites the whole chain after an edit
    passes the chain check but not this one."""
    result = verify_log(path)
    if not result.ok:
        return result
    seen: set[int] = set()
    for number, raw in _lines(path):
        entry = _parse_line(raw)
        seq = int(entry["seq"])
        if seq in recorded:
            seen.add(seq)
            if not hmac.compare_digest(str(entry["hash"]), recorded[seq]):
                return LogVerification(
                    number - 1,
                    result.head,
                    bad_line=number,
                    problem="differs from the line the audit log recorded",
                )
    if len(seen) != len(recorded):
        return LogVerification(
            result.lines,
            result.head,
            bad_line=min(set(recorded) - seen),
            problem="was recorded in the audit log and is missing",
        )
    return result


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        # Read at most one line longer than keyd writes, so a huge line is never held whole.
        yield from enumerate(iter(lambda: handle.readline(MAX_LINE + 1), b""), start=1)


def _parse_line(raw: bytes) -> dict[str, Any]:  # Any: fields are checked where they are read
    """One line as a JSON object within the reader's limits (InputRefused, ValueError)."""
    entry = parse_json(decode_text(raw))
    if not isinstance(entry, dict):
        raise ValueError
    return dict(entry)


def _line_problem(raw: bytes, previous: LogHead) -> str:
    if len(raw) > MAX_LINE:
        return "is longer than keyd writes a line"
    if not raw.endswith(b"\n"):
        return "is cut short"
    try:
        entry = _parse_line(raw)
        seq, stored, prev = int(entry["seq"]), str(entry["hash"]), str(entry["prev"])
        missing = [name for name in (*FIELDS, "at") if not isinstance(entry.get(name), str)]
    except (InputRefused, ValueError, KeyError, TypeError):
        return "is not a log line"
    if missing:
        return "is not a log line"
    if seq != previous.seq + 1:
        return f"has sequence {seq}, expected {previous.seq + 1}"
    if prev != previous.hash:
        return "does not follow the line before it"
    if not hmac.compare_digest(entry_hash(entry), stored):
        return "was changed"
    return ""
