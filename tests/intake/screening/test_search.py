"""The search box: references, and people by name or phone through the blind indexes;
results within what the searcher may open, a count beyond it (rate-limited, audited and
counted toward the insider alert), and never the searched text in a URL or the log."""

from __future__ import annotations

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.services.insider import openings_last_hour
from corridor.intake.models import Method, Outcome
from corridor.intake.services import search as search_service
from corridor.intake.services.decisions import record_decision
from tests.accounts.helpers import form_token, log_in
from tests.factories import staff_with
from tests.intake.screening.helpers import screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def client_of(staff) -> Client:
    client = Client()
    log_in(client, staff)
    return client


def find(client: Client, text: str):
    token = form_token(client, "/search/")
    return client.post("/search/", {"text": text, "csrfmiddlewaretoken": token})


def test_a_reference_read_on_the_phone_finds_the_request(vault_keys, fast_kdf, verifier):
    request = screened()
    client = client_of(verifier)
    typed = request.reference.lower().replace("-", " ")
    page = find(client, typed).content.decode()
    assert f'href="/requests/{request.reference}/"' in page


def test_a_phone_in_another_format_finds_the_request_and_nothing_is_logged_in_clear(
    vault_keys, fast_kdf, verifier
):
    request = screened(name_to_use="Магомед Хасанов", safe_contact="+7 928 123-45-67")
    client = client_of(verifier)
    response = find(client, "8 (928) 123 45 67")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/requests/{request.reference}/"' in page
    assert "123 45 67" not in page  # the box comes back empty
    by_name = find(client, "Magomed Khasanov").content.decode()
    assert f'href="/requests/{request.reference}/"' in by_name
    assert "Nothing you may open matches." in find(client, "+7 999 000-00-00").content.decode()
    entries = AuditEntry.objects.filter(event_type=EventType.SEARCH_MADE.value)
    assert entries.count() == 3
    assert all("928" not in entry.detail and "Magomed" not in entry.detail for entry in entries)


def test_beyond_ones_cases_only_a_count_counted_toward_the_insider_alert(
    vault_keys, fast_kdf, coordinator
):
    request = screened(name_to_use="Анна Петрова", safe_contact="+7 928 555-44-33")
    decided = record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT, methods=[Method.CALL_HELD]
    )
    assert decided.case is not None
    outsider = staff_with(Role.CASEWORKER)
    client = client_of(outsider)
    before = openings_last_hour(outsider)
    page = find(client, "+79285554433").content.decode()
    assert "1 other case matches; ask a coordinator." in page
    assert decided.case.ref not in page
    assert request.reference not in page
    assert openings_last_hour(outsider) == before + 1
    assert AuditEntry.objects.filter(event_type=EventType.SEARCH_BEYOND.value).count() == 1
    # A case reference beyond one's cases is a count too, never a link.
    page = find(client, decided.case.ref).content.decode()
    assert "1 other case matches" in page
    assert f'href="/cases/{decided.case.ref}/"' not in page
    # The coordinator who leads the case finds it.
    page = find(client_of(coordinator), "+7 928 555 44 33").content.decode()
    assert f'href="/cases/{decided.case.ref}/"' in page


def test_searching_beyond_is_rate_limited(vault_keys, fast_kdf, coordinator, monkeypatch):
    monkeypatch.setattr(search_service, "BEYOND_PER_HOUR", 2)
    request = screened(name_to_use="Анна Петрова", safe_contact="+7 928 555-44-33")
    record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT, methods=[Method.CALL_HELD]
    )
    client = client_of(staff_with(Role.CASEWORKER))
    for _ in range(2):
        assert "1 other case matches" in find(client, "+79285554433").content.decode()
    refused = find(client, "+79285554433")
    assert refused.status_code == 400
    assert "Too many searches found cases you cannot open" in refused.content.decode()
    assert AuditEntry.objects.filter(event_type=EventType.SEARCH_BEYOND.value).count() == 2


def test_too_short_a_search_is_a_clear_error(vault_keys, fast_kdf, verifier):
    response = find(client_of(verifier), "a")
    assert response.status_code == 400
    assert "Type a reference" in response.content.decode()
    assert client_of(staff_with(Role.HOTLINE_OPERATOR)).get("/search/").status_code == 403
