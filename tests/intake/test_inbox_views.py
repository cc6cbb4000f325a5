"""The staff inbox: who may open it, opening and reading a request, replying."""

from __future__ import annotations

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.intake.models import Message, Request
from tests.accounts.helpers import form_token, log_in
from tests.factories import staff_with, write

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def client_for(role: Role) -> Client:
    client = Client()
    log_in(client, staff_with(role))
    return client


@pytest.mark.parametrize("role", list(Role))
def test_the_inbox_opens_for_verifiers_coordinators_and_hotline_operators(
    vault_keys, fast_kdf, role
):
    client = client_for(role)
    allowed = role in (Role.VERIFIER, Role.COORDINATOR, Role.HOTLINE_OPERATOR)
    assert client.get("/requests/").status_code == (200 if allowed else 403)
    assert (b'href="/requests/"' in client.get("/").content) is allowed


def test_the_list_shows_references_and_unread_counts_never_personal_data(
    vault_keys, fast_kdf, canary
):
    written = write(story=f"История {canary}")
    page = client_for(Role.VERIFIER).get("/requests/").content.decode()
    assert written.request.reference in page
    assert canary not in page
    dashboard = client_for(Role.COORDINATOR).get("/").content.decode()
    assert 'href="/requests/"' in dashboard
    assert "1 " in dashboard


def test_opening_then_reading_then_replying(vault_keys, fast_kdf, canary):
    written = write(story=f"История {canary}", urgency="now", documents_held=["military_id"])
    client = client_for(Role.VERIFIER)
    url = f"/requests/{written.request.id}/"
    sealed = client.get(url)
    assert sealed.status_code == 200
    assert canary not in sealed.content.decode()
    opened = client.post(f"{url}open/", {"csrfmiddlewaretoken": form_token(client, url)})
    assert opened.status_code == 302
    assert opened["Location"] == url
    page = client.get(url).content.decode()
    assert f"История {canary}" in page
    assert "I am in danger right now" in page
    assert "Military ID" in page
    reply = client.post(
        url, {"text": "Мы на связи", "csrfmiddlewaretoken": form_token(client, url)}
    )
    assert reply.status_code == 302
    assert Message.objects.filter(author="team").count() == 1
    # Each page showing the opened request is one recorded read (the page, and its form).
    assert AuditEntry.objects.filter(event_type=EventType.REQUEST_READ.value).count() == 2


def test_an_empty_reply_comes_back_with_an_error(vault_keys, fast_kdf):
    written = write()
    client = client_for(Role.COORDINATOR)
    url = f"/requests/{written.request.id}/"
    client.post(f"{url}open/", {"csrfmiddlewaretoken": form_token(client, url)})
    response = client.post(url, {"text": " ", "csrfmiddlewaretoken": form_token(client, url)})
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_a_caseworker_off_the_case_and_an_unknown_request_get_404(vault_keys, fast_kdf):
    """A caseworker reads only the threads of their own cases; others look missing."""
    written = write()
    assert client_for(Role.CASEWORKER).get(f"/requests/{written.request.id}/").status_code == 404
    verifier = client_for(Role.VERIFIER)
    assert verifier.get("/requests/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_hotline_operator_cannot_open_portal_requests(vault_keys, fast_kdf):
    written = write()
    operator = client_for(Role.HOTLINE_OPERATOR)
    url = f"/requests/{written.request.id}/"
    assert operator.get(url).status_code == 404
    token = form_token(client_for(Role.VERIFIER), "/requests/")
    response = operator.post(f"{url}open/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (403, 404)
    assert Request.objects.get().sealed_answers is not None


def test_an_unreachable_key_service_gives_a_503_naming_it_not_an_error(
    vault_keys, fast_kdf, settings
):
    written = write()
    client = client_for(Role.VERIFIER)
    url = f"/requests/{written.request.id}/"
    token = form_token(client, url)
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_SOCKET = "/tmp/no-keyd-here/d.sock"
    response = client.post(f"{url}open/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 503
    assert "The key service is not running" in response.content.decode()
    assert AuditEntry.objects.filter(event_type="vault.keys_unavailable").count() == 1
    assert Request.objects.get().sealed_answers is not None


def test_a_request_without_a_codename_shows_why_no_reply_can_reach_it(vault_keys, fast_kdf):
    from tests.factories import receive_request

    bare = receive_request("s")
    client = client_for(Role.VERIFIER)
    url = f"/requests/{bare.id}/"
    client.post(f"{url}open/", {"csrfmiddlewaretoken": form_token(client, url)})
    page = client.get(url).content.decode()
    assert 'name="text"' not in page
    response = client.post(url, {"text": "ответ", "csrfmiddlewaretoken": form_token(client, url)})
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_a_key_service_gone_after_opening_makes_the_request_page_503(
    vault_keys, fast_kdf, settings
):
    written = write()
    client = client_for(Role.VERIFIER)
    url = f"/requests/{written.request.id}/"
    client.post(f"{url}open/", {"csrfmiddlewaretoken": form_token(client, url)})
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_SOCKET = "/tmp/no-keyd-here/d.sock"
    response = client.get(url)
    assert response.status_code == 503
    assert "The key service is not running" in response.content.decode()


def test_an_unknown_request_cannot_be_opened(vault_keys, fast_kdf):
    client = client_for(Role.VERIFIER)
    token = form_token(client, "/requests/")
    missing = "/requests/00000000-0000-0000-0000-000000000000/open/"
    assert client.post(missing, {"csrfmiddlewaretoken": token}).status_code == 404
