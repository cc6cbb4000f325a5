"""Applications on routes and their outcomes: the writes.

A case may pursue several routes at once. Each status an application reaches
is a step on its timeline, on the case's timeline and in the audit log; a
deadline becomes a next action on the case; a grant records "visa or permit
granted" for each person it covers. Denials keep a reason category, because the
organisation's advocacy is built on why visas went nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.access import case_key
from corridor.cases.models import Case, Milestone, MilestoneKind
from corridor.cases.services import corrections
from corridor.cases.services.progress import record_milestone
from corridor.cases.services.timeline import add_timeline_entry
from corridor.cases.services.work import add_task
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.pathways import selectors
from corridor.pathways.models import (
    APPLICATION_DECIDED,
    Application,
    ApplicationStatus,
    ApplicationStep,
    DenialReason,
    SlotAgreement,
)
from corridor.pathways.schema import Route
from corridor.people.models import Person
from corridor.vault.fields import seal_field

S = ApplicationStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.INTERVIEW, S.DOCUMENTS_REQUESTED, S.GRANTED, S.DENIED, S.WITHDRAWN}),
    S.INTERVIEW: frozenset({S.DOCUMENTS_REQUESTED, S.GRANTED, S.DENIED, S.WITHDRAWN}),
    S.DOCUMENTS_REQUESTED: frozenset({S.SUBMITTED, S.INTERVIEW, S.GRANTED, S.DENIED, S.WITHDRAWN}),
    S.DENIED: frozenset({S.APPEALED}),
    S.APPEALED: frozenset({S.INTERVIEW, S.GRANTED, S.DENIED, S.WITHDRAWN}),
    S.GRANTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

NOT_A_ROUTE = _("That is not a route of the catalog in force.")
NOT_MEMBERS = _("An application covers people of this case only.")
NO_PEOPLE = _("Choose at least one person the application is for.")
AUTHORITY_EMPTY = _("Name the authority or embassy.")
TRANSITION_REFUSED = _("An application that is “%(current)s” cannot become “%(to)s”.")
DATE_IN_FUTURE = _("That date is in the future.")
DATE_BEFORE_LAST = _("That date is before the application's last step (%(date)s).")
DENIAL_NEEDS_REASON = _("Choose why the application was denied.")
STALE = _("Someone else changed this application. Reload and try again.")
SLOT_INVALID = _("An agreement has at least one place and ends after it starts.")
SLOT_OTHER_ROUTE = _("That agreement is for another route.")
SLOT_NOT_VALID = _("That agreement does not cover %(date)s.")
SLOT_FULL = _("Every place of that agreement is taken.")
NOTHING_TO_RETRACT = _("The application has no status after its start to withdraw.")


@transaction.atomic
def start_application(
    *,
    actor: Actor,
    case: Case,
    route_id: str,
    authority: str,
    people: Sequence[Person],
    reference_number: str = "",
    deadline: date | None = None,
    slot: SlotAgreement | None = None,
    started_on: date | None = None,
    submitted: bool = False,
) -> Application:
    """A draft application on a route of the catalog in force, for people of this case,
    begun today or on `started_on` (recorded later, never in the future); with
    `submitted`, also handed in that day (its own step, as `record_status` records it)."""
    started_on = started_on or clock.today()
    if started_on > clock.today():
        raise InvalidInput(str(DATE_IN_FUTURE))
    route = next(
        (entry for entry in selectors.list_current_entries() if entry.id == route_id), None
    )
    if not isinstance(route, Route):
        raise InvalidInput(str(NOT_A_ROUTE))
    if not people:
        raise InvalidInput(str(NO_PEOPLE))
    members = set(case.members.filter(left_at__isnull=True).values_list("person_id", flat=True))
    if any(person.pk not in members for person in people):
        raise InvalidInput(str(NOT_MEMBERS))
    if not authority.strip():
        raise InvalidInput(str(AUTHORITY_EMPTY))
    if slot is not None:
        _check_place(slot, route_id=route.id, on=started_on)
    application = Application(
        case=case,
        route_id=route.id,
        country=route.country[:2],
        authority=authority.strip()[:120],
        deadline=deadline,
        slot=slot,
    )
    if reference_number.strip():
        seal_field(
            application, "reference_number", reference_number.strip(), key=case_key(actor, case)
        )
    application.save()
    application.people.set(people)
    ApplicationStep.objects.create(
        application=application, status=S.DRAFT, on=started_on, recorded_by=actor.actor_id
    )
    _log(actor, application, EventType.APPLICATION_STARTED, detail={"route": route.id})
    if deadline is not None:
        add_task(
            actor=actor,
            case=case,
            title=f"{route.id}: {_('application deadline')}",
            due_on=deadline,
        )
    if submitted:
        return record_status(
            actor=actor, application=application, status=S.SUBMITTED, on=started_on
        )
    return application


@transaction.atomic
def record_status(
    *,
    actor: Actor,
    application: Application,
    status: ApplicationStatus,
    on: date,
    denial_reason: str = "",
    version: int | None = None,
) -> Application:
    """Move the application to `status` on the day it happened."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if version is not None and version != application.version:
        raise InvalidInput(str(STALE))
    current = ApplicationStatus(application.status)
    if status not in TRANSITIONS[current]:
        raise InvalidInput(str(TRANSITION_REFUSED % {"current": current.label, "to": status.label}))
    if on > clock.today():
        raise InvalidInput(str(DATE_IN_FUTURE))
    last = application.steps.order_by("-on").first()
    if last is not None and on < last.on:
        raise InvalidInput(str(DATE_BEFORE_LAST % {"date": last.on.isoformat()}))
    if status is S.DENIED:
        if denial_reason not in DenialReason.values:
            raise InvalidInput(str(DENIAL_NEEDS_REASON))
        application.denial_reason = denial_reason
    if status is S.SUBMITTED and application.submitted_on is None:
        application.submitted_on = on
    if status in APPLICATION_DECIDED:
        application.decided_on = on
    application.status = status
    application.version += 1
    application.save()
    ApplicationStep.objects.create(
        application=application, status=status, on=on, recorded_by=actor.actor_id
    )
    _log(
        actor,
        application,
        EventType.APPLICATION_STATUS_RECORDED,
        reason=application.denial_reason if status is S.DENIED else "",
        detail={"to": status, "on": on.isoformat()},
    )
    if status is S.GRANTED:
        for person in application.people.all():
            if not Milestone.objects.filter(
                person=person, kind=MilestoneKind.VISA_GRANTED
            ).exists():
                record_milestone(
                    actor=actor,
                    case=application.case,
                    person=person,
                    kind=MilestoneKind.VISA_GRANTED,
                    reached_on=on,
                )
    return application


