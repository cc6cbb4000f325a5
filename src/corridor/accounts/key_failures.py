"""A key or integrity failure was met: an audit event every time, an alert once per kind.

    record_key_failure(actor=staff_or_none, failure=error, page="case")
    record_key_failure(actor=WORKER, failure=error, work="intake.open_request")

The web middleware calls it for a page, core.key_failure_reports for the worker's tasks
and jobs and for commands (registered in AccountsConfig.ready): one way for all three.
Each call comes after the work's own transactions have rolled back, so the event commits
on its own (a denial event commits on its own) and a refused or failed
read is never erased by the rollback of the work it stopped. A stale sealed value (a row
copied back) is recorded as such, with its row and field (accounts.stale_values).

Alerts are bounded: a sealed key service meets every page, so each coordinator gets one
open alert per kind (`key_failure_sealed`, ...) until they dismiss it. The hourly-limit
refusal keeps its own alert (`unwrap_limit`, accounts.unwrap_limits).
"""

from __future__ import annotations

import re

from django.db import transaction

from corridor.accounts.alerts import alert_coordinators_once
from corridor.accounts.models import Staff
from corridor.accounts.stale_values import record_stale_value_refusal
from corridor.accounts.unwrap_limits import record_unwrap_refusal
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import Actor, SystemActor
from corridor.core.exceptions import KEY_FAILURE_KINDS, KeyFailure
from corridor.vault.errors import StaleSealedValue, UnwrapRefused

# Who met the failure when nobody is logged in (the portal, the login page).
WEB = SystemActor(name="web")
_PAGE = re.compile(r"[a-z0-9_]{1,64}")
# A task's or job's registered name, or `command:<name>`: codes, never data.
_WORK = re.compile(r"[A-Za-z0-9_.:]{1,100}")
_CASE_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def alert_code(kind: str) -> str:
    return f"key_failure_{kind}"


@transaction.atomic
def record_key_failure(
    *, actor: Actor | None, failure: KeyFailure, page: str = "", work: str = ""
) -> None:
    """One audit event for `failure` met by `actor` on `page` (or doing `work`, outside
    the web); coordinators alerted once per kind (every time for a stale value)."""
    who: Actor = actor if actor is not None else WEB
    if isinstance(failure, StaleSealedValue):
        record_stale_value_refusal(actor=who, refusal=failure)
        return
    kind = failure.kind if failure.kind in KEY_FAILURE_KINDS else "refused"
    detail: dict[str, str | int] | None = None
    if _PAGE.fullmatch(page):
        detail = {"page": page}
    elif _WORK.fullmatch(work):
        detail = {"work": work}
    if isinstance(failure, UnwrapRefused):
        case_id = failure.case_id if _CASE_ID.fullmatch(failure.case_id) else ""
        record_unwrap_refusal(actor=who, reason=failure.reason, case_id=case_id, detail=detail)
        if failure.reason == "rate_limited":
            return  # its own alert, pointing to evacuation nights
    elif kind == "integrity":
        record_event(actor=who, event=EventType.DECRYPTION_FAILED, reason=kind, detail=detail)
    else:
        record_event(actor=who, event=EventType.KEYS_UNAVAILABLE, reason=kind, detail=detail)
    # A refusal is about the person refused: their own copy of the alert names them, so
    # they cannot dismiss it. Sealed, unreachable and integrity are about the server.
    about = actor if kind == "refused" and isinstance(actor, Staff) else None
    alert_coordinators_once(code=alert_code(kind), actor=about)


def record_key_failure_outside_the_web(actor: Actor, failure: KeyFailure, work: str) -> None:
    """core.key_failure_reports' recorder: the worker's tasks and jobs, and commands."""
    record_key_failure(actor=actor, failure=failure, work=work)
