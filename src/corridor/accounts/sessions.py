"""Staff sessions: start, time out, end everywhere, and demand a recent login.

Sessions are server-side rows. A session starts only after the second factor;
its key is rotated then. It ends after 15 idle minutes or 8 hours in all, when
the person logs out everywhere, and when their account is disabled or a factor
revoked (the account's session epoch is part of every session's hash, so all
of them fail their next request).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Concatenate, ParamSpec
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from corridor.accounts import keyd_login
from corridor.accounts.events import record_security_event
from corridor.accounts.models import Staff, StaffSession
from corridor.audit.events import EventType
from corridor.core import clock

P = ParamSpec("P")

LOGIN_AT = "corridor_login_at"
LAST_SEEN = "corridor_last_seen"
AUTH_AT = "corridor_auth_at"
METHOD = "corridor_method"
EXPIRED_FLAG = "corridor_expired"
RESUME_PATH = "corridor_resume"

IDLE_LIMIT = timedelta(minutes=15)
ABSOLUTE_LIMIT = timedelta(hours=8)
RECENT_AUTH = timedelta(minutes=5)
# Writing last-seen to the session table on every request would turn reads
# into writes; once a minute is enough for a 15-minute limit.
_TOUCH_EVERY = timedelta(seconds=60)


REAUTH_NEEDED = _("Confirm your password and code first: you are taken there now.")


def start_staff_session(request: HttpRequest, *, staff: Staff, method: str) -> None:
    """Log `staff` in after both factors; rotates the session key and records the login."""
    login(request, staff, backend="django.contrib.auth.backends.ModelBackend")
    moment = clock.now()
    request.session[LOGIN_AT] = moment.isoformat()
    request.session[LAST_SEEN] = moment.isoformat()
    request.session[AUTH_AT] = moment.isoformat()
    request.session[METHOD] = method
    request.session.save()
    key = request.session.session_key or ""
    StaffSession.objects.update_or_create(
        session_key=key,
        defaults={"staff": staff, "started_at": moment, "last_seen_at": moment, "method": method},
    )
    record_security_event(
        actor=staff,
        event=EventType.LOGIN_SUCCEEDED,
        subject_id=staff.pk,
        detail={"method": method},
    )


def keep_session_after_password_change(request: HttpRequest, *, staff: Staff) -> None:
    """Keep this session alive (its key rotates) while every other one fails its next check."""
    old_key = request.session.session_key
    update_session_auth_hash(request, staff)
    StaffSession.objects.filter(session_key=old_key).update(
        session_key=request.session.session_key or ""
    )


def mark_recent_auth(request: HttpRequest) -> None:
    request.session[AUTH_AT] = clock.now().isoformat()


def end_session(request: HttpRequest, *, reason: str = "logout") -> None:
    """Log out this session (Django flushes it) and forget its tracking row."""
    staff = request.user if isinstance(request.user, Staff) else None
    if request.session.session_key:
        StaffSession.objects.filter(session_key=request.session.session_key).delete()
    if staff is not None:
        event = EventType.LOGOUT if reason == "logout" else EventType.SESSION_EXPIRED
        record_security_event(actor=staff, event=event, subject_id=staff.pk, reason=reason)
    keyd_login.forget_ticket(request)
    logout(request)


@transaction.atomic
def end_all_sessions(*, staff: Staff) -> int:
    """End every session of `staff` before their next request; return how many were live."""
    Staff.objects.filter(pk=staff.pk).update(session_epoch=F("session_epoch") + 1)
    staff.refresh_from_db(fields=["session_epoch"])
    keys = list(StaffSession.objects.filter(staff=staff).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    StaffSession.objects.filter(session_key__in=keys).delete()
    keyd_login.end_all_tickets(staff)
    return len(keys)


def session_expiry(request: HttpRequest, now: datetime) -> str | None:
    """Why this staff session has expired ('idle' or 'absolute'), or None if it is live."""
    login_at = _read_time(request, LOGIN_AT)
    last_seen = _read_time(request, LAST_SEEN)
    if login_at is None or last_seen is None:
        return "absolute"
    if now - login_at > ABSOLUTE_LIMIT:
        return "absolute"
    if now - last_seen > IDLE_LIMIT:
        return "idle"
    return None


def seconds_until_idle(request: HttpRequest) -> int:
    last_seen = _read_time(request, LAST_SEEN)
    if last_seen is None:
        return 0
    return max(0, int((last_seen + IDLE_LIMIT - clock.now()).total_seconds()))


def touch(request: HttpRequest, now: datetime) -> None:
    last_seen = _read_time(request, LAST_SEEN)
    if last_seen is None or now - last_seen >= _TOUCH_EVERY:
        request.session[LAST_SEEN] = now.isoformat()
        StaffSession.objects.filter(session_key=request.session.session_key).update(
            last_seen_at=now
        )


def is_tracked(request: HttpRequest) -> bool:
    key = request.session.session_key
    return bool(key) and StaffSession.objects.filter(session_key=key).exists()


def has_recent_auth(request: HttpRequest) -> bool:
    auth_at = _read_time(request, AUTH_AT)
    return auth_at is not None and clock.now() - auth_at <= RECENT_AUTH


def recent_auth_at(request: HttpRequest) -> datetime | None:
    """When this session last confirmed password and second factor, if within 5 minutes."""
    return _read_time(request, AUTH_AT) if has_recent_auth(request) else None


def reauth_redirect(request: HttpRequest, next_path: str = "") -> HttpResponse:
    """Send the person to confirm password and second factor, then back to `next_path`."""
    target = settings.CORRIDOR_REAUTH_URL + "?" + urlencode({"next": next_path or request.path})
    return redirect(target)


def _reauth_json(request: HttpRequest) -> JsonResponse:
    """A script's request (a passkey being registered) after the last check went stale:
    say so in words and where to confirm password and code, then come back to the page
    it was sent from; never a redirect the script would read as a broken answer."""
    referer = request.headers.get("Referer", "")
    back = "/"
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        back = urlsplit(referer).path or "/"
    target = settings.CORRIDOR_REAUTH_URL + "?" + urlencode({"next": back})
    return JsonResponse({"error": str(REAUTH_NEEDED), "reauth": target}, status=401)


def require_recent_auth(
    view: Callable[Concatenate[HttpRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Ask for the password and second factor again if the last check is over 5 minutes old."""

    @wraps(view)
    def wrapped(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not has_recent_auth(request):
            if request.content_type == "application/json":
                return _reauth_json(request)
            return reauth_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def _read_time(request: HttpRequest, key: str) -> datetime | None:
    raw = request.session.get(key)
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def expired_response(request: HttpRequest, reason: str, *, resume: str = "") -> HttpResponse:
    """Log the session out and send the person to the login page saying why; after the next
    login they come back to `resume` (a form whose draft was kept)."""
    end_session(request, reason=reason)
    request.session[EXPIRED_FLAG] = reason
    if resume:
        request.session[RESUME_PATH] = resume
    return redirect(settings.LOGIN_URL)


def after_login_path(request: HttpRequest) -> str:
    """Where to go once logged in: back to a form with a kept draft, or the dashboard."""
    path = request.session.pop(RESUME_PATH, "")
    if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
        return path
    return str(settings.LOGIN_REDIRECT_URL)
