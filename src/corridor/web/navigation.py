"""Navigation per role and the idle-timeout figure, for every staff page."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.accounts.sessions import seconds_until_idle
from corridor.intake.selectors import INBOX_ROLES


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url: str
    current: bool


_ITEMS: list[tuple[Promise, str, frozenset[Role] | None]] = [
    (_("Dashboard"), "web:home", None),
    (_("Board"), "web:board", frozenset({Role.COORDINATOR})),
    (_("Applications"), "web:applications", frozenset({Role.CASEWORKER, Role.COORDINATOR})),
    (_("Route catalog"), "web:catalog", frozenset({Role.ADMIN, Role.COORDINATOR})),
    (_("Requests"), "web:inbox", INBOX_ROLES),
    (_("Find"), "web:search", frozenset({Role.CASEWORKER, Role.COORDINATOR, Role.VERIFIER})),
    (_("Reports"), "web:reports", frozenset({Role.COORDINATOR, Role.AUDITOR})),
    (_("Take a call"), "web:hotline_call", frozenset({Role.HOTLINE_OPERATOR})),
    (_("Watchlist"), "web:watchlist", frozenset({Role.COORDINATOR})),
    (_("Shelters"), "web:shelters", frozenset({Role.COORDINATOR})),
    (_("Approvals"), "web:approvals", frozenset({Role.ADMIN, Role.COORDINATOR})),
    (_("Evacuation nights"), "web:surges", frozenset({Role.COORDINATOR})),
    (_("Work window"), "web:work_window", frozenset({Role.COORDINATOR})),
    (_("Import"), "web:import_cases", frozenset({Role.COORDINATOR})),
    (_("Staff accounts"), "web:staff_list", frozenset({Role.ADMIN})),
    (_("Standby"), "web:standby", frozenset({Role.ADMIN, Role.COORDINATOR})),
    (_("Exchange rates"), "web:exchange_rates", frozenset({Role.ADMIN})),
    (_("Funding sources"), "web:funding_sources", frozenset({Role.ADMIN})),
    (_("Audit log"), "web:audit_events", frozenset({Role.AUDITOR})),
    (_("My account"), "web:account", None),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, Staff):
        return {"staff_nav": []}
    roles = roles_of(user)
    items = []
    for label, name, allowed in _ITEMS:
        if allowed is None or roles & allowed:
            url = reverse(name)
            items.append(NavItem(label=label, url=url, current=request.path == url))
    return {"staff_nav": items, "idle_seconds": seconds_until_idle(request)}
