"""A page met a key or integrity failure: audit it, alert once, answer 503 with a sentence.

A `KeyFailure` (sealed or unreachable key service, a refused unwrap, a ciphertext that
failed its check) is never a CorridorError, so no view's `except CorridorError` turns it
into a form error with a 400; it reaches this middleware. The failure surfaces inside a
service's transaction, which rolls back with it; this runs after that, so the audit event
commits on its own (a denial event commits on its own).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from corridor.accounts.key_failures import record_key_failure
from corridor.accounts.models import Staff
from corridor.core.errors import key_failure
from corridor.core.exceptions import KeyFailure
from corridor.vault.errors import UnwrapRefused

logger = logging.getLogger(__name__)


class KeyFailureMiddleware(MiddlewareMixin):
    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, KeyFailure):
            return None
        user = getattr(request, "user", None)
        match = request.resolver_match
        # The log names the kind only: the error's own text may name a key id or a case.
        logger.warning("page met a key failure", extra={"cause": exception.kind})
        # A stale value (a row copied back) is recorded as such, then shown as integrity.
        record_key_failure(
            actor=user if isinstance(user, Staff) else None,
            failure=exception,
            page=(match.url_name or "") if match is not None else "",
        )
        rate_limited = isinstance(exception, UnwrapRefused) and exception.reason == "rate_limited"
        return key_failure(request, kind=exception.kind, rate_limited=rate_limited)
