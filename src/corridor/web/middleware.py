"""keyd refused a staff member a case key: record it in the audit log, answer 403 or 429.

The refusal surfaces inside a service's transaction, which rolls back with it; this
middleware runs after that, so the audit event commits on its own (ARCHITECTURE.md:
a denial event commits on its own).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from corridor.accounts.models import Staff
from corridor.accounts.unwrap_limits import record_unwrap_refusal
from corridor.core.errors import unwrap_refused
from corridor.vault.errors import UnwrapRefused


class UnwrapRefusalMiddleware(MiddlewareMixin):
    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, UnwrapRefused):
            return None
        if isinstance(request.user, Staff):
            record_unwrap_refusal(
                actor=request.user, reason=exception.reason, case_id=exception.case_id
            )
        return unwrap_refused(request, rate_limited=exception.reason == "rate_limited")
