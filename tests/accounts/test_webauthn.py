"""C4 with crafted WebAuthn data: the right assertion logs in; a wrong origin, a wrong RP ID,
a regressed sign counter or a missing user verification is refused."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.soft_authenticator import SoftAuthenticator
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGGED_IN = b"Logged in as"


@pytest.fixture
def key(staff):
    authenticator = SoftAuthenticator(origin=settings.CORRIDOR_PUBLIC_ORIGIN)
    authenticator.register(staff)
    return authenticator


def begin(client) -> str:
    response = client.post("/login/webauthn/options/", content_type="application/json")
    assert response.status_code == 200
    return str(response.json()["challenge"])


def complete(client, assertion):
    return client.post(
        "/login/webauthn/complete/", json.dumps(assertion), content_type="application/json"
    )


def test_password_then_security_key_logs_in(client, staff, key):
    client.post("/", {"username": staff.username, "password": TEST_PASSWORD})
    challenge = begin(client)
    response = complete(client, key.assertion(challenge, user_verified=False))
    assert response.status_code == 200
    assert response.json() == {"redirect": "/"}
    assert LOGGED_IN in client.get("/").content


def test_a_passkey_alone_logs_in_with_user_verification(client, staff, key):
    challenge = begin(client)
    assert complete(client, key.assertion(challenge)).status_code == 200
    assert client.session["corridor_method"] == "passkey"


def test_a_passkey_alone_without_user_verification_is_refused(client, staff, key):
    """Without a password, the key must prove its owner (PIN or biometric)."""
    challenge = begin(client)
    response = complete(client, key.assertion(challenge, user_verified=False))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        ({"origin": "http://evil.example"}, "wrong_origin"),
        ({"rp_id": "evil.example"}, "wrong_rp_id"),
    ],
)
def test_assertions_for_another_site_are_refused(client, staff, key, forge, reason):
    """A phishing site relaying the ceremony produces the wrong origin or RP ID: refused."""
    from corridor.accounts.webauthn import FactorRejected, authenticate_credential

    challenge = begin(client)
    response = complete(client, key.assertion(challenge, **forge))
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    # The same forged data through the service names the reason that is audited.
    with pytest.raises(FactorRejected) as refused:
        _complete_through_service(client, key, forge, authenticate_credential)
    assert refused.value.reason == reason


def _complete_through_service(client, key, forge, authenticate_credential):
    from django.test import RequestFactory

    from corridor.accounts.webauthn import authentication_options

    request = RequestFactory().post("/")
    request.session = client.session
    options = authentication_options(request, staff=None)
    return authenticate_credential(
        request, staff=None, response=key.assertion(options["challenge"], **forge)
    )


def test_a_regressed_sign_counter_is_refused(client, staff, key):
    """A counter that goes backwards means a cloned key: refused with that reason."""
    from corridor.accounts.webauthn import FactorRejected, authenticate_credential

    assert complete(client, key.assertion(begin(client), sign_count=10)).status_code == 200
    client.post("/logout/")
    with pytest.raises(FactorRejected) as refused:
        _complete_through_service(client, key, {"sign_count": 5}, authenticate_credential)
    assert refused.value.reason == "sign_count_regressed"


def test_a_challenge_is_usable_once(client, staff, key):
    challenge = begin(client)
    assertion = key.assertion(challenge)
    assert complete(client, assertion).status_code == 200
    client.post("/logout/")
    assert complete(client, assertion).status_code == 400


def test_a_locked_username_still_logs_in_with_a_passkey(client, staff, key, time_machine):
    """A burst of failed passwords locks the username, but the passkey still works."""
    TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    for minute in range(6):
        time_machine.move_to(f"2026-05-01 10:0{minute}:00Z", tick=False)
        client.post("/", {"username": staff.username, "password": "guess"})
    assert (
        client.post("/", {"username": staff.username, "password": TEST_PASSWORD}).status_code == 429
    )
    assert complete(client, key.assertion(begin(client))).status_code == 200
    assert LOGGED_IN in client.get("/").content


def test_a_disabled_credential_is_refused(client, staff, key):
    from django_otp_webauthn.models import WebAuthnCredential

    WebAuthnCredential.objects.filter(user=staff).update(confirmed=False)
    assert complete(client, key.assertion(begin(client))).status_code == 400


def test_malformed_json_is_a_clear_400(client):
    response = client.post(
        "/login/webauthn/complete/", b"{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize("body", [b"[" * 60_000, b'{"a": ' + b"9" * 5000 + b"}", b"\xff{}"])
def test_json_too_deep_too_long_or_not_utf8_is_a_clear_400(client, body):
    """Nesting that would exhaust json.loads' recursion limit is a 400 like any bad body."""
    response = client.post("/login/webauthn/complete/", body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_no_sms_or_email_factor_is_installed():
    """ASVS 6.6.1: no SMS or e-mail one-time codes exist in this installation."""
    banned = ("otp_email", "otp_twilio", "sms", "phonenumber_field", "two_factor")
    assert [app for app in settings.INSTALLED_APPS if any(b in app for b in banned)] == []


def test_a_passkey_login_while_keyd_is_sealed_says_so_and_is_recorded(
    client, staff, key, monkeypatch
):
    """keyd checks every passkey login: sealed, it is a 503 that says nobody can log in
    until it is unsealed (not "the key was not accepted"), no session, and the failure
    is in the audit log like any other page's."""
    from corridor.accounts import keyd_login
    from corridor.audit.events import EventType
    from corridor.audit.models import AuditEntry
    from corridor.vault import ledger
    from corridor.vault.errors import VaultSealed

    def sealed(*_args, **_kwargs):
        raise VaultSealed("sealed")

    monkeypatch.setattr(keyd_login, "keyd_checks_factors", lambda: True)
    monkeypatch.setattr(ledger, "passkey_challenge", sealed)
    monkeypatch.setattr(ledger, "log_in_with_passkey", sealed)
    client.post("/", {"username": staff.username, "password": TEST_PASSWORD})
    response = complete(client, key.assertion(begin(client), user_verified=False))
    assert response.status_code == 503
    assert "sealed" in response.json()["error"]
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(event_type=EventType.KEYS_UNAVAILABLE).exists()
