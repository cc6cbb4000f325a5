"""Second factors: TOTP (with its QR code drawn locally) and single-use backup codes.

WebAuthn lives in webauthn.py. SMS and e-mail codes do not exist here on
purpose: both can be intercepted by a state adversary (ASVS 6.6.1).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import segno
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import BackupCode, Staff
from corridor.core import clock

BACKUP_CODE_COUNT = 10
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no look-alikes: 0/O, 1/I/L, U/V
_LOOKUP_LENGTH = 6
_SECRET_LENGTH = 12  # about 59 bits, verified with Argon2


@dataclass(frozen=True)
class TotpEnrolment:
    device_id: int
    secret_base32: str
    qr_data_uri: str


def has_confirmed_factor(staff: Staff) -> bool:
    """True once `staff` has a working second factor (TOTP or a passkey)."""
    from corridor.accounts.webauthn import has_passkey

    return TOTPDevice.objects.filter(user=staff, confirmed=True).exists() or has_passkey(staff)


def begin_totp_enrolment(*, staff: Staff, issuer: str) -> TotpEnrolment:
    """Create an unconfirmed TOTP device and its QR code (SVG, rendered here, never fetched)."""
    TOTPDevice.objects.filter(user=staff, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=staff, name="totp", confirmed=False)
    uri = _provisioning_uri(device, staff=staff, issuer=issuer)
    qr = segno.make(uri, error="m")
    return TotpEnrolment(
        device_id=device.pk,
        secret_base32=_base32(device.bin_key),
        qr_data_uri=qr.svg_data_uri(scale=5, border=2),
    )


@transaction.atomic
def confirm_totp(*, staff: Staff, device_id: int, code: str) -> bool:
    """Confirm an enrolment with the first code the app shows; False if the code is wrong."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(pk=device_id, user=staff, confirmed=False)
        .first()
    )
    if device is None or not device.verify_token(_digits(code)):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def verify_totp(*, staff: Staff, code: str) -> TOTPDevice | None:
    """The confirmed device that accepts `code`, or None.

    django-otp remembers the last accepted time step and refuses any code from
    that step or an earlier one, so a replayed code fails; it also slows down
    repeated failures per device.
    """
    token = _digits(code)
    for device in TOTPDevice.objects.select_for_update().filter(user=staff, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def replace_backup_codes(*, staff: Staff) -> list[str]:
    """Replace every backup code of `staff` with fresh ones; return them to show once."""
    BackupCode.objects.filter(staff=staff).delete()
    codes = []
    for _ in range(BACKUP_CODE_COUNT):
        lookup = _unique_lookup()
        secret = _random(_SECRET_LENGTH)
        BackupCode.objects.create(staff=staff, lookup=lookup, secret_hash=make_password(secret))
        codes.append(_format_code(lookup, secret))
    return codes


@transaction.atomic
def use_backup_code(*, staff: Staff, code: str) -> bool:
    """Spend one backup code of `staff`; False if it is wrong or already used."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(compact) != _LOOKUP_LENGTH + _SECRET_LENGTH:
        return False
    lookup, secret = compact[:_LOOKUP_LENGTH], compact[_LOOKUP_LENGTH:]
    row = (
        BackupCode.objects.select_for_update()
        .filter(staff=staff, lookup=lookup, used_at__isnull=True)
        .first()
    )
    if row is None or not check_password(secret, row.secret_hash):
        return False
    row.used_at = clock.now()
    row.save(update_fields=["used_at"])
    return True


def remaining_backup_codes(staff: Staff) -> int:
    return BackupCode.objects.filter(staff=staff, used_at__isnull=True).count()


def _provisioning_uri(device: TOTPDevice, *, staff: Staff, issuer: str) -> str:
    from urllib.parse import quote

    label = quote(f"{issuer}:{staff.username}")
    return (
        f"otpauth://totp/{label}?secret={_base32(device.bin_key)}"
        f"&issuer={quote(issuer)}&algorithm=SHA1&digits=6&period=30"
    )


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode("ascii").rstrip("=")


def _digits(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())[:8]


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _unique_lookup() -> str:
    while True:
        lookup = _random(_LOOKUP_LENGTH)
        if not BackupCode.objects.filter(lookup=lookup).exists():
            return lookup


def _format_code(lookup: str, secret: str) -> str:
    joined = lookup + secret
    return "-".join(joined[i : i + 6] for i in range(0, len(joined), 6))
