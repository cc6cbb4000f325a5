"""A sealed value that is not the latest recorded was refused: audit it, tell the coordinators.

Called once the reading request's transaction has rolled back (the refusal rolls it
back), so the event and the alerts commit on their own.
"""

from __future__ import annotations

from django.db import transaction

from corridor.accounts.alerts import alert_coordinators
from corridor.audit.events import EventType
from corridor.audit.objects import sealed_kind
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.vault.errors import StaleSealedValue

STALE_VALUE_ALERT = "stale_value"


@transaction.atomic
def record_stale_value_refusal(*, actor: Actor, refusal: StaleSealedValue) -> None:
    """One `vault.stale_value_refused` event naming the row and field; every coordinator
    alerted (someone wrote the database outside Corridor)."""
    record_event(
        actor=actor,
        event=EventType.STALE_VALUE_REFUSED,
        object_type=sealed_kind(refusal.model_label),
        object_id=refusal.row_id,
        # As in vault.sealed_written: the field's name, and the digest of the value found.
        detail={refusal.field: refusal.digest},
    )
    alert_coordinators(code=STALE_VALUE_ALERT)
