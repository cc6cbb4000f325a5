"""A member of staff over real HTTP: log in with password and TOTP, then open pages.

Used by the install drill (scripts/install-drill.sh) and by tests/keyd/test_demo_keyd.py.
Standard library only, so the drill can run it with any Python 3.11. Behind the proxy
the site sees HTTPS: pass `origin` (the installation's CORRIDOR_PUBLIC_ORIGIN) and the
requests carry the Host, X-Forwarded-Proto and Origin headers nginx would send; the
cookies are then `__Host-` and Secure, so they are kept here by hand.

    drill_http.py BASE ORIGIN first-login LOGIN_JSON  # one-time password, TOTP, new password
    drill_http.py BASE ORIGIN case LOGIN_JSON         # log in, open the case for work
    drill_http.py BASE ORIGIN portal STORY            # send a request through the portal
    drill_http.py BASE ORIGIN portal-alone STORY      # the same, to `serve --portal` at /

`first-login` is a new account's first sign-in as the person would do it: the username
and the one-time password (`corridor setup` printed it, or an administrator handed it
over), then the authenticator app keyd makes (its secret read from the enrolment page,
as a person types it into their app), then the password the site makes them change.
It adds "totp_secret", the new "password", "enrolled_step" (the TOTP step its code used:
keyd takes each step once) and the session's "cookies" to LOGIN_JSON.

For `case`, LOGIN_JSON also holds "ref" and "shown", a text of the case's person the
opened page must show (scripts/drill_case.py); the session's cookies are kept in it
after a login and used by the next calls. `case` prints `case opened: 200` when it is,
or the status the opening got (503 while keyd is sealed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPResponse
from pathlib import Path

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
TOTP_SECRET = re.compile(r'<code class="mono">([A-Z2-7]+)</code>')
STEP = 30


def next_step(after: int) -> int:
    """Wait for a TOTP step later than `after` (keyd accepts a step once); the step now."""
    while int(time.time() // STEP) <= after:
        time.sleep(0.5)
    return int(time.time() // STEP)


def totp_code(secret: str, *, at: float | None = None) -> str:
    """RFC 6238: six digits, 30-second steps, SHA-1 (what authenticator apps compute)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