@transaction.atomic
def retract_status(
    *, actor: Actor, application: Application, reason_text: str, version: int | None = None
) -> Application:
    """Withdraw the application's last status, recorded by mistake: the application goes
    back to the status before it, with its dates, and the reports count it so. A grant
    withdrawn takes back the "visa or permit granted" it recorded for people no other
    grant covers."""
    text = corrections.check_reason(reason_text)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if version is not None and version != application.version:
        raise InvalidInput(str(STALE))
    steps = list(application.steps.order_by("on", "id"))
    if len(steps) < 2:
        raise InvalidInput(str(NOTHING_TO_RETRACT))
    last, remaining = steps[-1], steps[:-1]
    last.delete()
    application.status = remaining[-1].status
    submitted = [step.on for step in remaining if step.status == S.SUBMITTED]
    application.submitted_on = submitted[0] if submitted else None
    decisions = [step.on for step in remaining if step.status in APPLICATION_DECIDED]
    application.decided_on = decisions[-1] if decisions else None
    if not any(step.status == S.DENIED for step in remaining):
        application.denial_reason = ""
    application.version += 1
    application.save()
    _log(
        actor,
        application,
        EventType.APPLICATION_STATUS_RETRACTED,
        reason=corrections.CORRECTION,
        detail={"from": last.status, "on": last.on.isoformat(), "to": application.status},
        reason_text=text,
        timeline_detail=f"{last.status} {last.on.isoformat()} → {application.status}",
    )
    if last.status == S.GRANTED:
        _retract_grant_milestones(actor, application, granted_on=last.on, reason_text=text)
    return application


