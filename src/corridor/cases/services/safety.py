"""Contact protocols, check-ins, duress words and incidents.

A missed check-in past its interval, or a duress word typed into any channel,
raises an incident: every coordinator is alerted (an in-app alert and an audit
event), a timed checklist opens, and every case linked to this one by shelter,
travel or family is flagged compromised — whoever holds this person may learn
where the others are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.alerts import alert_coordinators
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases.models import (
    Case,
    CaseFlag,
    Flag,
    Incident,
    IncidentKind,
    LinkKind,
    Phase,
    Placement,
)
from corridor.cases.services._base import case_key, log, touch
from corridor.cases.services.opening import linked_cases
from corridor.core import clock
from corridor.core.actors import WORKER, Actor
from corridor.core.exceptions import InvalidInput
from corridor.people import services as people
from corridor.people.models import Channel, ContactProtocol, Person

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

CHECKLIST = (
    "coordinator_informed",
    "person_contacted",
    "trusted_contact_tried",
    "linked_cases_reviewed",
    "placements_reviewed",
    "relocation_decided",
)
STEP_UNKNOWN = _("That is not a step of this checklist.")
STEP_DONE = _("That step is already done or skipped.")
SKIP_NEEDS_REASON = _("Say why the step is skipped.")
OUTCOME_NEEDED = _("Write what came of the incident before closing it.")
STEPS_UNDONE = _(
    "Each step must be done, or skipped with a reason, first. Still open: %(open_steps)s."
)
TEXT_TOO_LONG = _("This text holds at most 2,000 characters.")
# The checklist's steps in words, for the sentence that names the ones still open.
STEP_WORDS: dict[str, StrPromise] = {
    "coordinator_informed": _("Coordinator informed"),
    "person_contacted": _("Person contacted"),
    "trusted_contact_tried": _("Trusted contact tried"),
    "linked_cases_reviewed": _("Linked cases reviewed"),
    "placements_reviewed": _("Placements reviewed"),
    "relocation_decided": _("Relocation decided"),
}
INCIDENT_CLOSED = _("The incident is already closed.")
NO_PROTOCOL = _("This person has no contact protocol yet: set one first.")
# Who opened or did a step of an incident carried from another installation.
MOVED_BY = "system:moved"
LINK_KINDS_AT_RISK = frozenset(
    {LinkKind.SAME_FAMILY, LinkKind.SAME_SHELTER, LinkKind.TRAVELLING_TOGETHER}
)


@transaction.atomic
def set_protocol(
    *,
    actor: Actor,
    case: Case,
    person: Person,
    channel: Channel,
    every_hours: int,
    safe_hours: str = "",
    if_someone_else_answers: str = "",
    check_in_word: str = "",
    duress_word: str = "",
    portal_counts_as_check_in: bool = False,
) -> ContactProtocol:
    protocol = people.set_contact_protocol(
        actor=actor,
        person=person,
        key=case_key(actor, case),
        channel=channel,
        every_hours=every_hours,
        safe_hours=safe_hours,
        if_someone_else_answers=if_someone_else_answers,
        check_in_word=check_in_word,
        duress_word=duress_word,
        portal_counts_as_check_in=portal_counts_as_check_in,
        case_ref=case.ref,
    )
    touch(case)
    return protocol


@transaction.atomic
def receive_message(*, actor: Actor, case: Case, person: Person, text: str) -> Incident | None:
    """Whatever channel a message came by: a duress word raises an incident at once; the
    check-in word counts as a check-in. Returns the incident raised, if any."""
    protocol = ContactProtocol.objects.filter(person=person).first()
    if protocol is None:
        return None
    if people.matches_duress(protocol, text):
        return raise_incident(actor=actor, case=case, kind=IncidentKind.DURESS, person=person)
    if people.matches_check_in(protocol, text):
        people.record_check_in(actor=actor, protocol=protocol, case_ref=case.ref)
    return None


@transaction.atomic
def hear_portal_message(*, actor: Actor, case: Case, text: str) -> list[Incident]:
    """A message in the person's portal thread, heard where the portal stores it: for each
    member of the case with a protocol, their duress word raises an incident at once; their
    check-in word, or any message when their protocol says portal messages count, is a
    check-in. The message's words are hashed once (keyd's blind index: the portal's
    process holds no key) and never kept. Returns the incidents raised."""
    protocols = list(
        ContactProtocol.objects.filter(
            person__memberships__case=case, person__memberships__left_at__isnull=True
        ).select_related("person")
    )
    if not protocols:
        return []
    heard = people.MessageForms(text)
    incidents = []
    for protocol in protocols:
        if heard.says_duress(protocol):
            incidents.append(
                raise_incident(
                    actor=actor, case=case, kind=IncidentKind.DURESS, person=protocol.person
                )
            )
        elif protocol.portal_counts_as_check_in or heard.says_check_in(protocol):
            people.record_check_in(actor=actor, protocol=protocol, case_ref=case.ref)
    return incidents


@transaction.atomic
def record_check_in(*, actor: Actor, case: Case, person: Person) -> None:
    protocol = ContactProtocol.objects.filter(person=person).first()
    if protocol is not None:
        people.record_check_in(actor=actor, protocol=protocol, case_ref=case.ref)


@transaction.atomic
def record_contact(*, actor: Actor, case: Case, person: Person, words: str = "") -> Incident | None:
    """The person got in touch. If what they said holds their duress word, an incident is
    raised at once and no check-in is counted; otherwise it counts as a check-in. The words
    are compared by keyed hash only and never kept."""
    protocol = ContactProtocol.objects.filter(person=person).first()
    if protocol is None:
        raise InvalidInput(str(NO_PROTOCOL))
    if words.strip() and people.matches_duress(protocol, words):
        return raise_incident(actor=actor, case=case, kind=IncidentKind.DURESS, person=person)
    people.record_check_in(actor=actor, protocol=protocol, case_ref=case.ref)
    return None


# The coordinators' alert for an incident: a duress word has a code of its own, so it ranks
# with "in danger now" above the other incidents (accounts.oncall.danger_first). A code,
# never words: notifications still say only how many urgent items wait.
INCIDENT_ALERT = "incident_opened"
DURESS_ALERT = "duress_heard"


def incident_alert_code(kind: str) -> str:
    return DURESS_ALERT if kind == IncidentKind.DURESS else INCIDENT_ALERT


@transaction.atomic
def raise_incident(
    *, actor: Actor, case: Case, kind: IncidentKind, person: Person | None = None
) -> Incident:
    """Open an incident with its checklist, alert the coordinators, flag linked cases."""
    incident = Incident.objects.create(
        case=case,
        person=person,
        kind=kind,
        opened_by=actor.actor_id,
        checklist=[{"step": step, "done_at": "", "done_by": ""} for step in CHECKLIST],
    )
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.INCIDENT_OPENED,
        object_type=ObjectType.INCIDENT,
        object_id=str(incident.pk),
        reason=kind,
    )
    alert_coordinators(code=incident_alert_code(kind), case_ref=case.ref)
    for other in _cases_at_risk(case):
        if not other.flags.filter(flag=Flag.COMPROMISED, cleared_at__isnull=True).exists():
            CaseFlag.objects.create(
                case=other,
                flag=Flag.COMPROMISED,
                raised_by=actor.actor_id,
                reason="linked_incident",
            )
            touch(other)
            log(
                actor=actor,
                case=other,
                event=EventType.FLAG_RAISED,
                reason="linked_incident",
                detail={"flag": Flag.COMPROMISED, "incident": str(incident.pk)},
            )
    return incident


@dataclass(frozen=True)
class CarriedStep:
    """A checklist step as another installation left it: done, skipped (with why), or to do."""

    step: str
    done_at: str = ""
    skipped_at: str = ""
    note: str = ""


@transaction.atomic
def carry_incident(
    *,
    actor: Actor,
    case: Case,
    kind: IncidentKind,
    person: Person | None,
    opened_at: datetime,
    steps: list[CarriedStep],
    closed_at: datetime | None,
    outcome: str,
) -> Incident:
    """An incident moved from another installation, written as history: its checklist
    as it was (a skipped step's reason and the outcome sealed again under this case's
    key in the audit log's notes), no linked case flagged again. An open incident alerts
    the coordinators here, since someone must carry on with it; a closed one pages no one.
    The steps' doers were the old installation's accounts: MOVED_BY stands for them."""
    if any(item.step not in CHECKLIST for item in steps):
        raise InvalidInput(str(STEP_UNKNOWN))
    incident = Incident.objects.create(
        case=case,
        person=person,
        kind=kind,
        opened_by=MOVED_BY,
        created_at=opened_at,
        checklist=[{"step": step, "done_at": "", "done_by": ""} for step in CHECKLIST],
    )
    log(
        actor=actor,
        case=case,
        event=EventType.INCIDENT_OPENED,
        object_type=ObjectType.INCIDENT,
        object_id=str(incident.pk),
        reason=kind,
        detail={"carried": 1, "opened": opened_at.isoformat()},
    )
    key = case_key(actor, case)
    carried = {item.step: item for item in steps}
    for item in incident.checklist:
        step = carried.get(item["step"])
        if step is None:
            continue
        if step.done_at:
            item["done_at"] = step.done_at
            item["done_by"] = MOVED_BY
        elif step.skipped_at:
            entry = log(
                actor=actor,
                case=case,
                event=EventType.INCIDENT_STEP_SKIPPED,
                object_type=ObjectType.INCIDENT,
                object_id=str(incident.pk),
                reason=step.step,
                reason_text=step.note.strip() or "-",
                key=key,
            )
            item["skipped_at"] = step.skipped_at
            item["skipped_by"] = MOVED_BY
            item["note"] = entry.seq
    incident.save(update_fields=["checklist", "updated_at"])
    if closed_at is not None:
        entry = log(
            actor=actor,
            case=case,
            event=EventType.INCIDENT_CLOSED,
            object_type=ObjectType.INCIDENT,
            object_id=str(incident.pk),
            reason="outcome",
            reason_text=outcome.strip() or "-",
            key=key,
        )
        incident.closed_at = closed_at
        incident.outcome_event = entry.seq
        incident.save(update_fields=["closed_at", "outcome_event", "updated_at"])
    else:
        alert_coordinators(code=incident_alert_code(kind), case_ref=case.ref)
    touch(case)
    return incident


@transaction.atomic
def complete_incident_step(*, actor: Actor, incident: Incident, step: str) -> Incident:
    item = _open_step(incident, step)
    item["done_at"] = clock.now().isoformat()
    item["done_by"] = actor.actor_id
    incident.save(update_fields=["checklist", "updated_at"])
    log(
        actor=actor,
        case=incident.case,
        event=EventType.INCIDENT_STEP_DONE,
        object_type=ObjectType.INCIDENT,
        object_id=str(incident.pk),
        reason=step,
    )
    return incident


@transaction.atomic
def skip_incident_step(
    *, actor: Actor, incident: Incident, step: str, reason_text: str
) -> Incident:
    """Mark a step skipped, because of what the person says (sealed under the case's key;
    the checklist keeps the audit event's number to find it)."""
    because = reason_text.strip()
    if not because:
        raise InvalidInput(str(SKIP_NEEDS_REASON))
    if len(because) > 2000:
        raise InvalidInput(str(TEXT_TOO_LONG))
    item = _open_step(incident, step)
    entry = log(
        actor=actor,
        case=incident.case,
        event=EventType.INCIDENT_STEP_SKIPPED,
        object_type=ObjectType.INCIDENT,
        object_id=str(incident.pk),
        reason=step,
        reason_text=because,
        key=case_key(actor, incident.case),
    )
    item["skipped_at"] = clock.now().isoformat()
    item["skipped_by"] = actor.actor_id
    item["note"] = entry.seq
    incident.save(update_fields=["checklist", "updated_at"])
    return incident


@transaction.atomic
def close_incident(*, actor: Actor, incident: Incident, outcome: str = "") -> Incident:
    """Close the incident with its outcome (sealed under the case's key), once every step
    of its checklist is done or skipped with a reason."""
    if incident.closed_at is not None:
        raise InvalidInput(str(INCIDENT_CLOSED))
    note = outcome.strip()
    if not note:
        raise InvalidInput(str(OUTCOME_NEEDED))
    if len(note) > 2000:
        raise InvalidInput(str(TEXT_TOO_LONG))
    undone = [
        str(STEP_WORDS.get(item["step"], item["step"]))
        for item in incident.checklist
        if not item.get("done_at") and not item.get("skipped_at")
    ]
    if undone:
        raise InvalidInput(str(STEPS_UNDONE % {"open_steps": "; ".join(undone)}))
    entry = log(
        actor=actor,
        case=incident.case,
        event=EventType.INCIDENT_CLOSED,
        object_type=ObjectType.INCIDENT,
        object_id=str(incident.pk),
        reason="outcome",
        reason_text=note,
        key=case_key(actor, incident.case),
    )
    incident.closed_at = clock.now()
    incident.outcome_event = entry.seq
    incident.save(update_fields=["closed_at", "outcome_event", "updated_at"])
    return incident


def _open_step(incident: Incident, step: str) -> dict[str, object]:
    """The checklist item for `step`, if the incident is open and the step still to do."""
    if incident.closed_at is not None:
        raise InvalidInput(str(INCIDENT_CLOSED))
    for item in incident.checklist:
        if item["step"] == step:
            if item.get("done_at") or item.get("skipped_at"):
                raise InvalidInput(str(STEP_DONE))
            return item  # type: ignore[no-any-return]
    raise InvalidInput(str(STEP_UNKNOWN))


def raise_missed_check_ins() -> int:
    """The worker's sweep: an incident for every check-in overdue in an open case."""
    now = clock.now()
    raised = 0
    overdue = ContactProtocol.objects.filter(
        check_in_due_at__lt=now, overdue_raised_at__isnull=True
    ).select_related("person")
    for protocol in overdue:
        membership = protocol.person.memberships.filter(left_at__isnull=True).select_related("case")
        first = membership.first()
        if first is None or first.case.phase == Phase.CLOSED:
            continue
        with transaction.atomic():
            protocol.overdue_raised_at = now
            protocol.save(update_fields=["overdue_raised_at"])
            raise_incident(
                actor=WORKER,
                case=first.case,
                kind=IncidentKind.MISSED_CHECK_IN,
                person=protocol.person,
            )
        raised += 1
    return raised


def _cases_at_risk(case: Case) -> list[Case]:
    """Cases linked by family, shelter or travel, and cases staying in the same shelters now."""
    found = {other.pk: other for other in linked_cases(case, LINK_KINDS_AT_RISK)}
    today = clock.today()
    shelters = (
        Placement.objects.filter(case=case, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values_list("shelter_ref", flat=True)
    )
    sharing = (
        Placement.objects.filter(shelter_ref__in=list(shelters), starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .exclude(case=case)
        .select_related("case")
    )
    for placement in sharing:
        found.setdefault(placement.case_id, placement.case)
    return [other for other in found.values() if other.phase != Phase.CLOSED]
