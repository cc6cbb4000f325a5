"""Placements in safe places and travel legs (minimal: full shelter management comes later).

Both set milestones: a placement puts each person of the household in a safe
place; a completed leg out of the region, out of the country or into the
destination records that milestone for each of them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases.models import (
    Case,
    ExpenseCategory,
    LegKind,
    Milestone,
    MilestoneKind,
    Phase,
    Placement,
    TravelLeg,
    TravelMode,
)
from corridor.cases.services._base import case_key, log, touch
from corridor.cases.services.costs import record_expense
from corridor.cases.services.progress import follow_readiness, record_milestone
from corridor.core import clock
from corridor.core.actors import WORKER, Actor
from corridor.core.exceptions import InvalidInput
from corridor.people.models import Person
from corridor.vault.fields import seal_field

SHELTER_REF_INVALID = _("A shelter reference is 2 to 20 letters, digits or dashes, e.g. SH-04.")
PLACE_INVALID = _("Use a country or region code, e.g. RU-CE, RU-MOW, GE, DE.")
ADDRESS_EMPTY = _("Give the address (it is encrypted and shown only to those who need it).")
DATES_INVERTED = _("The end date is before the start date.")
LEG_DONE = _("This journey is already completed or cancelled.")
DATE_IN_FUTURE = _("That date is in the future.")

LEG_MILESTONES: dict[str, tuple[MilestoneKind, ...]] = {
    LegKind.EXIT_REGION: (MilestoneKind.OUT_OF_REGION,),
    LegKind.EXIT_COUNTRY: (MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY),
    LegKind.ARRIVAL: (
        MilestoneKind.OUT_OF_REGION,
        MilestoneKind.LEFT_COUNTRY,
        MilestoneKind.ARRIVED,
    ),
}


@dataclass(frozen=True)
class ShelterTerms:
    """What a placement in a registered shelter carries from it (cases never imports
    shelters: the shelters app checks capacity and rules, then records through here)."""

    shelter_id: uuid.UUID
    nightly_cost_minor: int
    currency: str


@transaction.atomic
def record_placement(
    *,
    actor: Actor,
    case: Case,
    shelter_ref: str,
    address: str,
    starts_on: date,
    ends_on: date | None = None,
    people: Sequence[Person] = (),
    terms: ShelterTerms | None = None,
) -> Placement:
    """A stay from `starts_on` to the morning of `ends_on`. A free-text placement names
    its shelter by a code and gives its address (sealed under the case's key); one in a
    registered shelter (`terms`) keeps no address of its own. "In a safe place" is
    reached now if the stay has begun, else by the daily sweep on its first day."""
    if not re.fullmatch(r"[A-Za-z0-9-]{2,20}", shelter_ref):
        raise InvalidInput(str(SHELTER_REF_INVALID))
    if terms is None and not address.strip():
        raise InvalidInput(str(ADDRESS_EMPTY))
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(str(DATES_INVERTED))
    key = case_key(actor, case)
    placement = Placement(
        case=case,
        shelter_ref=shelter_ref.upper(),
        starts_on=starts_on,
        ends_on=ends_on,
        beds=len(people),
    )
    if terms is not None:
        placement.shelter_id = terms.shelter_id
        placement.nightly_cost_minor = terms.nightly_cost_minor
        placement.currency = terms.currency
    seal_field(placement, "address", address.strip() or "-", key=key)
    placement.save()
    if people:
        placement.people.set(people)
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.PLACEMENT_RECORDED,
        object_type=ObjectType.PLACEMENT,
        object_id=str(placement.pk),
        detail={"shelter": placement.shelter_ref},
    )
    if starts_on <= clock.today():
        _reach(actor, case, (MilestoneKind.SAFE_PLACE,), starts_on)
    return placement


@transaction.atomic
def end_placement(*, actor: Actor, placement: Placement, ends_on: date) -> Placement:
    if ends_on < placement.starts_on:
        raise InvalidInput(str(DATES_INVERTED))
    placement.ends_on = ends_on
    placement.save(update_fields=["ends_on", "updated_at"])
    charge_nights(actor=actor, placement=placement)
    touch(placement.case)
    log(
        actor=actor,
        case=placement.case,
        event=EventType.PLACEMENT_ENDED,
        object_type=ObjectType.PLACEMENT,
        object_id=str(placement.pk),
    )
    return placement


@transaction.atomic
def record_travel_leg(
    *,
    actor: Actor,
    case: Case,
    kind: LegKind,
    from_place: str,
    to_place: str,
    mode: TravelMode,
    travel_on: date,
    itinerary: str,
    escort: Staff | None = None,
    completed_on: date | None = None,
) -> TravelLeg:
    """A journey planned, or (with `completed_on`) one that already happened: recorded and
    completed in one step, reaching its milestones as `complete_travel_leg` does."""
    for place in (from_place, to_place):
        if not re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?", place):
            raise InvalidInput(str(PLACE_INVALID))
    key = case_key(actor, case)
    leg = TravelLeg(
        case=case,
        kind=kind,
        from_place=from_place.upper(),
        to_place=to_place.upper(),
        mode=mode,
        travel_on=travel_on,
        escort=escort,
    )
    seal_field(leg, "itinerary", itinerary.strip() or "-", key=key)
    leg.save()
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.TRAVEL_LEG_RECORDED,
        object_type=ObjectType.TRAVEL_LEG,
        object_id=str(leg.pk),
        detail={"kind": kind, "on": travel_on.isoformat()},
    )
    if completed_on is not None:
        return complete_travel_leg(actor=actor, leg=leg, on=completed_on)
    # A journey sooner than the next one planned moves the day documents must be valid on.
    follow_readiness(actor, case)
    return leg


@transaction.atomic
def complete_travel_leg(*, actor: Actor, leg: TravelLeg, on: date) -> TravelLeg:
    """The journey happened: record the milestones it reaches for everyone in the case."""
    if leg.completed_on is not None or leg.cancelled_on is not None:
        raise InvalidInput(str(LEG_DONE))
    if on > clock.today():
        raise InvalidInput(str(DATE_IN_FUTURE))
    leg.completed_on = on
    leg.save(update_fields=["completed_on", "updated_at"])
    touch(leg.case)
    log(
        actor=actor,
        case=leg.case,
        event=EventType.TRAVEL_LEG_COMPLETED,
        object_type=ObjectType.TRAVEL_LEG,
        object_id=str(leg.pk),
        detail={"kind": leg.kind},
    )
    _reach(actor, leg.case, LEG_MILESTONES.get(leg.kind, ()), on)
    return leg


@transaction.atomic
def cancel_travel_leg(
    *, actor: Actor, leg: TravelLeg, reason: str = "plan_changed", on: date | None = None
) -> TravelLeg:
    """A planned journey will not happen: it stays on the case, marked cancelled today
    (or `on`, the day it was cancelled on the installation a moved case came from)."""
    if leg.completed_on is not None or leg.cancelled_on is not None:
        raise InvalidInput(str(LEG_DONE))
    leg.cancelled_on = on or clock.today()
    leg.save(update_fields=["cancelled_on", "updated_at"])
    touch(leg.case)
    log(
        actor=actor,
        case=leg.case,
        event=EventType.TRAVEL_LEG_CANCELLED,
        object_type=ObjectType.TRAVEL_LEG,
        object_id=str(leg.pk),
        reason=reason,
        detail={"kind": leg.kind},
    )
    # The next journey, or today, becomes the day documents must be valid on: it may be
    # sooner, and a document that would have lapsed by the cancelled one may now do.
    follow_readiness(actor, leg.case)
    return leg


@transaction.atomic
def charge_nights(*, actor: Actor, placement: Placement, today: date | None = None) -> int:
    """Record the nights of a paid stay that have begun and are not yet in the case's
    costs as one housing expense (nights x beds x the nightly cost per bed); returns
    the nights charged. A currency with no exchange rate yet waits for one."""
    if placement.nightly_cost_minor <= 0 or not placement.currency:
        return 0
    # What is charged already is the row's, not the caller's copy (a page loaded earlier,
    # a sweep running at the same time): read it under a lock.
    placement = Placement.objects.select_for_update().select_related("case").get(pk=placement.pk)
    day = today or clock.today()
    first = placement.charged_until if placement.charged_until is not None else placement.starts_on
    last = day if placement.ends_on is None else min(day, placement.ends_on - timedelta(days=1))
    if last < first:
        return 0
    nights = (last - first).days + 1
    beds = max(placement.beds, 1)
    try:
        with transaction.atomic():
            record_expense(
                actor=actor,
                case=placement.case,
                category=ExpenseCategory.HOUSING,
                amount_minor=nights * beds * placement.nightly_cost_minor,
                currency=placement.currency,
                spent_on=last,
            )
            placement.charged_until = last + timedelta(days=1)
            placement.save(update_fields=["charged_until", "updated_at"])
    except InvalidInput:
        return 0
    return nights


def follow_placements(today: date | None = None) -> tuple[int, int]:
    """The daily sweep: "in a safe place" for stays that began (a placement made for
    tomorrow reaches it tomorrow), and the nights they have used charged to their cases.
    Returns (cases that reached it, nights charged)."""
    day = today or clock.today()
    reached = 0
    nights = 0
    begun = (
        Placement.objects.filter(starts_on__lte=day, case__erased_at__isnull=True)
        .exclude(case__phase=Phase.CLOSED)
        .select_related("case")
    )
    for placement in begun.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day)):
        case = placement.case
        waiting = case.members.filter(left_at__isnull=True).exclude(
            person__milestones__kind=MilestoneKind.SAFE_PLACE
        )
        if waiting.exists():
            with transaction.atomic():
                _reach(WORKER, case, (MilestoneKind.SAFE_PLACE,), placement.starts_on)
            reached += 1
    # Paid stays with nights still to charge (a stay charged to its end is left alone).
    owing = begun.filter(nightly_cost_minor__gt=0).filter(
        Q(ends_on__isnull=True) | Q(charged_until__isnull=True) | Q(charged_until__lt=F("ends_on"))
    )
    for placement in owing:
        nights += charge_nights(actor=WORKER, placement=placement, today=day)
    return reached, nights


def _reach(actor: Actor, case: Case, kinds: tuple[MilestoneKind, ...], on: date) -> None:
    """Record each milestone for each active member who does not have it yet."""
    for membership in case.members.filter(left_at__isnull=True).select_related("person"):
        held = set(
            Milestone.objects.filter(person=membership.person).values_list("kind", flat=True)
        )
        for kind in kinds:
            if kind not in held:
                record_milestone(
                    actor=actor, case=case, person=membership.person, kind=kind, reached_on=on
                )
                held.add(kind)
