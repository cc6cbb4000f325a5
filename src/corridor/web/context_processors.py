"""Template context for staff pages: whether the key that unlocks every case is on this disk."""

from __future__ import annotations

from django.http import HttpRequest

from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.providers import key_provider


def key_warning(request: HttpRequest) -> dict[str, object]:
    """`corridor_key_on_disk` is true while the demo `file` provider holds the KEK."""
    try:
        on_disk = key_provider().holds_key_on_disk
    except KeyProviderUnavailable:
        # The file provider refused in production: nothing is on disk to warn about.
        on_disk = False
    return {"corridor_key_on_disk": on_disk}
