"""Test-only URLs: a staff page that opens a case through open_case_for_work, and one that
asks for a case key directly (as a buggy or compromised web process would). Never mounted
by the product; used with @pytest.mark.urls and by the integration test's site settings."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

from corridor.accounts.models import Staff
from corridor.cases.access import CaseNotFound, case_key
from corridor.cases.models import Case
from corridor.config.urls import handler400, handler403, handler404, handler500
from corridor.vault import ledger as vault_ledger
from corridor.vault.ledger import acting_with, current_ticket
from corridor.web.decorators import current_staff
from tests.keyd.scenario import scenario_secret
from tests.keyd.work import open_for_work
from tests.ledger_helpers import code_for

# Tickets of the people the `as/<staff>` page logs in through keyd, once per process (a
# TOTP code is accepted once): the secrets are the scenario's (tests/keyd/scenario.py).
_TICKETS: dict[int, str] = {}


def opened(request: HttpRequest, case_id: UUID, staff_id: int | None = None) -> HttpResponse:
    staff = Staff.objects.get(pk=staff_id) if staff_id else current_staff(request)
    ticket = current_ticket()
    if staff_id:
        if staff_id not in _TICKETS:
            _TICKETS[staff_id] = vault_ledger.log_in(staff_id, code_for(scenario_secret(staff_id)))
        ticket = _TICKETS[staff_id]
    try:
        with acting_with(ticket):
            work = open_for_work(staff, Case.objects.get(pk=case_id))
    except CaseNotFound:
        raise Http404 from None
    return HttpResponse(f"opened {work.case.ref} with {len(work.people)} people")


def key_only(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case_key(current_staff(request), Case.objects.get(pk=case_id))
    return HttpResponse("key")


urlpatterns = [
    path("test/cases/<uuid:case_id>/", opened),
    path("test/cases/<uuid:case_id>/as/<int:staff_id>/", opened),
    path("test/cases/<uuid:case_id>/key/", key_only),
    path("", include("corridor.config.urls")),
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
