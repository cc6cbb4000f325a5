"""Logging in: a password, then a second factor; or a passkey on its own.

Defends against: password guessing (progressive delay, then a per-username
lockout through django-axes), username enumeration (the same status and
body for known and unknown usernames, and exactly one password hash on every
path), lockout as a weapon (a passkey still logs in a locked username), and
a password alone opening anything (the session starts only after the second
factor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest

from corridor.accounts import factors, keyd_login, webauthn
from corridor.accounts.events import record_security_event
from corridor.accounts.models import Staff
from corridor.accounts.sessions import start_staff_session
from corridor.audit.events import EventType
from corridor.core import clock

PENDING_STAFF = "corridor_pending_staff"
PENDING_AT = "corridor_pending_at"
PENDING_FAILURES = "corridor_pending_failures"
PENDING_LIFETIME = timedelta(minutes=5)
SECOND_FACTOR_ATTEMPTS = 5
# Failures before each further attempt has to wait, doubling from 2 seconds.
DELAY_AFTER_FAILURES = 2


class PasswordResult(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DELAYED = "delayed"
    LOCKED = "locked"


@dataclass(frozen=True)
class PasswordOutcome:
    result: PasswordResult
    retry_after: int = 0


def normalise_username(raw: str) -> str:
    """Usernames compare case-insensitively and without surrounding spaces."""
    return raw.strip().lower()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """django-axes: count attempts per normalised username, whether it exists or not."""
    source = credentials or {}
    raw = source.get("username") or request.POST.get("username", "")
    return normalise_username(str(raw))


def axes_client_ip(request: HttpRequest) -> str:
    """django-axes: never store a client address (behind Tor they are all 127.0.0.1 anyway)."""
    return "0.0.0.0"  # noqa: S104 - a constant placeholder, not a bind address


def check_password_step(request: HttpRequest, *, username: str, password: str) -> PasswordOutcome:
    """Check the first factor. On success the person waits for their second factor.

    Known and unknown usernames take the same path: django-axes counts and locks
    both, and Django's ModelBackend hashes the given password once for an
    unknown name just as it verifies once for a known one.
    """
    name = normalise_username(username)
    wait = _progressive_delay(name)
    if wait:
        return PasswordOutcome(PasswordResult.DELAYED, retry_after=wait)
    try:
        user = authenticate(request, username=name, password=password)
    except AxesBackendPermissionDenied:
        user = None
        request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' own request flag
    if getattr(request, "axes_locked_out", False):
        record_security_event(
            actor=None, event=EventType.LOGIN_LOCKED, detail={"delay": 0}, reason="username"
        )
        return PasswordOutcome(PasswordResult.LOCKED, retry_after=_cool_off_seconds())
    if not isinstance(user, Staff):
        record_security_event(actor=None, event=EventType.LOGIN_FAILED, reason="password")
        return PasswordOutcome(PasswordResult.REJECTED)
    request.session.cycle_key()
    request.session[PENDING_STAFF] = user.pk
    request.session[PENDING_AT] = clock.now().isoformat()
    request.session[PENDING_FAILURES] = 0
    return PasswordOutcome(PasswordResult.ACCEPTED)


def pending_staff(request: HttpRequest) -> Staff | None:
    """The person who gave the right password in this session and still owes a second factor."""
    staff_id = request.session.get(PENDING_STAFF)
    started = request.session.get(PENDING_AT)
    if not isinstance(staff_id, int) or not isinstance(started, str):
        return None
    if clock.now() - datetime.fromisoformat(started) > PENDING_LIFETIME:
        clear_pending(request)
        return None
    return Staff.objects.filter(pk=staff_id, is_active=True).first()


def clear_pending(request: HttpRequest) -> None:
    for key in (
        PENDING_STAFF,
        PENDING_AT,
        PENDING_FAILURES,
        keyd_login.REENROL,
        keyd_login.ENROLMENT_CODE,
    ):
        request.session.pop(key, None)


def second_factor_failed(request: HttpRequest, *, staff: Staff, reason: str) -> bool:
    """Count a failed second factor; True when the person must start again with the password."""
    failures = int(request.session.get(PENDING_FAILURES, 0)) + 1
    request.session[PENDING_FAILURES] = failures
    record_security_event(
        actor=None, event=EventType.SECOND_FACTOR_FAILED, subject_id=staff.pk, reason=reason
    )
    if failures >= SECOND_FACTOR_ATTEMPTS:
        clear_pending(request)
        return True
    return False


def complete_with_totp(request: HttpRequest, *, staff: Staff, code: str) -> bool:
    """The code from the app: keyd checks it and answers with the person's ticket.

    Someone keyd holds no factor for yet (enrolled before keyd did) proves the old
    device in the data database once and must then enrol with keyd (`must_reenrol`).
    """
    if keyd_login.keyd_checks_factors():
        if not keyd_login.enrolled_in_keyd(staff):
            if factors.verify_totp(staff=staff, code=code) is None:
                return False
            request.session[keyd_login.REENROL] = staff.pk
            return True
        ticket = keyd_login.log_in_through_keyd(staff, code)
        if ticket is None:
            return False
        _finish(request, staff=staff, method="totp")
        keyd_login.keep_ticket(request, ticket)
        return True
    device = factors.verify_totp(staff=staff, code=code)
    if device is None:
        return False
    _finish(request, staff=staff, method="totp")
    return True


def must_reenrol(request: HttpRequest, staff: Staff) -> bool:
    """True when this person proved their old factor and now enrols one keyd holds."""
    return request.session.get(keyd_login.REENROL) == staff.pk


def complete_with_backup_code(request: HttpRequest, *, staff: Staff, code: str) -> bool:
    """A backup code instead of the app's: keyd spends it and answers with the person's
    ticket (someone keyd holds no factor for yet spends an old one, then re-enrols)."""
    ticket = None
    if keyd_login.keyd_checks_factors() and keyd_login.enrolled_in_keyd(staff):
        ticket = keyd_login.log_in_with_backup_code(staff, code)
        if ticket is None:
            return False
    elif not factors.use_backup_code(staff=staff, code=code):
        return False
    record_security_event(actor=staff, event=EventType.BACKUP_CODE_USED, subject_id=staff.pk)
    if keyd_login.keyd_checks_factors() and ticket is None:
        request.session[keyd_login.REENROL] = staff.pk
        return True
    _finish(request, staff=staff, method="backup_code")
    if ticket is not None:
        keyd_login.keep_ticket(request, ticket)
    return True


def complete_with_webauthn(request: HttpRequest, *, staff: Staff, response: dict[str, Any]) -> None:
    """Second step with a security key or passkey; raises webauthn.FactorRejected. keyd
    checks the same assertion and answers with the person's ticket."""
    webauthn.authenticate_credential(request, staff=staff, response=response)
    ticket = webauthn.passkey_ticket(response, staff=staff, second_step=True)
    _finish(request, staff=staff, method="webauthn")
    if ticket is not None:
        keyd_login.keep_ticket(request, ticket)


