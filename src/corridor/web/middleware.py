"""keyd refused a staff member a case key: record it in the audit log, answer 403 or 429.

The refusal surfaces inside a service's transaction, which rolls back with it; this
middleware runs after that, so the audit event commits on its own (ARCHITECTURE.md:
a denial event commits on its own).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from corridor.accounts.models import Staff
from corridor.accounts.stale_values import record_stale_value_refusal
from corridor.accounts.unwrap_limits import record_unwrap_refusal
from corridor.core.actors import SystemActor
from corridor.core.errors import unwrap_refused
from corridor.vault.errors import StaleSealedValue, UnwrapRefused


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


class StaleValueMiddleware(MiddlewareMixin):
    """A sealed value was rolled back: record the refusal and alert the coordinators.

    Answers nothing itself: the integrity-failure page (a DecryptionFailed) follows.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, StaleSealedValue):
            actor = request.user if isinstance(request.user, Staff) else SystemActor(name="web")
            record_stale_value_refusal(actor=actor, refusal=exception)
