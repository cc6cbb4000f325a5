"""The one hook through which accounts writes security events into the audit log.

Logins, failures, factor enrolment and use, lockouts and approvals all pass
here, in the same transaction as the change they describe. Details are ids
and codes only: never a password, a code, a username typed by a stranger or
an address.
"""

from __future__ import annotations

from collections.abc import Mapping

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor, SystemActor

ANONYMOUS = SystemActor(name="anonymous")


def record_security_event(
    *,
    actor: Actor | None,
    event: EventType,
    subject_id: int | None = None,
    reason: str = "",
    detail: Mapping[str, str | int] | None = None,
) -> None:
    """Record `event` about the staff account `subject_id` (if any) done by `actor`.

    `actor` is None when nobody is authenticated yet (a failed login): the
    event is then attributed to `system:anonymous`.
    """
    record_event(
        actor=actor or ANONYMOUS,
        event=event,
        object_type=ObjectType.STAFF if subject_id is not None else None,
        object_id=str(subject_id) if subject_id is not None else "",
        reason=reason,
        detail=detail,
    )
