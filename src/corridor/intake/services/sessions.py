"""Requester sessions: resumed while in use, forgotten once idle.

A session row exists only once a requester has sent a request or entered a codename.
Past the idle limit it is deleted with the key it holds, so a phone left on the page
shows nothing to whoever picks it up later.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import RequesterActor
from corridor.intake.models import RequesterSession, Stage

# Writing last-seen on every page would turn reads into writes; a minute is enough.
_TOUCH_EVERY = timedelta(seconds=60)


def idle_limit() -> timedelta:
    return timedelta(minutes=int(settings.CORRIDOR_PORTAL_IDLE_MINUTES))


def bind_requester_session(
    *, digest: str, request_id: uuid.UUID, stage: Stage, held_key: bytes | None
) -> RequesterSession:
    """Point the session `digest` at a request, at `stage`, holding `held_key` (created if
    new, replaced if it pointed elsewhere); runs in the caller's transaction."""
    now = clock.now()
    session, _ = RequesterSession.objects.update_or_create(
        digest=digest,
        defaults={
            "request_id": request_id,
            "stage": stage,
            "held_key": held_key,
            "started_at": now,
            "last_seen_at": now,
        },
    )
    return session


def resume_requester_session(digest: str) -> RequesterSession | None:
    """The live session with this digest (its idle clock reset), or None; an idle one is
    deleted here."""
    session = RequesterSession.objects.filter(digest=digest).first()
    if session is None:
        return None
    now = clock.now()
    if now - session.last_seen_at > idle_limit():
        session.delete()
        return None
    if now - session.last_seen_at >= _TOUCH_EVERY:
        RequesterSession.objects.filter(digest=digest).update(last_seen_at=now)
        session.last_seen_at = now
    return session


@transaction.atomic
def end_requester_session(*, actor: RequesterActor, digest: str) -> bool:
    """Delete the session and the key it holds (leave, quick exit); True if there was one."""
    session = RequesterSession.objects.filter(digest=digest).first()
    if session is None:
        return False
    if session.stage == Stage.SIGNED_IN:
        record_event(
            actor=actor,
            event=EventType.SIGNED_OUT,
            object_type=ObjectType.REQUEST,
            object_id=str(session.request_id),
        )
    session.delete()
    return True


def forget_idle_sessions() -> int:
    """Delete every session idle past the limit (the periodic sweep)."""
    deleted, _ = RequesterSession.objects.filter(
        last_seen_at__lt=clock.now() - idle_limit()
    ).delete()
    return deleted
