"""The portal's own cookie: a random session id and a random key, nothing else.

It is never a staff cookie: its name, its path (the portal's root: `/help/`, or `/` on
a portal-only host) and its contents are the portal's. It is HttpOnly, SameSite=Strict,
Secure in production, and a browser-session cookie (gone when the browser closes).

- the session id, hashed (SHA-256), names the requester's session row, so the table
  cannot be replayed as cookies;
- the key ("holder") encrypts the requester's private key in that row, so neither the
  server nor the cookie alone can read their thread.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from corridor.core import audience

PART_BYTES = 32
COOKIE_NAME = "corridor_portal"


@dataclass(frozen=True)
class PortalCookie:
    session_id: bytes
    holder: bytes

    @classmethod
    def new(cls) -> PortalCookie:
        return cls(secrets.token_bytes(PART_BYTES), secrets.token_bytes(PART_BYTES))

    @classmethod
    def parse(cls, value: str | None) -> PortalCookie | None:
        """The cookie's parts, or None for anything that is not exactly one of ours."""
        if not value or len(value) != 86:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "==")
        except (binascii.Error, ValueError):
            return None
        if len(raw) != 2 * PART_BYTES:
            return None
        return cls(raw[:PART_BYTES], raw[PART_BYTES:])

    @property
    def digest(self) -> str:
        """What the server stores: SHA-256 of the session id."""
        return hashlib.sha256(self.session_id).hexdigest()

    def value(self) -> str:
        return base64.urlsafe_b64encode(self.session_id + self.holder).decode("ascii").rstrip("=")

    def __repr__(self) -> str:
        return "<PortalCookie>"


def cookie_name(request: HttpRequest) -> str:
    """`__Host-` on a portal-only host over TLS (path /), `__Secure-` under a path."""
    if not settings.SESSION_COOKIE_SECURE:
        return COOKIE_NAME
    prefix = "__Host-" if audience.is_portal_only(request) else "__Secure-"
    return prefix + COOKIE_NAME


def read_cookie(request: HttpRequest) -> PortalCookie | None:
    return PortalCookie.parse(request.COOKIES.get(cookie_name(request)))


def write_cookie(request: HttpRequest, response: HttpResponseBase, cookie: PortalCookie) -> None:
    response.set_cookie(
        cookie_name(request),
        cookie.value(),
        path=audience.portal_root(request),
        secure=bool(settings.SESSION_COOKIE_SECURE),
        httponly=True,
        samesite="Strict",
    )


def delete_cookie(request: HttpRequest, response: HttpResponseBase) -> None:
    """Expire the cookie now, with the same attributes it was set with."""
    response.set_cookie(
        cookie_name(request),
        "",
        max_age=0,
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        path=audience.portal_root(request),
        secure=bool(settings.SESSION_COOKIE_SECURE),
        httponly=True,
        samesite="Strict",
    )
