"""Periodic intake jobs the worker runs: forget idle sessions and spent forms, and rotate
the intake key pair (keeping every private key a stored box still needs)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import WORKER
from corridor.core.tasks import periodic
from corridor.intake.selectors import intake_keys_in_use
from corridor.intake.services._common import forget_spent_forms
from corridor.intake.services.erasure import erase_due_requests
from corridor.intake.services.screening import screen_waiting_requests
from corridor.intake.services.sessions import forget_idle_sessions
from corridor.intake.throttles import forget_idle_buckets
from corridor.vault.intake import rotate_intake_keys
from corridor.vault.keyd.worker_tasks import ERASE_DUE_REQUESTS, SCREEN_REQUEST
from corridor.vault.keystore import current_key
from corridor.vault.ledger import working_on
from corridor.vault.models import Purpose

# A portal form token is refused after a day (portal/tokens.py), so its record can go then.
SPENT_FORMS_KEPT = timedelta(days=2)
IDLE_BUCKETS_KEPT = timedelta(days=1)


@periodic("intake.forget_idle_sessions", every=timedelta(minutes=5))
def sweep_sessions() -> None:
    """Requester sessions idle past the limit are deleted with the keys they hold."""
    forget_idle_sessions()


@periodic("intake.sweep_portal_rows", every=timedelta(hours=1))
def sweep_portal_rows() -> None:
    """Spent form tokens and idle per-session rate buckets are deleted."""
    forget_spent_forms(older_than=SPENT_FORMS_KEPT)
    forget_idle_buckets(idle_for=IDLE_BUCKETS_KEPT)


@periodic("intake.screen_waiting_requests", every=timedelta(minutes=10))
def screen_waiting() -> None:
    """Requests whose screening task never ran are screened here (oldest first)."""
    with working_on(SCREEN_REQUEST):
        screen_waiting_requests(actor=WORKER)


@periodic("intake.erase_due_requests", every=timedelta(hours=6))
def erase_due() -> None:
    """Declined, duplicate and suspected requests are erased once their days have passed."""
    # keyd lets this task (from the worker's user) close requests with no one's ticket.
    with working_on(ERASE_DUE_REQUESTS):
        erase_due_requests(actor=WORKER)


@periodic("intake.rotate_intake_keys", every=timedelta(hours=6))
def rotate_keys() -> None:
    """A new intake key pair every 30 days; retired pairs no stored box needs are destroyed."""
    # The pair current before this run is kept too: a portal may be sealing to it right
    # now, in a transaction not yet committed. The next run destroys it if nothing needs it.
    keep = intake_keys_in_use() | {current_key(Purpose.INTAKE).id}
    rotation = rotate_intake_keys(still_sealed_to=keep)
    with transaction.atomic():
        if rotation.created is not None:
            record_event(
                actor=WORKER,
                event=EventType.INTAKE_KEY_ROTATED,
                object_type=ObjectType.DATA_KEY,
                object_id=str(rotation.created),
                detail={"retired": str(rotation.retired)},
            )
        for destroyed in rotation.destroyed:
            if not destroyed.already_destroyed:
                record_event(
                    actor=WORKER,
                    event=EventType.KEY_DESTROYED,
                    object_type=ObjectType.DATA_KEY,
                    object_id=str(destroyed.key_id),
                    detail={"purpose": destroyed.purpose},
                )
