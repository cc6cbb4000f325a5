"""What `serve` and `worker` check before they start: the key provider can be reached.

The app refuses to start without its key service (SECURITY.md C16); a sealed keyd is
allowed, with a warning, because the login page, dashboards and the portal need no key.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import CommandError

from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.providers import check_key_provider

SEALED_WARNING = (
    "keyd is sealed: pages that need a case key answer 503 until the trustees run "
    "`corridor unseal`."
)


def check_keys(warn: Callable[[str], object]) -> None:
    """CommandError (exit 1) if the provider cannot be used; a warning if keyd is sealed."""
    try:
        state = check_key_provider()
    except KeyProviderUnavailable as error:
        raise CommandError(str(error)) from None
    if state == "sealed":
        warn(SEALED_WARNING)
