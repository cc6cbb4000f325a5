"""Logging a test client in the way a person does: password, then a TOTP code."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import TEST_PASSWORD


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the authenticator app would show now (or `offset_steps` steps away)."""
    return f"{totp(device.bin_key, step=30, t0=0, digits=6, drift=offset_steps):06d}"


def log_in(client, staff, device: TOTPDevice | None = None) -> None:
    """Password, then TOTP, through the real views. Creates a TOTP device if none is given."""
    device = device or TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)
    response = client.post("/", {"username": staff.username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    response = client.post("/login/verify/", {"code": current_code(device)})
    assert response.status_code == 302, response.content[:300]
