"""Logging a test client in the way a person does: password, then a TOTP code (which keyd
checks when it holds the factors: under keyd, or the file provider with its ledger on)."""

from __future__ import annotations

import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.keyd_login import keyd_checks_factors
from tests.factories import TEST_PASSWORD, totp_device
from tests.ledger_helpers import admit

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the authenticator app would show now (or `offset_steps` steps away)."""
    return f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=offset_steps):06d}"


def form_token(client, path: str) -> str:
    """The CSRF token of the form on `path`, as a browser would send it back."""
    match = _TOKEN.search(client.get(path).content.decode())
    return match.group(1) if match else ""


def log_in(client, staff, device: TOTPDevice | None = None) -> None:
    """Password, then TOTP, through the real views (with their CSRF tokens). Creates a TOTP
    device if none is given."""
    device = device or totp_device(staff)
    if keyd_checks_factors():
        # keyd checks the code: it holds the same secret, as after a re-enrolment.
        admit(staff, device.bin_key)
    response = client.post(
        "/",
        {
            "username": staff.username,
            "password": TEST_PASSWORD,
            "csrfmiddlewaretoken": form_token(client, "/"),
        },
    )
    assert response.status_code == 302, response.content[:300]
    response = client.post(
        "/login/verify/",
        {"code": current_code(device), "csrfmiddlewaretoken": form_token(client, "/login/verify/")},
    )
    assert response.status_code == 302, response.content[:300]
