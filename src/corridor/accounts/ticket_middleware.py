"""Every unwrap a request makes carries the ticket keyd issued at this person's login."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from corridor.accounts.keyd_login import TICKET
from corridor.vault.ledger import acting_with


class KeydTicketMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        ticket = request.session.get(TICKET)
        with acting_with(ticket if isinstance(ticket, str) else None):
            return self.get_response(request)
