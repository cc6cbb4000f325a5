"""Small helpers the intake services share: the day, spent forms, refusals and alerts."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, time, timedelta

from django.db import IntegrityError, transaction

from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import SystemActor
from corridor.intake.errors import FormAlreadyUsed, PortalSaturated, TooManyAttempts
from corridor.intake.models import SpentFormToken
from corridor.intake.sources import Verdict, take_source_token
from corridor.intake.throttles import Bucket, Rate, take_tokens

logger = logging.getLogger(__name__)
PORTAL = SystemActor(name="portal")
# At most one flood alert per quarter of an hour: the alert is for people, not a counter.
_ALERT_BUCKET = Bucket("alert:flood", Rate(tokens=1, seconds=15 * 60))


def start_of_today() -> datetime:
    """Midnight UTC today: the time stored for what a requester does."""
    return datetime.combine(clock.today(), time.min, tzinfo=UTC)


def spend_form_token(token: str) -> None:
    """Mark a portal form as acted on, inside the caller's transaction; a second time
    raises FormAlreadyUsed (a double click, a replayed POST)."""
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    try:
        with transaction.atomic():
            SpentFormToken.objects.create(digest=digest, spent_at=clock.now())
    except IntegrityError:
        raise FormAlreadyUsed from None


def refuse_spent_form_token(token: str) -> None:
    """FormAlreadyUsed if the form was acted on already; spends nothing."""
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    if SpentFormToken.objects.filter(digest=digest).exists():
        raise FormAlreadyUsed


def forget_spent_forms(*, older_than: timedelta) -> int:
    deleted, _ = SpentFormToken.objects.filter(spent_at__lt=clock.now() - older_than).delete()
    return deleted


def take_or_refuse(buckets: list[Bucket], *, limit: str, source: str) -> None:
    """Take a token from the network source's bucket, the shared one, then the session's
    (sources.py), or raise: TooManyAttempts when this source or session used its own
    share, PortalSaturated when everyone together used the shared budget (wait, no
    refusal). Either of the first two running dry raises an operator alert."""
    outcome = take_source_token(source, limit)
    if outcome.verdict is Verdict.REFUSED:
        alert_flood(outcome.retry_after, limit=limit)
        raise TooManyAttempts(outcome.retry_after)
    if outcome.verdict is Verdict.WAIT:
        alert_flood(outcome.retry_after, limit=limit)
        raise PortalSaturated(outcome.retry_after)
    refusal = take_tokens(buckets)
    if refusal is not None:
        raise TooManyAttempts(refusal.retry_after)


def alert_flood(retry_after: int, *, limit: str) -> None:
    """Record one `portal.flood_detected` event (and a log line for monitoring) per window
    (the source is not in either)."""
    if take_tokens([_ALERT_BUCKET]) is not None:
        return
    record_event(
        actor=PORTAL,
        event=EventType.FLOOD_DETECTED,
        detail={"limit": limit, "retry_after": retry_after},
    )
    logger.warning(
        "portal limit reached: %s", limit, extra={"event": EventType.FLOOD_DETECTED.value}
    )
