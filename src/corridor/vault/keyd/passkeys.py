"""Passkeys and security keys that keyd verifies itself (WebAuthn assertions).

The web's ceremonies run through django-otp-webauthn, which uses py_webauthn; keyd
uses py_webauthn directly (the same maintained library) to check what the web relays:

    assertion = read_assertion(message["assertion"])    # InputRejected if malformed
    count = verify(assertion, public_key=..., sign_count=..., rp_id=..., origin=...,
                   user_verification=True)             # None if refused

keyd issued the challenge itself (tickets.Gatekeeper, op `passkey_challenge`) and spends
it once, so a replayed assertion is refused; the public key is the one keyd keeps,
sealed under its own key, so a credential written into the data database is nobody's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from webauthn import verify_authentication_response
from webauthn.helpers import (
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import AuthenticationCredential

from corridor.vault.errors import InputRejected

# A navigator.credentials.get() answer is a few hundred bytes; anything far larger is not one.
MAX_FIELD = 4096


@dataclass(frozen=True)
class Assertion:
    """A parsed assertion: the credential it names (base64url) and the challenge it signs."""

    credential_id: str
    challenge: bytes
    credential: AuthenticationCredential


def read_assertion(raw: object) -> Assertion:
    """The browser's answer as the web relayed it (its JSON object); InputRejected if not one."""
    if not isinstance(raw, dict) or not _small(raw):
        raise InputRejected("A passkey answer is an object.")
    try:
        credential = parse_authentication_credential_json(raw)
        client_data = parse_client_data_json(credential.response.client_data_json)
    except (WebAuthnException, KeyError, TypeError, ValueError):
        raise InputRejected("This is not a passkey answer.") from None
    return Assertion(bytes_to_base64url(credential.raw_id), client_data.challenge, credential)


def verify(
    assertion: Assertion,
    *,
    public_key: bytes,
    sign_count: int,
    rp_id: str,
    origin: str,
    user_verification: bool,
) -> int | None:
    """The credential's new sign counter if the signature, origin, site, challenge and
    counter all check out; None otherwise (a counter that did not grow: a cloned key)."""
    try:
        verified = verify_authentication_response(
            credential=assertion.credential,
            expected_challenge=assertion.challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=user_verification,
        )
    except (WebAuthnException, KeyError, TypeError, ValueError):
        return None
    return int(verified.new_sign_count)


def _small(raw: dict[str, Any], depth: int = 0) -> bool:
    """Only strings, small nesting and short fields: what an assertion looks like."""
    if depth > 3 or len(raw) > 16:
        return False
    for value in raw.values():
        if isinstance(value, dict):
            if not _small(value, depth + 1):
                return False
        elif isinstance(value, str):
            if len(value) > MAX_FIELD:
                return False
        elif value is not None and not isinstance(value, bool):
            return False
    return True
