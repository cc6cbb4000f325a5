"""The case timeline: any app adds its lines here, so cases never imports them."""

from __future__ import annotations

from corridor.cases.models import Case, TimelineEntry
from corridor.core.actors import Actor


def add_timeline_entry(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
) -> TimelineEntry:
    """One line of history: codes and ids only, everyone who sees the case sees it."""
    return TimelineEntry.objects.create(
        case=case,
        kind=kind[:60],
        actor=actor.actor_id,
        object_type=object_type[:60],
        object_id=object_id[:64],
        detail=detail[:200],
    )
