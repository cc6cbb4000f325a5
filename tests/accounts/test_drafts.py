"""Form drafts: a session that ends mid-form keeps the text, sealed, and gives it back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings

from corridor.accounts.drafts import purge_old_drafts
from corridor.accounts.models import Draft
from corridor.vault.models import DestroyedKey, WrappedKey
from tests.accounts import draft_views
from tests.accounts.helpers import current_code, form_token, log_in
from tests.factories import TEST_PASSWORD, totp_device
from tests.keys import vault_keys  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.django_db(databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def token(client) -> str:
    return form_token(client, "/notes/")


def raw_rows() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_draft")
        return repr(cursor.fetchall()).encode()


@override_settings(ROOT_URLCONF="tests.accounts.draft_views")
def test_text_typed_when_the_session_ends_comes_back_after_login(
    csrf_client, staff, canary, time_machine
):
    """Idle logout during a long note: the note is sealed, then restored after logging in."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    device = totp_device(staff)
    log_in(csrf_client, staff, device)
    csrf = token(csrf_client)
    time_machine.shift(timedelta(minutes=20))
    response = csrf_client.post(
        "/notes/", {"note": f"caller said {canary}", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert canary.encode() not in raw_rows()
    assert Draft.objects.filter(staff=staff, form_path="/notes/").count() == 1

    time_machine.shift(timedelta(minutes=1))
    csrf_client.post(
        "/",
        {
            "username": staff.username,
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": form_token(csrf_client, "/"),
        },
    )
    back = csrf_client.post(
        "/login/verify/",
        {
            "code": current_code(device),
            "csrfmiddlewaretoken": form_token(csrf_client, "/login/verify/"),
        },
    )
    assert back["Location"] == "/notes/"
    assert canary in csrf_client.get("/notes/").content.decode()

    csrf_client.post(
        "/notes/", {"note": f"caller said {canary}", "csrfmiddlewaretoken": token(csrf_client)}
    )
    assert draft_views.SAVED[-1] == f"caller said {canary}"
    assert not Draft.objects.filter(staff=staff).exists()


@override_settings(ROOT_URLCONF="tests.accounts.draft_views")
def test_a_forged_post_to_an_expired_session_is_not_kept(csrf_client, staff, time_machine):
    """Without our CSRF token nothing is stashed: no one can plant text in a draft."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    log_in(csrf_client, staff)
    time_machine.shift(timedelta(minutes=20))
    csrf_client.post("/notes/", {"note": "planted"})
    assert not Draft.objects.exists()


@override_settings(ROOT_URLCONF="tests.accounts.draft_views")
def test_passwords_and_codes_are_never_kept(csrf_client, staff, time_machine):
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    log_in(csrf_client, staff)
    csrf = token(csrf_client)
    time_machine.shift(timedelta(minutes=20))
    csrf_client.post(
        "/notes/", {"password": "secret value", "code": "123456", "csrfmiddlewaretoken": csrf}
    )
    assert not Draft.objects.exists()


def test_autosave_endpoint_keeps_and_replaces_the_draft(client, staff, canary):
    log_in(client, staff)
    for text in ("first", canary):
        response = client.post(
            "/session/draft/",
            {"path": "/notes/", "fields": {"note": text}},
            content_type="application/json",
        )
        assert response.json() == {"saved": True}
    assert Draft.objects.filter(staff=staff).count() == 1
    assert canary.encode() not in raw_rows()


@pytest.mark.parametrize(
    "payload",
    [{"path": "https://evil.example/", "fields": {}}, {"path": "/x/", "fields": {"a": 1}}, {}],
)
def test_autosave_refuses_odd_payloads(client, staff, payload):
    log_in(client, staff)
    response = client.post("/session/draft/", payload, content_type="application/json")
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_drafts_older_than_a_day_are_shredded(
    client, staff, time_machine, django_capture_on_commit_callbacks
):
    """The purge deletes the draft and destroys its key."""
    time_machine.move_to("2026-05-01 10:00:00Z", tick=False)
    log_in(client, staff)
    client.post(
        "/session/draft/",
        {"path": "/notes/", "fields": {"note": "x"}},
        content_type="application/json",
    )
    key_id = Draft.objects.get().key_id
    time_machine.shift(timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        purge_old_drafts()
    assert not Draft.objects.exists()
    assert not WrappedKey.objects.filter(pk=key_id).exists()
    assert DestroyedKey.objects.filter(pk=key_id).exists()
