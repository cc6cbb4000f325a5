"""What every case service shares: the case key, the version check, timeline + audit."""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case, CaseFlag, Flag, Milestone, Phase
from corridor.cases.services.timeline import add_timeline_entry
from corridor.cases.stages import CaseFacts, milestones_by_person
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.vault import keys as vault_keys
from corridor.vault.datakey import DataKey

STALE_CASE = _("Someone else changed this case while you were working on it. Reload and try again.")
CASE_ERASED = _("This case has been erased.")


def case_key(actor: Actor, case: Case) -> DataKey:
    """The case's data key, for `actor` (under keyd: only if assigned or revealed)."""
    if case.erased_at is not None or case.key_id is None:
        raise InvalidInput(str(CASE_ERASED))
    return vault_keys.data_key(case.key_id, for_actor=actor.actor_id, case_id=str(case.pk))


def check_version(case: Case, version: int | None) -> None:
    """Refuse a change made from a page that showed an older version of the case."""
    if version is not None and version != case.version:
        raise InvalidInput(str(STALE_CASE))


def touch(case: Case) -> None:
    """The case changed: a stale form elsewhere will now be refused."""
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=clock.now())
    case.refresh_from_db(fields=["version", "updated_at"])


def log(
    *,
    actor: Actor,
    case: Case,
    event: EventType,
    object_type: ObjectType | None = None,
    object_id: str = "",
    reason: str = "",
    detail: Mapping[str, str | int] | None = None,
    reason_text: str = "",
    key: DataKey | None = None,
    timeline_detail: str = "",
) -> AuditEntry:
    """One timeline line and one audit event, last in the writer's transaction.

    `reason_text`, someone's own words on why, is sealed under `key` (the case's key) in
    the audit log's reason notes; the timeline shows `timeline_detail` or the reason code.
    """
    add_timeline_entry(
        actor=actor,
        case=case,
        kind=event.value,
        object_type=object_type.value if object_type is not None else "",
        object_id=object_id,
        detail=timeline_detail or reason,
    )
    return record_event(
        actor=actor,
        event=event,
        object_type=object_type or ObjectType.CASE,
        object_id=object_id or str(case.pk),
        case_id=case.ref,
        reason=reason,
        detail=detail,
        reason_text=reason_text,
        reason_key=key if reason_text else None,
    )


def facts_of(case: Case) -> CaseFacts:
    """The phase, each active member's milestones, the open flags."""
    member_ids = list(case.members.filter(left_at__isnull=True).values_list("person_id", flat=True))
    rows = Milestone.objects.filter(case=case, person_id__in=member_ids).values_list(
        "person_id", "kind", "reached_on"
    )
    grouped = milestones_by_person(rows)
    flags = frozenset(
        Flag(code)
        for code in CaseFlag.objects.filter(case=case, cleared_at__isnull=True).values_list(
            "flag", flat=True
        )
    )
    return CaseFacts(
        phase=Phase(case.phase),
        members=[grouped.get(person_id, {}) for person_id in member_ids],
        flags=flags,
    )
