"""Shared helpers for the audit tests: writing events and reaching past the triggers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.audit.services import record_event
from corridor.audit.triggers import drop_append_only_triggers, install_append_only_triggers
from corridor.core.actors import SystemActor

WORKER = SystemActor("worker")


def record(*, actor: Any = WORKER, event: Any = EventType.LOGOUT, **fields: Any) -> AuditEntry:
    return record_event(actor=actor, event=event, **fields)


def record_many(count: int) -> list[AuditEntry]:
    """`count` varied events: different actors, types, objects, cases and details."""
    types = list(EventType)
    entries = []
    for number in range(count):
        entries.append(
            record_event(
                actor=SystemActor(f"tester{number % 3}"),
                event=types[number % len(types)],
                object_type="accounts.staff" if number % 2 else "",
                object_id=str(number * 7) if number % 2 else "",
                case_id=f"CR-{number:04d}-TEST" if number % 3 == 0 else "",
                reason="check" if number % 4 == 0 else "",
                detail={"n": number, "kind": f"k{number % 5}"} if number % 2 else None,
            )
        )
    return entries


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """Tamper like an operator with a SQL prompt: without the append-only triggers."""
    drop_append_only_triggers(connection)
    try:
        yield
    finally:
        install_append_only_triggers(connection)


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