def _retract_grant_milestones(
    actor: Actor, application: Application, *, granted_on: date, reason_text: str
) -> None:
    """Take back "visa or permit granted" where this grant recorded it (same day) and no
    other granted application covers the person."""
    for person in application.people.all():
        other_grant = (
            Application.objects.filter(people=person, status=S.GRANTED)
            .exclude(pk=application.pk)
            .exists()
        )
        milestone = Milestone.objects.filter(
            person=person, kind=MilestoneKind.VISA_GRANTED, reached_on=granted_on
        ).first()
        if milestone is not None and not other_grant:
            corrections.retract_milestone(
                actor=actor,
                case=application.case,
                milestone=milestone,
                reason_text=reason_text,
                reason="grant_retracted",
            )


@transaction.atomic
def add_slot_agreement(
    *,
    actor: Actor,
    route_id: str,
    authority: str,
    places: int,
    valid_from: date,
    valid_until: date,
) -> SlotAgreement:
    """An authority's agreement to take `places` applications from the organisation."""
    if places < 1 or valid_until < valid_from:
        raise InvalidInput(str(SLOT_INVALID))
    if not any(
        isinstance(entry, Route) and entry.id == route_id
        for entry in selectors.list_current_entries()
    ):
        raise InvalidInput(str(NOT_A_ROUTE))
    if not authority.strip():
        raise InvalidInput(str(AUTHORITY_EMPTY))
    slot = SlotAgreement.objects.create(
        route_id=route_id,
        authority=authority.strip()[:120],
        places=places,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    record_event(
        actor=actor,
        event=EventType.SLOT_AGREEMENT_ADDED,
        object_type=ObjectType.SLOT_AGREEMENT,
        object_id=str(slot.pk),
        detail={"route": route_id, "places": places},
    )
    return slot


def _check_place(slot: SlotAgreement, *, route_id: str, on: date) -> None:
    """The agreement is for this route, covers the day and has a place left. The row is
    locked so two caseworkers cannot take the last place at once."""
    slot = SlotAgreement.objects.select_for_update().get(pk=slot.pk)
    if slot.route_id != route_id:
        raise InvalidInput(str(SLOT_OTHER_ROUTE))
    if not slot.valid_from <= on <= slot.valid_until:
        raise InvalidInput(str(SLOT_NOT_VALID % {"date": on.isoformat()}))
    if selectors.places_taken(slot) >= slot.places:
        raise InvalidInput(str(SLOT_FULL))


def _log(
    actor: Actor,
    application: Application,
    event: EventType,
    *,
    reason: str = "",
    detail: dict[str, str | int] | None = None,
    reason_text: str = "",
    timeline_detail: str = "",
) -> None:
    """One timeline line and one audit event; `reason_text` sealed under the case's key."""
    case = application.case
    add_timeline_entry(
        actor=actor,
        case=case,
        kind=event.value,
        object_type=ObjectType.APPLICATION,
        object_id=str(application.pk),
        detail=timeline_detail or str((detail or {}).get("to", application.route_id)),
    )
    record_event(
        actor=actor,
        event=event,
        object_type=ObjectType.APPLICATION,
        object_id=str(application.pk),
        case_id=case.ref,
        reason=reason,
        detail={"route": application.route_id, **(detail or {})},
        reason_text=reason_text,
        reason_key=case_key(actor, case) if reason_text else None,
    )
