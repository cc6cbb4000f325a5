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
    (_("Organisations"), "web:partners", frozenset({Role.COORDINATOR})),
    (_("Staff accounts"), "web:staff_list", frozenset({Role.ADMIN})),
    (_("Standby"), "web:standby", frozenset({Role.ADMIN, Role.COORDINATOR})),
    (_("Exchange rates"), "web:exchange_rates", frozenset({Role.ADMIN})),
    (_("Funding sources"), "web:funding_sources", frozenset({Role.ADMIN})),
    (_("Audit log"), "web:audit_events", frozenset({Role.AUDITOR})),
    (_("My account"), "web:account", None),
]

# Pages visited now and then, behind "More": a coordinator's full list wrapped to three
# lines at 1280 px and took two thirds of a phone's first screen.
_LESS_OFTEN = frozenset(
    {
        "web:watchlist",
        "web:surges",
        "web:work_window",
        "web:import_cases",
        "web:partners",
        "web:standby",
        "web:exchange_rates",
        "web:funding_sources",
        "web:account",
    }
)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, Staff):
        return {"staff_nav": []}
    roles = roles_of(user)
    items: list[NavItem] = []
    more: list[NavItem] = []
    for label, name, allowed in _ITEMS:
        if allowed is None or roles & allowed:
            url = reverse(name)
            item = NavItem(label=label, url=url, current=request.path == url)
            (more if name in _LESS_OFTEN else items).append(item)
    if len(more) == 1:  # a menu of one is a link hidden for nothing
        items, more = items + more, []
    return {
        "staff_nav": items,
        "staff_nav_more": more,
        "staff_nav_more_current": any(item.current for item in more),
        "idle_seconds": seconds_until_idle(request),
    }
