"""HTTP middleware shared by both audiences: body limits, language, CSP and headers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin

from corridor.core import audience
from corridor.core.disk_full import CAUSE as DISK_FULL
from corridor.core.disk_full import is_disk_full
from corridor.core.errors import disk_full, request_too_large
from corridor.core.uploads import body_limit

logger = logging.getLogger(__name__)


class PortalOnlyMiddleware:
    """In a portal-only process, resolve every URL against the portal's URLconf."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if audience.is_portal_only(request):
            # Django's documented per-request URLconf hook; django-stubs does not declare it.
            setattr(request, "urlconf", audience.PORTAL_ONLY_URLCONF)  # noqa: B010
        return self.get_response(request)


class BodySizeLimitMiddleware:
    """Refuse a declared body over the limit with 413 before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > body_limit(request):
            return request_too_large(request)
        return self.get_response(request)


class AudienceLanguageMiddleware(LocaleMiddleware):
    """Portal pages are Russian unless under `en/`; staff pages follow the language cookie."""

    def process_request(self, request: HttpRequest) -> None:
        if audience.is_portal_request(request):
            language = audience.portal_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            return
        super().process_request(request)


class AudienceCSPMiddleware(CSPMiddleware):
    """The staff policy by default; the script-free portal policy for portal requests."""

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts: PolicyParts = super().get_policy_parts(request, response, report_only)
        if not report_only and audience.is_portal_request(request):
            parts.config = settings.PORTAL_CSP
            parts.nonce = None
        return parts


class SecurityHeadersMiddleware:
    """Headers Django does not set itself: Permissions-Policy, CORP and no-store.

    Every response from a view is `no-store`: pages carry CSRF tokens and, once
    logged in, personal data that must not survive in a seized browser's cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        response["Cache-Control"] = "no-store, max-age=0"
        response["Pragma"] = "no-cache"
        if not audience.is_portal_request(request):
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class DiskFullMiddleware(MiddlewareMixin):
    """A view that fails on a full disk answers 503 with a sentence, never 500.

    Failures outside views (saving the session, say) reach the 500 handler, which answers
    the same page (core.errors.server_error). The log line names the cause; the error's
    own text, which may quote a value, stays out of it (core.logging).
    """

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not is_disk_full(exception):
            return None
        logger.error(
            "page failed: disk full",
            exc_info=(type(exception), exception, exception.__traceback__),
            extra={"cause": DISK_FULL},
        )
        return disk_full(request)
