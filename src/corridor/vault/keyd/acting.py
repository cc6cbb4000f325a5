"""Who the current request acts as towards keyd: the ticket of the logged-in person, or the
operator (keyd's admin socket; for the demo's file provider, whoever holds kek.demo).

Context variables, so each request and each thread has its own; set by the web's
middleware (`acting_with`) and by setup, the demo seed and `corridor factors` (`as_operator`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_ticket: ContextVar[str | None] = ContextVar("corridor_keyd_ticket", default=None)
_operator: ContextVar[bool] = ContextVar("corridor_keyd_operator", default=False)


def current_ticket() -> str | None:
    """The ticket of the person this request acts for, if they logged in through keyd."""
    return _ticket.get()


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
