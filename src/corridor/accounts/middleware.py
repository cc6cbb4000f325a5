"""Enforce staff session limits on every request, before any view runs."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect

from corridor.accounts import drafts, sessions
from corridor.accounts.models import Staff
from corridor.core import audience, clock
from corridor.core.exceptions import KeysUnavailable

logger = logging.getLogger(__name__)


class StaffSessionMiddleware:
    """Idle and absolute timeouts, remote revocation, and a forced password change.

    A session whose tracking row is gone (logged out everywhere, revoked by an
    administrator) ends here even before its hash check would catch it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if isinstance(user, Staff) and not audience.is_portal_request(request):
            now = clock.now()
            reason = (
                "revoked"
                if not sessions.is_tracked(request)
                else sessions.session_expiry(request, now)
            )
            if reason is not None:
                if request.method == "POST" and _csrf_passes(request):
                    # The person was typing when the session ran out: keep the text,
                    # sealed, and bring them back to this form after they log in.
                    _stash_draft(user, request)
                    return sessions.expired_response(request, reason, resume=request.path_info)
                return sessions.expired_response(request, reason)
            sessions.touch(request, now)
            if user.must_change_password and request.path_info not in _PASSWORD_EXEMPT:
                return redirect(settings.CORRIDOR_PASSWORD_CHANGE_URL)
        return self.get_response(request)


def _stash_draft(user: Staff, request: HttpRequest) -> None:
    try:
        drafts.stash_draft(
            staff=user,
            form_path=request.path_info,
            fields={key: request.POST.get(key, "") for key in request.POST},
        )
    except KeysUnavailable:
        # While keyd is sealed nothing can be encrypted, and text is never kept in clear.
        logger.warning("draft not kept: keys sealed", extra={"event": "accounts.draft_not_kept"})


def _csrf_passes(request: HttpRequest) -> bool:
    """Only a genuine form of ours is stashed: the view's CSRF check has not run yet."""
    return CsrfViewMiddleware(_no_response).process_view(request, _no_view, (), {}) is None


def _no_response(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError  # never called: only process_view is used


def _no_view(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError  # never called: only named to the CSRF check


_PASSWORD_EXEMPT = frozenset({"/account/password/", "/logout/", "/i18n/setlang/"})
