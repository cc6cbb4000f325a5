"""The organisation's own marks on routes: pauses with a reason, and dated notes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.pathways.models import RouteNote, RoutePause
from corridor.pathways.route_changes import alert_route_change

ALREADY_PAUSED = _("This route is already paused.")
NOT_PAUSED = _("This route is not paused.")
REASON_EMPTY = _("Say why the route is paused.")
NOTE_EMPTY = _("The note is empty.")


@transaction.atomic
def pause_route(*, actor: Actor, route_id: str, reason: str) -> RoutePause:
    if not reason.strip():
        raise InvalidInput(str(REASON_EMPTY))
    if RoutePause.objects.filter(route_id=route_id, resumed_at__isnull=True).exists():
        raise InvalidInput(str(ALREADY_PAUSED))
    pause = RoutePause.objects.create(
        route_id=route_id, reason=reason.strip()[:300], paused_by=actor.actor_id
    )
    record_event(
        actor=actor,
        event=EventType.ROUTE_PAUSED,
        object_type=ObjectType.ROUTE,
        object_id=route_id,
    )
    # The caseworkers of cases with an open application or chosen plan on the route hear of
    # it at once.
    alert_route_change([route_id])
    return pause


@transaction.atomic
def resume_route(*, actor: Actor, route_id: str) -> None:
    updated = RoutePause.objects.filter(route_id=route_id, resumed_at__isnull=True).update(
        resumed_at=clock.now(), resumed_by=actor.actor_id
    )
    if not updated:
        raise InvalidInput(str(NOT_PAUSED))
    record_event(
        actor=actor,
        event=EventType.ROUTE_RESUMED,
        object_type=ObjectType.ROUTE,
        object_id=route_id,
    )


@transaction.atomic
def add_route_note(*, actor: Actor, route_id: str, text: str) -> RouteNote:
    if not text.strip():
        raise InvalidInput(str(NOTE_EMPTY))
    note = RouteNote.objects.create(
        route_id=route_id, text=text.strip()[:2000], author=actor.actor_id
    )
    record_event(
        actor=actor,
        event=EventType.ROUTE_NOTE_ADDED,
        object_type=ObjectType.ROUTE,
        object_id=route_id,
        detail={"note": note.pk},
    )
    return note
