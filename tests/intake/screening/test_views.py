"""The screening pages: the call form, the verifier's request page, the watchlist, the
board's overdue requests and the case's thread link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.core import clock
from corridor.intake.models import Outcome, Request, Status, WatchEntry
from corridor.intake.services.decisions import record_decision
from tests.accounts.helpers import form_token, log_in
from tests.factories import staff_with
from tests.intake.screening.helpers import screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def client_of(staff) -> Client:
    client = Client()
    log_in(client, staff)
    return client


def test_an_operator_records_and_escalates_a_call(vault_keys):
    coordinator = staff_with(Role.COORDINATOR)
    operator = staff_with(Role.HOTLINE_OPERATOR)
    client = client_of(operator)
    page = client.get("/requests/hotline/").content.decode()
    assert "data-draft" in page
    assert page.index('id="triage"') < page.index('id="details"')
    token = form_token(client, "/requests/hotline/")
    empty = client.post("/requests/hotline/", {"csrfmiddlewaretoken": token, "full_name": "X Y"})
    assert empty.status_code == 400
    assert not Request.objects.exists()
    response = client.post(
        "/requests/hotline/",
        {
            "csrfmiddlewaretoken": token,
            "danger_now": "yes",
            "can_talk": "no",
            "where": "Грозный",
            "full_name": "Магомед Хасанов",
            "escalate": "1",
        },
    )
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.recorded_by == operator
    assert StaffAlert.objects.filter(code="hotline_escalation", case_ref=request.reference).exists()
    assert "Магомед" not in response["Location"]
    dashboard = client_of(coordinator).get("/").content.decode()
    assert 'data-alert="hotline_escalation"' in dashboard
    assert request.reference in dashboard
    assert client_of(staff_with(Role.VERIFIER)).get("/requests/hotline/").status_code == 403


def test_the_verifier_sees_signals_in_words_and_decides(vault_keys, fast_kdf):
    screened(name_to_use="Магомед Хасанов", safe_contact="+7 928 123-45-67")
    second = screened(name_to_use="Magomet Hasanov", safe_contact="89281234567")
    verifier = staff_with(Role.VERIFIER)
    client = client_of(verifier)
    url = f"/requests/{second.pk}/"
    page = client.get(url).content.decode()
    assert 'data-signal="duplicate_name"' in page
    assert "Same phone number as another request" in page
    assert 'id="decision"' in page
    token = form_token(client, url)
    refused = client.post(f"{url}decide/", {"csrfmiddlewaretoken": token, "outcome": "accept"})
    assert refused.status_code == 302
    assert Request.objects.get(pk=second.pk).status == Status.IN_VERIFICATION
    client.post(f"{url}decide/", {"csrfmiddlewaretoken": token, "outcome": "accept_provisional"})
    assert Request.objects.get(pk=second.pk).status == Status.PROVISIONAL
    operator = client_of(staff_with(Role.HOTLINE_OPERATOR))
    assert operator.post(f"{url}decide/", {"csrfmiddlewaretoken": token}).status_code in (403, 404)


def test_overdue_provisional_and_suspected_requests_show_on_the_board(vault_keys, fast_kdf):
    verifier = staff_with(Role.VERIFIER)
    coordinator = staff_with(Role.COORDINATOR)
    provisional = screened()
    suspected = screened()
    record_decision(actor=verifier, request_id=provisional.pk, outcome=Outcome.ACCEPT_PROVISIONAL)
    record_decision(actor=verifier, request_id=suspected.pk, outcome=Outcome.SUSPECTED)
    client = client_of(coordinator)
    board = client.get("/board/").content.decode()
    assert provisional.reference not in board
    with time_machine.travel(clock.now() + timedelta(hours=73)):
        board = client_of(coordinator).get("/board/").content.decode()
    assert f'data-request="{provisional.reference}"' in board
    assert f'data-request="{suspected.reference}"' in board
    assert "Provisional: full verification overdue" in board


def test_the_case_page_links_the_thread_it_was_accepted_from(vault_keys, fast_kdf):
    coordinator = staff_with(Role.COORDINATOR)
    request = screened(name_to_use="Магомед Хасанов")
    accepted = record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    page = client_of(coordinator).get(f"/cases/{accepted.case.ref}/").content.decode()
    assert f'href="/requests/{request.pk}/"' in page


def test_the_watchlist_page_is_for_coordinators(vault_keys):
    coordinator = staff_with(Role.COORDINATOR)
    client = client_of(coordinator)
    token = form_token(client, "/watchlist/")
    response = client.post(
        "/watchlist/",
        {"csrfmiddlewaretoken": token, "kind": "relative", "phone": "+7 928 111-22-33"},
    )
    assert response.status_code == 302
    assert "+7 928 111-22-33" in client.get("/watchlist/").content.decode()
    assert (
        client.post("/watchlist/", {"csrfmiddlewaretoken": token, "kind": "relative"}).status_code
        == 400
    )
    entry = WatchEntry.objects.get()
    assert (
        client.post(f"/watchlist/{entry.pk}/remove/", {"csrfmiddlewaretoken": token}).status_code
        == 302
    )
    assert (
        client.post(f"/watchlist/{entry.pk}/remove/", {"csrfmiddlewaretoken": token}).status_code
        == 404
    )
    for role in (Role.VERIFIER, Role.HOTLINE_OPERATOR, Role.CASEWORKER):
        assert client_of(staff_with(role)).get("/watchlist/").status_code == 403


def test_decisions_and_calls_refused_cleanly(vault_keys, fast_kdf, settings):
    """A decision without an outcome comes back with an error, an unknown request is a
    404, and a sealed key service leaves the call form filled with a clear message."""
    verifier = client_of(staff_with(Role.VERIFIER))
    request = screened()
    url = f"/requests/{request.pk}/"
    token = form_token(verifier, url)
    response = verifier.post(f"{url}decide/", {"csrfmiddlewaretoken": token}, follow=True)
    assert response.status_code == 200
    assert Request.objects.get(pk=request.pk).status == Status.IN_VERIFICATION
    missing = "/requests/00000000-0000-0000-0000-000000000000/decide/"
    assert (
        verifier.post(missing, {"csrfmiddlewaretoken": token, "outcome": "decline"}).status_code
        == 404
    )
    operator = client_of(staff_with(Role.HOTLINE_OPERATOR))
    token = form_token(operator, "/requests/hotline/")
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    sealed = operator.post(
        "/requests/hotline/",
        {"csrfmiddlewaretoken": token, "danger_now": "yes", "can_talk": "yes", "where": "Шали"},
    )
    assert sealed.status_code == 503
    assert "Шали" in sealed.content.decode()
    assert Request.objects.count() == 1
