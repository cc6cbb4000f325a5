"""What `serve` and `worker` check before they start: the key provider they are given.

A provider that can never work here (the file provider in production, a keyd that does
not serve this user) stops them (docs/security.md C16). A keyd that is sealed or not running
does not: the web server starts and pages that need a case key answer 503, because the
portal must keep accepting requests through a reboot or a crash of keyd; the worker
waits for keyd instead of exiting, so a process manager does not restart it in a loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import CommandError

from corridor.vault.errors import KeydUnreachable, KeyProviderUnavailable
from corridor.vault.keyd.config import resolve_users
from corridor.vault.providers import check_key_provider

SEALED_WARNING = (
    "keyd is sealed: pages that need a case key answer 503 until the trustees run "
    "`corridor unseal`."
)
DOWN_WARNING = (
    "{reason} Starting anyway: the portal and pages that need no key work; pages that "
    "need a case key answer 503 until keyd runs and is unsealed."
)
WAITING = "Waiting for keyd: {reason} Retrying every {seconds:g} seconds."
WAIT_SECONDS = 5.0
UNBOUND_WARNING = (
    "keyd does not tell the web, the worker and the portal apart: run each as its own "
    "user and set CORRIDOR_KEYD_WEB_USERS, CORRIDOR_KEYD_WORKER_USERS and "
    "CORRIDOR_KEYD_PORTAL_USERS (docs/operators.md)."
)
WRONG_USER = (
    "The {caller} must run as {users} ({variable}); this process runs as uid {uid}, "
    "which keyd would refuse."
)


def check_caller(caller: str, warn: Callable[[str], object]) -> None:
    """CommandError (exit 1) if keyd binds `caller` ("web", "worker", "portal") to Unix
    users and this process runs as none of them: keyd would refuse it everything it needs.
    A warning if keyd binds no caller at all (then it cannot tell them apart)."""
    if settings.CORRIDOR_KEY_PROVIDER != "keyd":
        return
    callers = settings.CORRIDOR_KEYD_CALLERS
    if not any(callers.values()):
        if settings.CORRIDOR_ENV == "production":
            warn(UNBOUND_WARNING)
        return
    users = tuple(callers.get(caller, ()))
    try:
        allowed = resolve_users(users)
    except KeyProviderUnavailable as error:
        raise CommandError(str(error)) from None
    if os.geteuid() not in allowed:
        raise CommandError(
            WRONG_USER.format(
                caller=caller,
                users=", ".join(users) or "(nobody)",
                variable=f"CORRIDOR_KEYD_{caller.upper()}_USERS",
                uid=os.geteuid(),
            )
        )


def check_keys(warn: Callable[[str], object]) -> None:
    """CommandError (exit 1) if the provider can never be used here; a warning if keyd is
    sealed or not running."""
    try:
        state = check_key_provider()
    except KeydUnreachable as down:
        warn(DOWN_WARNING.format(reason=down))
        return
    except KeyProviderUnavailable as error:
        raise CommandError(str(error)) from None
    if state == "sealed":
        warn(SEALED_WARNING)


def require_keys(warn: Callable[[str], object]) -> None:
    """CommandError (exit 1) unless keyd answers; a warning if it is sealed."""
    try:
        state = check_key_provider()
    except (KeydUnreachable, KeyProviderUnavailable) as error:
        raise CommandError(str(error)) from None
    if state == "sealed":
        warn(SEALED_WARNING)


def wait_for_keys(
    warn: Callable[[str], object],
    *,
    keep_waiting: Callable[[], bool],
    seconds: float = WAIT_SECONDS,
    sleep: Callable[[float], object] = time.sleep,
) -> bool:
    """Wait until keyd answers (sealed is fine); say once that it waits, and why.

    Returns False if `keep_waiting` turned false first (the worker was asked to stop).
    A provider that can never work here is a CommandError, as in `check_keys`.
    """
    said = ""
    while keep_waiting():
        try:
            state = check_key_provider()
        except KeydUnreachable as down:
            if str(down) != said:
                said = str(down)
                warn(WAITING.format(reason=down, seconds=seconds))
            sleep(seconds)
            continue
        except KeyProviderUnavailable as error:
            raise CommandError(str(error)) from None
        if said:
            warn("keyd answers; the worker starts.")
        if state == "sealed":
            warn(SEALED_WARNING)
        return True
    return False
