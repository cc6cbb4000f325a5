"""Form tokens bound to the portal cookie: the portal's CSRF check, without the staff
CSRF cookie.

    token = form_token(cookie, "request")
    form_token_valid(cookie, "request", posted)  -> bool

A token is `<issued>.<nonce>.<mac>`: the MAC (keyed by the secret key) covers the
cookie's session id, the form's purpose, the time and a random nonce, so a token works
only with the cookie it was made for, only for its form, and only for a day. The nonce
also names the form for replay checks (services spend it when they act on it).
"""

from __future__ import annotations

import hmac
import secrets

from django.utils.crypto import salted_hmac

from corridor.core import clock
from corridor.portal.cookies import PortalCookie

MAX_AGE_SECONDS = 24 * 60 * 60
_SALT = "corridor.portal.form-token"


def form_token(cookie: PortalCookie, purpose: str, *, now: float | None = None) -> str:
    issued = str(int(clock.now().timestamp() if now is None else now))
    nonce = secrets.token_urlsafe(16)
    return f"{issued}.{nonce}.{_mac(cookie, purpose, issued, nonce)}"


def form_token_valid(
    cookie: PortalCookie, purpose: str, token: str, *, now: float | None = None
) -> bool:
    parts = token.split(".") if isinstance(token, str) and len(token) <= 200 else []
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    issued, nonce, mac = parts
    age = (clock.now().timestamp() if now is None else now) - int(issued)
    if not 0 <= age <= MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(mac, _mac(cookie, purpose, issued, nonce))


def _mac(cookie: PortalCookie, purpose: str, issued: str, nonce: str) -> str:
    message = f"{purpose}|{issued}|{nonce}|{cookie.digest}"
    return salted_hmac(_SALT, message, algorithm="sha256").hexdigest()
