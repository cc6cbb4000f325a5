"""keyd's own log, copied into the audit log: every attempt, served or refused, and its hash.

keyd cannot write to the database, so the worker asks it for the lines after the last
one recorded (`log_since`, the worker's uid only) and records each as a
`vault.keyd_attempt` event carrying the line's sequence number and hash. It checks that
the lines continue the chain recorded so far; a copy that does not is recorded as
`vault.keyd_log_broken` and logged (operators alert on it). `audit verify --keyd-log
FILE` then checks keyd's file against every hash the audit log holds: whoever rewrites
keyd's log must also rewrite the audit log, whose heads are signed by keyd.

    copied = record_keyd_lines(provider.log_since)   # the worker, every minute
    result = check_keyd_log(Path("/var/lib/corridor-keyd/keyd.log"))
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.audit.services import record_event
from corridor.core.actors import SystemActor
from corridor.vault.keyd.journal import GENESIS, LogVerification, check_recorded, entry_hash

logger = logging.getLogger(__name__)
KEYD = SystemActor(name="keyd")
BATCH = 500
# The line's fields the event carries; values are keyd's ids and codes.
COPIED = ("op", "peer", "principal", "case", "key", "outcome", "detail", "at")
_PRINTABLE = re.compile(r"[A-Za-z0-9._:/@+=-]{0,200}")

Fetch = Callable[[int, int], list[dict[str, Any]]]


def last_recorded_line() -> tuple[int, str]:
    """The sequence number and hash of the last keyd line the audit log holds."""
    row = (
        AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT)
        .order_by("-seq")
        .values_list("detail", flat=True)
        .first()
    )
    if row is None:
        return 0, GENESIS
    detail = json.loads(row)
    return int(detail["keyd_seq"]), str(detail["hash"])


def recorded_lines() -> dict[int, str]:
    """Every keyd line's hash the audit log holds, by keyd sequence number."""
    recorded = {}
    rows = AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT).values_list(
        "detail", flat=True
    )
    for row in rows.iterator():
        detail = json.loads(row)
        recorded[int(detail["keyd_seq"])] = str(detail["hash"])
    return recorded


def record_keyd_lines(fetch: Fetch) -> int:
    """Copy keyd's new lines into the audit log; how many were recorded."""
    seq, previous = last_recorded_line()
    lines = fetch(seq, BATCH)
    recorded = 0
    with transaction.atomic():
        for line in lines:
            problem = _break_in(line, seq + 1, previous)
            if problem:
                record_event(
                    actor=KEYD,
                    event=EventType.KEYD_LOG_BROKEN,
                    detail={"keyd_seq": seq + 1, "problem": problem},
                )
                logger.error(
                    "keyd's log does not continue the copy in the audit log",
                    extra={"event": "audit.keyd_log_broken"},
                )
                break
            seq, previous = int(line["seq"]), str(line["hash"])
            detail: dict[str, str | int] = {"keyd_seq": seq, "hash": previous}
            for name in COPIED:
                value = str(line.get(name, ""))
                detail[name] = value if _PRINTABLE.fullmatch(value) else "unprintable"
            record_event(actor=KEYD, event=EventType.KEYD_ATTEMPT, detail=detail)
            recorded += 1
    return recorded


def _break_in(line: dict[str, Any], expected: int, previous: str) -> str:
    try:
        if int(line["seq"]) != expected:
            return "gap"
        if line["prev"] != previous:
            return "chain"
        if entry_hash(line) != line["hash"]:
            return "hash"
    except (KeyError, TypeError, ValueError):
        return "malformed"
    return ""


def check_keyd_log(path: Path) -> LogVerification:
    """keyd's log file against the lines the audit log recorded (and its own chain)."""
    return check_recorded(path, recorded_lines())
