"""WebAuthn (security keys and passkeys), kept behind this module.

django-otp-webauthn is pre-1.0, so nothing else in Corridor imports it: its
helper does the ceremonies (through py_webauthn) and its model stores the
credentials; this module decides what a failure means. The relying party ID
and the one allowed origin come from CORRIDOR_PUBLIC_ORIGIN, so an assertion
made for another site, or relayed through one, is refused.

Under keyd (and the file provider's ledger) the login challenge is one keyd made,
and keyd checks the same assertion again against the public key it keeps
(accounts.authentication): only keyd's check brings a ticket. A new credential's
public key goes to keyd at registration (`register_credential`).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import ResidentKeyRequirement

from corridor.accounts import keyd_login
from corridor.accounts.models import Staff
from corridor.core.exceptions import CorridorError, KeyFailure
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import VaultError

_REGISTER_STATE = "corridor_webauthn_register"
_AUTH_STATE = "corridor_webauthn_authenticate"


class FactorRejected(CorridorError):
    """A second factor was refused; `reason` is a code for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CorridorWebAuthnHelper(WebAuthnHelper):  # type: ignore[misc]  # untyped base class
    """Passkeys (discoverable credentials) preferred, so a passkey can log in on its own."""

    challenge: bytes | None = None

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        return ResidentKeyRequirement.PREFERRED

    def get_generate_authentication_options_kwargs(
        self, *, user: Staff | None = None, require_user_verification: bool
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_generate_authentication_options_kwargs(
            user=user, require_user_verification=require_user_verification
        )
        if self.challenge is not None:
            kwargs["challenge"] = self.challenge  # keyd's: keyd accepts one answer to it
        return kwargs


def relying_party_id() -> str:
    return urlsplit(settings.CORRIDOR_PUBLIC_ORIGIN).hostname or ""


def has_passkey(staff: Staff) -> bool:
    return bool(WebAuthnCredential.objects.filter(user=staff, confirmed=True).exists())


def registration_options(request: HttpRequest, *, staff: Staff) -> dict[str, Any]:
    """Options for navigator.credentials.create(); the challenge waits in the session."""
    options, state = CorridorWebAuthnHelper(request).register_begin(user=staff)
    request.session[_REGISTER_STATE] = state
    return dict(options)


@transaction.atomic
def register_credential(
    request: HttpRequest,
    *,
    staff: Staff,
    response: dict[str, Any],
    enrolment_token: str | None = None,
) -> tuple[WebAuthnCredential, str | None]:
    """Check the browser's registration response and store the new credential; keyd keeps
    its public key (with the person's ticket, or for a first factor their enrolment code,
    when keyd answers with a ticket: returned). keyd refusing undoes the registration."""
    state = request.session.pop(_REGISTER_STATE, None)
    request.session.save()  # a challenge is never usable twice, even after an error
    if not state:
        raise FactorRejected("no_challenge")
    try:
        credential: WebAuthnCredential = CorridorWebAuthnHelper(request).register_complete(
            user=staff, state=state, data=response
        )
    except (WebAuthnException, OTPWebAuthnApiError, KeyError, TypeError, ValueError) as error:
        raise FactorRejected(_reason(error)) from None
    ticket = None
    if keyd_login.keyd_checks_factors():
        try:
            ticket = vault_ledger.add_passkey(
                staff.pk,
                credential_id=credential_name(credential),
                public_key=bytes(credential.public_key),
                sign_count=int(credential.sign_count),
                rp_id=relying_party_id(),
                origin=settings.CORRIDOR_PUBLIC_ORIGIN,
                enrolment_token=enrolment_token,
            )
        except vault_ledger.TicketRefused as refusal:
            transaction.set_rollback(True)
            raise FactorRejected(f"keyd_{refusal.reason}") from None
        except (VaultError, KeyFailure):
            transaction.set_rollback(True)
            raise FactorRejected("keyd_unavailable") from None
    return credential, ticket


def credential_name(credential: WebAuthnCredential) -> str:
    """The credential id as WebAuthn spells it (base64url), as keyd knows it."""
    raw = bytes(credential.credential_id)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def forget_in_keyd(credential: WebAuthnCredential) -> None:
    """keyd stops accepting this credential (the owner's or a manager's ticket)."""
    if keyd_login.keyd_checks_factors():
        vault_ledger.remove_passkey(credential.user_id, credential_id=credential_name(credential))


def passkey_ticket(response: dict[str, Any], *, staff: Staff, second_step: bool) -> str | None:
    """keyd checks the assertion the web just accepted against the public key it keeps and
    a challenge it issued; its ticket for `staff`, FactorRejected, or KeyFailure (keyd
    sealed or unreachable). `second_step`: after
    the password (else a passkey on its own, which keyd makes prove user verification).
    None where keyd does not check factors (most tests)."""
    if not keyd_login.keyd_checks_factors():
        return None
    named = staff.pk if second_step else None
    try:
        owner, ticket = vault_ledger.log_in_with_passkey(response, staff_id=named)
    except vault_ledger.TicketRefused:
        raise FactorRejected("keyd_refused") from None
    except VaultError:
        raise FactorRejected("keyd_unavailable") from None
    # A sealed or unreachable keyd is not the key's fault: the KeyFailure goes on to the
    # view, which records it and says that nobody can log in until keyd is back.
    if owner != staff.pk:
        raise FactorRejected("keyd_refused")
    return ticket


def authentication_options(request: HttpRequest, *, staff: Staff | None) -> dict[str, Any]:
    """Options for navigator.credentials.get().

    With `staff` (the second step after a password) the browser is offered that
    person's credentials. Without (a passkey on its own) any discoverable
    credential may answer, and user verification (PIN or biometric) is required
    so that the passkey alone is still two factors.
    """
    helper = CorridorWebAuthnHelper(request)
    helper.challenge = _keyd_challenge()
    options, state = helper.authenticate_begin(user=staff, require_user_verification=staff is None)
    request.session[_AUTH_STATE] = state
    return dict(options)


@transaction.atomic
def authenticate_credential(
    request: HttpRequest, *, staff: Staff | None, response: dict[str, Any]
) -> WebAuthnCredential:
    """Check an assertion; return the credential, or raise FactorRejected with a reason code.

    A sign counter that did not grow means the key may have been cloned: the
    assertion is refused and the reason `sign_count_regressed` is recorded.
    """
    state = request.session.pop(_AUTH_STATE, None)
    request.session.save()
    if not state:
        raise FactorRejected("no_challenge")
    try:
        credential: WebAuthnCredential = CorridorWebAuthnHelper(request).authenticate_complete(
            user=staff, state=state, data=response
        )
    except (WebAuthnException, OTPWebAuthnApiError, KeyError, TypeError, ValueError) as error:
        raise FactorRejected(_reason(error)) from None
    if not credential.confirmed or not credential.user.is_active:
        raise FactorRejected("credential_disabled")
    return credential


def _keyd_challenge() -> bytes | None:
    """keyd's challenge where keyd checks factors. keyd sealed or unreachable: the
    library's own, and keyd then refuses the login (nobody logs in while it is sealed)."""
    if not keyd_login.keyd_checks_factors():
        return None
    try:
        return vault_ledger.passkey_challenge()
    except (VaultError, KeyFailure):
        return None


def _reason(error: Exception) -> str:
    """A stable code for why py_webauthn refused a response (its messages are prose)."""
    text = str(error)
    for needle, code in (
        ("origin", "wrong_origin"),
        ("RP ID", "wrong_rp_id"),
        ("sign count", "sign_count_regressed"),
        ("challenge", "wrong_challenge"),
        ("signature", "bad_signature"),
        ("not verified", "user_not_verified"),
        ("not present", "user_not_present"),
    ):
        if needle in text:
            return code
    if isinstance(error, OTPWebAuthnApiError):
        return str(getattr(error, "code", "rejected"))[:40]
    return "malformed_response"
