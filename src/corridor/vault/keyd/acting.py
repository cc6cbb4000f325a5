"""Who the current request acts as towards keyd: the ticket of the logged-in person, or the
operator (keyd's admin socket; for the demo's file provider, whoever holds kek.demo).

Context variables, so each request and each thread has its own; set by the web's
middleware (`acting_with`) and by setup, the demo seed and `corridor factors` (`as_operator`);
the worker names the task it runs (`working_on`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ticket: ContextVar[str | None] = ContextVar("corridor_keyd_ticket", default=None)
_operator: ContextVar[bool] = ContextVar("corridor_keyd_operator", default=False)
_task: ContextVar[str | None] = ContextVar("corridor_keyd_task", default=None)


def current_ticket() -> str | None:
    """The ticket of the person this request acts for, if they logged in through keyd."""
    return _ticket.get()


def current_task() -> str | None:
    """The worker's task this thread runs, as keyd's per-task policy names it (worker_tasks.py)."""
    return _task.get()


@contextmanager
def working_on(task: str) -> Iterator[None]:
    """The worker runs `task`: its unwraps as `system:worker` name it to keyd."""
    token = _task.set(task)
    try:
        yield
    finally:
        _task.reset(token)


def acting_as_operator() -> bool:
    return _operator.get()


@contextmanager
def acting_with(ticket: str | None) -> Iterator[None]:
    token = _ticket.set(ticket)
    try:
        yield
    finally:
        _ticket.reset(token)


@contextmanager
def as_operator() -> Iterator[None]:
    """Ledger changes as the operator (keyd's admin socket): setup, the demo seed, commands."""
    token = _operator.set(True)
    try:
        yield
    finally:
        _operator.reset(token)
