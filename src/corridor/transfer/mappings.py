"""Saved mappings: a mapping kept under a name, to import the next sheet of the same shape."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.transfer.mapping import parse_mapping
from corridor.transfer.models import SavedMapping

NAME_INVALID = _("A mapping's name is letters, digits and dashes (for example list-2017).")
NO_SUCH_MAPPING = _("No saved mapping “%(name)s”.")


@transaction.atomic
def save_mapping(*, actor: Actor, name: str, body: str) -> SavedMapping:
    """Keep `body` (checked first) under `name`, replacing an older one of that name."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,59}", name):
        raise InvalidInput(str(NAME_INVALID))
    parse_mapping(body)
    saved, _created = SavedMapping.objects.update_or_create(
        name=name, defaults={"body": body, "saved_by": actor.actor_id, "saved_at": clock.now()}
    )
    record_event(
        actor=actor,
        event=EventType.MAPPING_SAVED,
        object_type=ObjectType.IMPORT_MAPPING,
        object_id=str(saved.pk),
    )
    return saved


def saved_mapping(name: str) -> str:
    """The text of the mapping saved as `name`; InvalidInput if there is none."""
    found = SavedMapping.objects.filter(name=name).first()
    if found is None:
        raise InvalidInput(str(NO_SUCH_MAPPING % {"name": name[:60]}))
    return found.body


def list_mappings() -> list[SavedMapping]:
    return list(SavedMapping.objects.order_by("name"))
