"""Second factors that keyd checks: the login's TOTP code goes to keyd, which answers
with a ticket bound to the person; the session keeps it and every unwrap carries it.

    if keyd_checks_factors() and not enrolled_in_keyd(staff): ...   # re-enrol once
    ticket = log_in_through_keyd(staff, code)                      # None if keyd refused
    keep_ticket(request, ticket)

A first factor needs the enrolment code keyd made when the account was created or its
factors reset (ENROLMENT_CODE, typed on the enrolment page; decision 0012). Migration:
`corridor factors adopt` moves the old TOTP secrets into keyd; someone keyd still holds
no factor for proves the old device once, then enrols with an enrolment code (the old
device is deleted). Nobody can log in while keyd is sealed: the secrets are sealed under
its key.
"""

from __future__ import annotations

import base64
import contextlib
import logging
from urllib.parse import quote

import segno
from django.conf import settings
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.factors import TotpEnrolment, remaining_backup_codes
from corridor.accounts.models import Staff
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import VAULT_FAILURES, VaultError

logger = logging.getLogger(__name__)
TICKET = "corridor_keyd_ticket"
REENROL = "corridor_keyd_reenrol"
# The enrolment code keyd made for a first factor, as the person typed it; kept in the
# session only until the enrolment ends (keyd spends it then).
ENROLMENT_CODE = "corridor_keyd_enrolment_code"


def keyd_checks_factors() -> bool:
    """True under keyd, and under the demo's file provider unless the ledger is off (tests)."""
    if settings.CORRIDOR_KEY_PROVIDER == "keyd":
        return True
    return bool(getattr(settings, "CORRIDOR_KEY_LEDGER_ENFORCED", True))


def enrolled_in_keyd(staff: Staff) -> bool:
    return vault_ledger.enrolled(staff.pk)


def log_in_through_keyd(staff: Staff, code: str) -> str | None:
    """keyd's ticket for this person if keyd accepts the code, else None."""
    try:
        return vault_ledger.log_in(staff.pk, code)
    except vault_ledger.TicketRefused:
        return None


def log_in_with_backup_code(staff: Staff, code: str) -> str | None:
    """keyd's ticket for this person if keyd spends the backup code, else None."""
    try:
        return vault_ledger.log_in_with_backup_code(staff.pk, code)
    except vault_ledger.TicketRefused:
        return None


def backup_codes_left(staff: Staff) -> int:
    """Unspent backup codes: keyd's where keyd checks factors (plus old ones not yet
    replaced by a re-enrolment), else the data database's."""
    left = remaining_backup_codes(staff)
    if keyd_checks_factors():
        with contextlib.suppress(*VAULT_FAILURES):
            left += vault_ledger.backup_codes_left(staff.pk)
    return left


def begin_keyd_enrolment(staff: Staff, enrolment_token: str | None = None) -> TotpEnrolment:
    """The secret that keyd made and keeps for this enrolment, as a QR code drawn here:
    the same one on every page until a code confirms it or it is cancelled. A first
    factor needs the person's enrolment code (TicketRefused, reason `enrolment`)."""
    secret = vault_ledger.begin_enrolment(staff.pk, enrolment_token=enrolment_token)
    encoded = base64.b32encode(secret).decode("ascii").rstrip("=")
    issuer = settings.OTP_TOTP_ISSUER
    uri = (
        f"otpauth://totp/{quote(f'{issuer}:{staff.username}')}?secret={encoded}"
        f"&issuer={quote(issuer)}&algorithm=SHA1&digits=6&period=30"
    )
    qr = segno.make(uri, error="m")
    return TotpEnrolment(
        device_id=0, secret_base32=encoded, qr_data_uri=qr.svg_data_uri(scale=5, border=2)
    )


def cancel_keyd_enrolment(staff: Staff, enrolment_token: str | None = None) -> None:
    """The person gave up this enrolment: keyd drops its secret (the next one is new)."""
    with contextlib.suppress(vault_ledger.TicketRefused):
        vault_ledger.begin_enrolment(staff.pk, restart=True, enrolment_token=enrolment_token)


def confirm_keyd_enrolment(
    staff: Staff, code: str, enrolment_token: str | None = None
) -> str | None:
    """keyd's ticket once the first code from the new secret is right (keyd spends the
    enrolment code then); the TOTP secrets in the data database are deleted (keyd holds
    the factor now)."""
    try:
        ticket = vault_ledger.confirm_enrolment(staff.pk, code, enrolment_token=enrolment_token)
    except vault_ledger.TicketRefused:
        return None
    TOTPDevice.objects.filter(user=staff).delete()
    return ticket


def keep_ticket(request: HttpRequest, ticket: str) -> None:
    request.session[TICKET] = ticket


def forget_ticket(request: HttpRequest) -> None:
    """At logout: keyd forgets the ticket too (best effort: a sealed keyd has it expire)."""
    ticket = request.session.get(TICKET)
    if isinstance(ticket, str):
        with contextlib.suppress(VaultError):
            vault_ledger.end_ticket(ticket)


def end_all_tickets(staff: Staff) -> None:
    """keyd ends every login of this person too. Best effort: a sealed or unreachable keyd
    (or a caller without a ticket) leaves them to expire within 8 hours; it is logged."""
    try:
        vault_ledger.end_all_tickets(staff.pk)
    except VAULT_FAILURES:
        logger.warning("keyd kept the tickets", extra={"event": "keyd.tickets_kept"})
