"""Structured logs that cannot carry personal data by accident.

The formatter writes an allow-list of fields as one JSON object per line: no
request objects, no exception messages (a database error's DETAIL line quotes
the values it rejected), no query strings and no client addresses.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime

from corridor.core.disk_full import CAUSE as DISK_FULL
from corridor.core.disk_full import is_disk_full

_QUERY_STRING = re.compile(r"\?[^\s'\"]*")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b")
# Attributes a caller may attach with extra={...}; each holds ids or codes only.
ALLOWED_EXTRAS = ("event", "status_code", "task", "job", "count", "cause")


def scrub(text: str) -> str:
    """Remove query strings and network addresses from a log message."""
    text = _QUERY_STRING.sub("?[removed]", text)
    text = _IPV4.sub("[address]", text)
    return _IPV6.sub("[address]", text)


class ScrubFilter(logging.Filter):
    """Drop request objects and scrub the message before any handler sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.security.DisallowedHost":
            # The rejected Host header is attacker-chosen text; its existence is enough.
            record.msg, record.args = "Invalid Host header", None
        record.msg = scrub(record.getMessage())
        record.args = None
        for attribute in ("request", "server_time"):
            if hasattr(record, attribute):
                delattr(record, attribute)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line from an allow-list of fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key in ALLOWED_EXTRAS:
            value = getattr(record, key, None)
            if isinstance(value, str | int):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            # "OperationalError" alone does not tell an operator to free space.
            if is_disk_full(record.exc_info[1]):
                entry["cause"] = DISK_FULL
            # Where it happened, without the message or local values.
            entry["stack"] = [
                f"{frame.filename.rsplit('/site-packages/', 1)[-1]}:{frame.lineno}:{frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ][-8:]
        return json.dumps(entry, ensure_ascii=False)
