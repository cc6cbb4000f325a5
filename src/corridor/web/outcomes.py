"""One-click changes (a button, no page of its own): run the service, then say how it went."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest

from corridor.core.exceptions import CorridorError

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


def carry_out(request: HttpRequest, action: Callable[[], object], *, done: StrPromise) -> None:
    """Run `action`; flash `done`, or the service's own sentence when it refuses. Both are
    fixed sentences: nothing a person typed reaches the session's message store."""
    try:
        action()
    except CorridorError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, done)