def log_in_with_passkey(request: HttpRequest, *, response: dict[str, Any]) -> Staff:
    """A passkey with user verification on its own: it still works for a locked username.
    keyd checks it too (user verification required) and answers with the ticket."""
    credential = webauthn.authenticate_credential(request, staff=None, response=response)
    staff: Staff = credential.user
    ticket = webauthn.passkey_ticket(response, staff=staff, second_step=False)
    start_staff_session(request, staff=staff, method="passkey")
    if ticket is not None:
        keyd_login.keep_ticket(request, ticket)
    return staff


def record_passkey_failure(*, reason: str) -> None:
    """A passkey on its own was refused: nobody to name yet, only the reason."""
    record_security_event(actor=None, event=EventType.SECOND_FACTOR_FAILED, reason=reason)


def record_recent_auth(*, staff: Staff) -> None:
    record_security_event(actor=staff, event=EventType.RECENT_AUTH_CONFIRMED, subject_id=staff.pk)


def _finish(request: HttpRequest, *, staff: Staff, method: str) -> None:
    clear_pending(request)
    start_staff_session(request, staff=staff, method=method)


def _progressive_delay(username: str) -> int:
    """Seconds this username must still wait before its next password attempt (0: none)."""
    attempt = AccessAttempt.objects.filter(username=username).order_by("-attempt_time").first()
    if attempt is None or attempt.failures_since_start < DELAY_AFTER_FAILURES:
        return 0
    if attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        return 0  # locked: the lockout answers, with its own message

    wait = timedelta(seconds=2 ** (attempt.failures_since_start - DELAY_AFTER_FAILURES + 1))
    remaining = attempt.attempt_time + wait - clock.now()
    return max(0, int(remaining.total_seconds() + 0.999))


def _cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())