class _Keep(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class StaffBrowser:
    """One staff session against `base` (http://127.0.0.1:PORT)."""

    def __init__(self, base: str, origin: str) -> None:
        self.base = base.rstrip("/")
        self.origin = origin.rstrip("/")
        self.cookies: dict[str, str] = {}
        self._opener = urllib.request.build_opener(_Keep)

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, body, Location) of one GET or POST; redirects are not followed."""
        parts = urllib.parse.urlsplit(self.origin)
        headers = {"Host": parts.netloc, "Referer": self.origin + path}
        if parts.scheme == "https":
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if form is not None:
            headers["Origin"] = self.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(form).encode()
        # `base` is the loopback address the drill or test started gunicorn on.
        sent = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            answer: HTTPResponse = self._opener.open(sent, timeout=30)
        except urllib.error.HTTPError as error:
            answer = error  # type: ignore[assignment]
        with answer:
            for header in answer.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            body = answer.read().decode("utf-8", "replace")
            return answer.status, body, answer.headers.get("Location") or ""

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """GET `path`, then POST its form with the CSRF token and `fields`."""
        status, body, _ = self.request(path)
        token = CSRF.search(body)
        if status != 200 or token is None:
            raise RuntimeError(f"GET {path}: {status}, no form")
        return self.request(path, {"csrfmiddlewaretoken": token.group(1), **fields})

    def log_in(self, username: str, password: str, totp_secret: str) -> None:
        status, _, location = self.post_form("/", {"username": username, "password": password})
        if status != 302 or not location.endswith("/login/verify/"):
            raise RuntimeError(f"password step: {status} -> {location!r}")
        code = totp_code(totp_secret)
        status, _, location = self.post_form("/login/verify/", {"code": code})
        if status != 302 or location.endswith("/login/verify/"):
            raise RuntimeError(f"code step: {status} -> {location!r}")

    def first_login(
        self, username: str, one_time: str, new_password: str, enrolment_code: str = ""
    ) -> tuple[str, int]:
        """The first sign-in: (the TOTP secret keyd made, the step its first code used).
        keyd asks for the enrolment code handed over with the one-time password first."""
        status, _, location = self.post_form("/", {"username": username, "password": one_time})
        if status != 302 or not location.endswith("/login/enrol/"):
            raise RuntimeError(f"password step of a first login: {status} -> {location!r}")
        if enrolment_code:
            status, _, location = self.post_form(
                "/login/enrol/", {"enrolment_code": enrolment_code}
            )
            if status != 302:
                raise RuntimeError(f"enrolment code: {status} -> {location!r}")
        # Each showing of the page has keyd make a new secret: confirm the one read here.
        status, body, _ = self.request("/login/enrol/")
        secret, token = TOTP_SECRET.search(body), CSRF.search(body)
        if status != 200 or secret is None or token is None:
            raise RuntimeError(f"GET /login/enrol/: {status}, no secret to type into an app")
        step = int(time.time() // STEP)
        code = totp_code(secret.group(1), at=step * STEP)
        form = {"csrfmiddlewaretoken": token.group(1), "code": code}
        status, body, _ = self.request("/login/enrol/", form)
        if status != 200 or "backup" not in body.lower():
            raise RuntimeError(f"enrolment: {status}, no backup codes shown")
        # Until the one-time password is changed every page leads to the change.
        status, _, location = self.request("/")
        if status != 302 or not location.endswith("/account/password/"):
            raise RuntimeError(f"after enrolment: {status} -> {location!r}, not the password")
        fields = {"current": one_time, "new": new_password, "again": new_password}
        status, _, location = self.post_form("/account/password/", fields)
        if status != 302 or location.endswith("/account/password/"):
            raise RuntimeError(f"password change: {status} -> {location!r}")
        status, _, _ = self.request("/")
        if status != 200:
            raise RuntimeError(f"the dashboard after the first login: {status}")
        return secret.group(1), step

    def open_case(self, ref: str) -> tuple[int, str]:
        """Open the case for work (its Open form) and read its page: the status of the
        opening (302 when done, 503 while keyd is sealed) and the page after it."""
        status, _, _ = self.post_form(f"/cases/{ref}/open/", {"reason": ""})
        if status != 302:
            return status, ""
        status, body, _ = self.request(f"/cases/{ref}/")
        if status == 200 and "data-opened-until" not in body:
            status = 500  # answered, but not opened
        return status, body

    def send_portal_request(self, story: str, *, path: str = "/help/") -> int:
        """One request through the portal's start form; the POST's status."""
        status, body, _ = self.request(path)
        token = FORM_TOKEN.search(body)
        if status != 200 or token is None:
            raise RuntimeError(f"GET {path}: {status}, no portal form")
        return self.request(path, {"form_token": token.group(1), "story": story})[0]


def main(argv: list[str]) -> int:
    base, origin, action, argument = argv
    browser = StaffBrowser(base, origin)
    if action in ("portal", "portal-alone"):
        # `serve --portal` serves the portal at / (Russian), the full site under /help/.
        status = browser.send_portal_request(
            argument, path="/" if action == "portal-alone" else "/help/"
        )
        sys.stdout.write(f"portal request: {status}\n")
        return 0 if status in (200, 302, 303) else 1
    path = Path(argument)
    login = json.loads(path.read_text(encoding="utf-8"))
    if action == "first-login":
        new_password = "-".join(secrets.token_hex(3) for _ in range(4))
        secret, step = browser.first_login(
            login["username"], login["password"], new_password, login.get("enrolment_code", "")
        )
        login.update(
            password=new_password, totp_secret=secret, enrolled_step=step, cookies=browser.cookies
        )
        path.write_text(json.dumps(login), encoding="utf-8")
        sys.stdout.write(f"first login of {login['username']}: enrolled, password changed\n")
        return 0
    if login.get("cookies"):
        # Still logged in: sessions are in the database and outlive a restart of the web
        # (and a TOTP code is accepted once, so a new login would wait for the next one).
        browser.cookies = dict(login["cookies"])
    else:
        browser.log_in(login["username"], login["password"], login["totp_secret"])
        path.write_text(json.dumps({**login, "cookies": browser.cookies}), encoding="utf-8")
    status, body = browser.open_case(login["ref"])
    shown = login.get("shown", "")
    if status == 200 and shown not in body:
        status = 500  # opened, but the person's data is not on the page
    sys.stdout.write(f"case opened: {status}\n")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
