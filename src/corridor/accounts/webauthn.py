"""WebAuthn (security keys and passkeys), kept behind this module.

django-otp-webauthn is pre-1.0, so nothing else in Corridor imports it: its
helper does the ceremonies (through py_webauthn) and its model stores the
credentials; this module decides what a failure means. The relying party ID
and the one allowed origin come from CORRIDOR_PUBLIC_ORIGIN, so an assertion
made for another site, or relayed through one, is refused.
"""

from __future__ import annotations

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

from corridor.accounts.models import Staff
from corridor.core.exceptions import CorridorError

_REGISTER_STATE = "corridor_webauthn_register"
_AUTH_STATE = "corridor_webauthn_authenticate"


class FactorRejected(CorridorError):
    """A second factor was refused; `reason` is a code for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CorridorWebAuthnHelper(WebAuthnHelper):  # type: ignore[misc]  # untyped base class
    """Passkeys (discoverable credentials) preferred, so a passkey can log in on its own."""

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        return ResidentKeyRequirement.PREFERRED


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
    request: HttpRequest, *, staff: Staff, response: dict[str, Any]
) -> WebAuthnCredential:
    """Check the browser's registration response and store the new credential."""
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
    return credential


def authentication_options(request: HttpRequest, *, staff: Staff | None) -> dict[str, Any]:
    """Options for navigator.credentials.get().

    With `staff` (the second step after a password) the browser is offered that
    person's credentials. Without (a passkey on its own) any discoverable
    credential may answer, and user verification (PIN or biometric) is required
    so that the passkey alone is still two factors.
    """
    options, state = CorridorWebAuthnHelper(request).authenticate_begin(
        user=staff, require_user_verification=staff is None
    )
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
