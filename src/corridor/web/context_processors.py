"""Template context for staff pages: whether the key that unlocks every case is on this disk,
and the insider-alert banner."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from corridor.accounts import surges
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.services import insider
from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.providers import key_provider

BANNER_ROLES = frozenset({Role.COORDINATOR, Role.AUDITOR})


def key_warning(request: HttpRequest) -> dict[str, object]:
    """`corridor_key_on_disk` is true while the demo `file` provider holds the KEK."""
    try:
        on_disk = key_provider().holds_key_on_disk
    except KeyProviderUnavailable:
        # The file provider refused in production: nothing is on disk to warn about.
        on_disk = False
    return {"corridor_key_on_disk": on_disk}


def insider_banner(request: HttpRequest) -> dict[str, object]:
    """Standing insider alerts and running evacuation nights, on every page of coordinators and
    auditors.

    Those are the people who must notice a colleague browsing quietly, and the nights
    that raise the threshold are shown to them for the same reason.
    """
    user = getattr(request, "user", None)
    roles = roles_of(user) if isinstance(user, Staff) else frozenset()
    if not roles & BANNER_ROLES:
        return {}
    return {
        "insider_alerts": list(insider.list_standing_alerts()[:5]),
        "running_surges": list(surges.active_surges().select_related("opened_by")),
        "insider_link": reverse("web:board") + "#insider"
        if Role.COORDINATOR in roles
        else reverse("web:audit_insider"),
    }
