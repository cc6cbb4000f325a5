"""Fixtures for the staff pages about cases: the full case, and people logged in."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import current_code, form_token, log_in
from tests.factories import TEST_PASSWORD
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.security.case_fixture import build_case


@pytest.fixture
def fx(vault_keys):  # noqa: F811 - the imported fixture
    return build_case()


def client_for(staff) -> Client:
    """A browser logged in as `staff` (password, then a TOTP code)."""
    client = Client()
    device = TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    log_in(client, staff, device)
    client.device = device  # type: ignore[attr-defined]
    return client


def reauthenticate(client: Client, staff) -> None:
    """Confirm password and code again, as the re-authentication page asks (the code must
    be from a later 30-second step than the last one used)."""
    response = client.post(
        "/account/reauth/",
        {
            "password": TEST_PASSWORD,
            "code": current_code(client.device),  # type: ignore[attr-defined]
            "csrfmiddlewaretoken": form_token(client, "/account/reauth/"),
        },
    )
    assert response.status_code == 302, response.content[:300]
