"""The shelter registry and placements that fit.

    shelter = register_shelter(actor=coordinator, code_name="SH-04", city="Tbilisi", ...)
    result = place_people(actor=caseworker, case=case, shelter=shelter, people=[...],
                          starts_on=..., ends_on=...)      # refuses with a sentence
    move_placement(actor=..., placement=..., shelter=other, on=today)   # one action
    mark_compromised(actor=coordinator, shelter=shelter, reason="...")

Changing the registry is for coordinators (access.check_shelter_access). Placing people
is for whoever works the case (the case's key is asked for): the shelter's capacity on
every night and its rules are checked before anything is written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.accounts.models import Staff, StaffAlert
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.currencies import ISO_4217
from corridor.cases.models import (
    Case,
    CaseAssignment,
    CaseFlag,
    CaseMember,
    Flag,
    Incident,
    IncidentKind,
    Phase,
    Placement,
)
from corridor.cases.services import logistics
from corridor.cases.services.progress import raise_flag
from corridor.cases.services.safety import raise_incident
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.people.models import AgeBand, Person, Sex
from corridor.shelters.access import check_shelter_access
from corridor.shelters.models import CLOSED_TO_NEW, Shelter, ShelterStatus, WhoMayStay
from corridor.shelters.selectors import BOARD_NIGHTS, beds_of, occupies, placements_over
from corridor.vault import keys as vault_keys
from corridor.vault.fields import seal_field
from corridor.vault.ledger import KeyOwner

# What a compromised shelter's caseworkers are told (a code; the alert's words are the
# template's). Recent means a stay that ended within this many days.
SHELTER_COMPROMISED_ALERT = "shelter_compromised"
RECENT = timedelta(days=30)

CODE_INVALID = _("A code name is 2 to 20 letters, digits or dashes, e.g. SH-04.")
CODE_TAKEN = _("That code name is already in the registry.")
ADDRESS_NEEDED = _("Give the exact address: it is sealed and only coordinators see it.")
PLACE_TOO_LONG = _("City and region are at most 60 characters each; keep them coarse.")
CAPACITY_INVALID = _("Capacity is a number of beds from 1 to 200.")
MAX_NIGHTS_INVALID = _("Longest stay is a number of nights from 1 to 365, or empty.")
COST_INVALID = _("The nightly cost is zero or a positive number of the currency's smallest unit.")
CURRENCY_UNKNOWN = _("Unknown currency: use a three-letter ISO code such as EUR, RUB or USD.")
WHO_INVALID = _("Choose who may stay.")
STATUS_INVALID = _("Choose a status; to mark a shelter compromised, use Mark compromised.")
COMPROMISED_FINAL = _("A compromised shelter stays closed to placements; register a new one.")
REASON_NEEDED = _("Say why the shelter is compromised.")
CLOSED_TO_PLACEMENTS = _("%(shelter)s takes no new placements: it is %(status)s.")
NOBODY_CHOSEN = _("Choose who stays there.")
NOT_IN_CASE = _("Only people of this case can be placed from it.")
NO_ROOM = _(
    "%(shelter)s has %(free)s free beds on the night of %(night)s; this placement needs %(beds)s."
)
WOMEN_ONLY = _("%(shelter)s takes women only.")
MEN_ONLY = _("%(shelter)s takes men only.")
NO_CHILDREN = _("%(shelter)s takes no children.")
NO_PETS = _("%(shelter)s takes no pets.")
NOT_ACCESSIBLE = _("%(shelter)s has no step-free access.")
TOO_LONG = _("%(shelter)s takes stays of at most %(nights)s nights.")
END_NEEDED = _("%(shelter)s takes stays of at most %(nights)s nights: give the end date.")
OVERLAP = ngettext_lazy(
    "%(count)s of them already has another placement on some of these nights.",
    "%(count)s of them already have another placement on some of these nights.",
    "count",
)
MOVE_DONE = _("This placement has already ended.")
MOVE_DATE = _("A move happens on a day of the stay, not before it starts.")


@dataclass(frozen=True)
class ShelterInput:
    code_name: str
    city: str
    region: str
    address: str
    host: str
    host_contact: str
    capacity: int
    who_may_stay: str = WhoMayStay.ANYONE
    max_nights: int | None = None
    pets: bool = False
    children: bool = True
    accessible: bool = False
    nightly_cost_minor: int = 0
    currency: str = "EUR"


@dataclass
class PlacementResult:
    placement: Placement
    warnings: list[str] = field(default_factory=list)


@dataclass
class CompromiseResult:
    flagged: list[Case] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    alerted: int = 0


def _clean(data: ShelterInput) -> ShelterInput:
    code = data.code_name.strip().upper()
    if not re.fullmatch(r"[A-Z0-9-]{2,20}", code):
        raise InvalidInput(str(CODE_INVALID))
    if not data.address.strip():
        raise InvalidInput(str(ADDRESS_NEEDED))
    if len(data.city.strip()) > 60 or len(data.region.strip()) > 60:
        raise InvalidInput(str(PLACE_TOO_LONG))
    if not 1 <= data.capacity <= 200:
        raise InvalidInput(str(CAPACITY_INVALID))
    if data.max_nights is not None and not 1 <= data.max_nights <= 365:
        raise InvalidInput(str(MAX_NIGHTS_INVALID))
    if data.nightly_cost_minor < 0:
        raise InvalidInput(str(COST_INVALID))
    currency = data.currency.strip().upper()
    if currency not in ISO_4217:
        raise InvalidInput(str(CURRENCY_UNKNOWN))
    if data.who_may_stay not in WhoMayStay.values:
        raise InvalidInput(str(WHO_INVALID))
    return ShelterInput(
        code_name=code,
        city=data.city.strip(),
        region=data.region.strip(),
        address=data.address.strip()[:500],
        host=data.host.strip()[:200],
        host_contact=data.host_contact.strip()[:200],
        capacity=data.capacity,
        who_may_stay=data.who_may_stay,
        max_nights=data.max_nights,
        pets=data.pets,
        children=data.children,
        accessible=data.accessible,
        nightly_cost_minor=data.nightly_cost_minor,
        currency=currency,
    )


def register_shelter(*, actor: Staff, data: ShelterInput) -> Shelter:
    """A new shelter, its address and host sealed under a key of its own."""
    check_shelter_access(actor)
    clean = _clean(data)
    if Shelter.objects.filter(code_name=clean.code_name).exists():
        raise InvalidInput(str(CODE_TAKEN))
    shelter_id = uuid.uuid4()
    key = vault_keys.create_data_key(owner=KeyOwner(kind="shelter", object_id=str(shelter_id)))
    with transaction.atomic():
        shelter = Shelter(
            id=shelter_id,
            code_name=clean.code_name,
            city=clean.city,
            region=clean.region,
            capacity=clean.capacity,
            who_may_stay=clean.who_may_stay,
            max_nights=clean.max_nights,
            pets=clean.pets,
            children=clean.children,
            accessible=clean.accessible,
            nightly_cost_minor=clean.nightly_cost_minor,
            currency=clean.currency,
            registered_by=actor,
        )
        seal_field(
            shelter,
            "details",
            {"address": clean.address, "host": clean.host, "host_contact": clean.host_contact},
            key=key,
        )
        shelter.save()
        record_event(
            actor=actor,
            event=EventType.SHELTER_REGISTERED,
            object_type=ObjectType.SHELTER,
            object_id=str(shelter.pk),
            detail={"capacity": clean.capacity},
        )
    return shelter


@transaction.atomic
def set_status(*, actor: Staff, shelter: Shelter, status: str) -> Shelter:
    """Available, full, paused or closed; a compromised shelter never reopens."""
    check_shelter_access(actor)
    if status not in ShelterStatus.values or status == ShelterStatus.COMPROMISED:
        raise InvalidInput(str(STATUS_INVALID))
    if shelter.status == ShelterStatus.COMPROMISED:
        raise InvalidInput(str(COMPROMISED_FINAL))
    previous = shelter.status
    shelter.status = status
    shelter.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        event=EventType.SHELTER_CHANGED,
        object_type=ObjectType.SHELTER,
        object_id=str(shelter.pk),
        detail={"from": previous, "to": status},
    )
    return shelter


def _check_rules(
    shelter: Shelter,
    people: Sequence[Person],
    starts_on: date,
    ends_on: date | None,
    *,
    pets: bool,
    step_free: bool,
) -> None:
    name = {"shelter": shelter.code_name}
    if shelter.status in CLOSED_TO_NEW:
        raise InvalidInput(
            str(CLOSED_TO_PLACEMENTS)
            % {**name, "status": str(ShelterStatus(shelter.status).label).lower()}
        )
    if shelter.who_may_stay == WhoMayStay.WOMEN and any(p.sex != Sex.FEMALE for p in people):
        raise InvalidInput(str(WOMEN_ONLY) % name)
    if shelter.who_may_stay == WhoMayStay.MEN and any(p.sex != Sex.MALE for p in people):
        raise InvalidInput(str(MEN_ONLY) % name)
    if not shelter.children and any(p.age_band in (AgeBand.CHILD, AgeBand.TEEN) for p in people):
        raise InvalidInput(str(NO_CHILDREN) % name)
    if pets and not shelter.pets:
        raise InvalidInput(str(NO_PETS) % name)
    if step_free and not shelter.accessible:
        raise InvalidInput(str(NOT_ACCESSIBLE) % name)
    if shelter.max_nights is not None:
        if ends_on is None:
            raise InvalidInput(str(END_NEEDED) % {**name, "nights": shelter.max_nights})
        if (ends_on - starts_on).days > shelter.max_nights:
            raise InvalidInput(str(TOO_LONG) % {**name, "nights": shelter.max_nights})


def _check_room(
    shelter: Shelter,
    beds: int,
    starts_on: date,
    ends_on: date | None,
    *,
    excluding: uuid.UUID | None = None,
) -> None:
    """Refuse unless every night of the stay has `beds` free beds (an open-ended stay is
    checked over the board's horizon from its start)."""
    last = (
        ends_on - timedelta(days=1)
        if ends_on is not None
        else starts_on + timedelta(days=BOARD_NIGHTS - 1)
    )
    placed = list(placements_over(shelter.pk, starts_on, last, excluding=excluding))
    night = starts_on
    while night <= last:
        used = sum(beds_of(p) for p in placed if occupies(p, night))
        free = shelter.capacity - used
        if free < beds:
            raise InvalidInput(
                str(NO_ROOM)
                % {
                    "shelter": shelter.code_name,
                    "free": max(free, 0),
                    "night": night.isoformat(),
                    "beds": beds,
                }
            )
        night += timedelta(days=1)


def _overlaps(
    people: Sequence[Person], starts_on: date, ends_on: date | None, excluding: uuid.UUID | None
) -> int:
    """How many of `people` have another placement sharing a night with this one."""
    others = Placement.objects.filter(people__in=people)
    if ends_on is not None:
        others = others.filter(starts_on__lt=ends_on)
    others = others.exclude(ends_on__isnull=False, ends_on__lte=starts_on)
    if excluding is not None:
        others = others.exclude(pk=excluding)
    return len(set(others.values_list("people", flat=True)) & {p.pk for p in people})


@transaction.atomic
def place_people(
    *,
    actor: Actor,
    case: Case,
    shelter: Shelter,
    people: Sequence[Person],
    starts_on: date,
    ends_on: date | None = None,
    pets: bool = False,
    step_free: bool = False,
    excluding: uuid.UUID | None = None,
) -> PlacementResult:
    """Place `people` of `case` in `shelter` if it is open, its rules fit them and it has
    beds for them on every night; warn (not refuse) when someone is placed elsewhere too."""
    locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
    if not people:
        raise InvalidInput(str(NOBODY_CHOSEN))
    members = set(
        CaseMember.objects.filter(case=case, left_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    if any(person.pk not in members for person in people):
        raise InvalidInput(str(NOT_IN_CASE))
    if ends_on is not None and ends_on <= starts_on:
        raise InvalidInput(str(logistics.DATES_INVERTED))
    _check_rules(locked, people, starts_on, ends_on, pets=pets, step_free=step_free)
    _check_room(locked, len(people), starts_on, ends_on, excluding=excluding)
    warnings: list[str] = []
    overlapping = _overlaps(people, starts_on, ends_on, excluding)
    if overlapping:
        warnings.append(str(OVERLAP % {"count": overlapping}))
    placement = logistics.record_placement(
        actor=actor,
        case=case,
        shelter_ref=locked.code_name,
        address="",
        starts_on=starts_on,
        ends_on=ends_on,
        people=people,
        terms=logistics.ShelterTerms(
            shelter_id=locked.pk,
            nightly_cost_minor=locked.nightly_cost_minor,
            currency=locked.currency,
        ),
    )
    return PlacementResult(placement=placement, warnings=warnings)


@transaction.atomic
def move_placement(
    *, actor: Actor, placement: Placement, shelter: Shelter, on: date
) -> PlacementResult:
    """End a stay on `on` and place the same people in `shelter` from that day, keeping
    its planned end: one action, both or neither."""
    if placement.ends_on is not None and placement.ends_on <= on:
        raise InvalidInput(str(MOVE_DONE))
    if on < placement.starts_on:
        raise InvalidInput(str(MOVE_DATE))
    people = list(placement.people.all()) or [
        m.person
        for m in placement.case.members.filter(left_at__isnull=True).select_related("person")
    ]
    planned_end = placement.ends_on
    logistics.end_placement(actor=actor, placement=placement, ends_on=on)
    result = place_people(
        actor=actor,
        case=placement.case,
        shelter=shelter,
        people=people,
        starts_on=on,
        ends_on=planned_end,
        excluding=placement.pk,
    )
    record_event(
        actor=actor,
        event=EventType.PLACEMENT_MOVED,
        object_type=ObjectType.PLACEMENT,
        object_id=str(result.placement.pk),
        case_id=placement.case.ref,
        detail={"from": str(placement.pk), "shelter": shelter.code_name},
    )
    return result


def mark_compromised(*, actor: Staff, shelter: Shelter, reason: str) -> CompromiseResult:
    """Close the shelter to placements for good, flag every case with a stay there now,
    to come, or ended in the last 30 days, open a relocation incident for each case
    with people there now (the on-call coordinator is paged for it), and alert the
    caseworkers of every flagged case. The reason is sealed under the shelter's key."""
    check_shelter_access(actor)
    because = reason.strip()
    if not because:
        raise InvalidInput(str(REASON_NEEDED))
    if shelter.status == ShelterStatus.COMPROMISED:
        raise InvalidInput(str(COMPROMISED_FINAL))
    key = vault_keys.data_key(
        shelter.key_id or "", for_actor=actor.actor_id, case_id=str(shelter.pk)
    )
    today = clock.today()
    result = CompromiseResult()
    with transaction.atomic():
        locked = Shelter.objects.select_for_update().get(pk=shelter.pk)
        if locked.status == ShelterStatus.COMPROMISED:  # a second coordinator was first
            raise InvalidInput(str(COMPROMISED_FINAL))
        locked.status = ShelterStatus.COMPROMISED
        locked.compromised_at = clock.now()
        seal_field(locked, "compromise_reason", because[:2000], key=key)
        locked.save(update_fields=["status", "compromised_at", "compromise_reason", "updated_at"])
        record_event(
            actor=actor,
            event=EventType.SHELTER_COMPROMISED,
            object_type=ObjectType.SHELTER,
            object_id=str(locked.pk),
            reason="compromised",
        )
        stays = (
            Placement.objects.filter(shelter_id=locked.pk)
            .exclude(ends_on__lt=today - RECENT)
            .select_related("case")
            .order_by("case__ref")
        )
        current: dict[uuid.UUID, Case] = {}
        touched: dict[uuid.UUID, Case] = {}
        for stay in stays:
            if stay.case.erased_at is not None or stay.case.phase == Phase.CLOSED:
                continue
            touched.setdefault(stay.case_id, stay.case)
            if occupies(stay, today):
                current.setdefault(stay.case_id, stay.case)
        for case in touched.values():
            if not CaseFlag.objects.filter(
                case=case, flag=Flag.COMPROMISED, cleared_at__isnull=True
            ).exists():
                raise_flag(
                    actor=actor, case=case, flag=Flag.COMPROMISED, reason="shelter_compromised"
                )
            result.flagged.append(case)
        for case in current.values():
            result.incidents.append(
                raise_incident(actor=actor, case=case, kind=IncidentKind.SHELTER_COMPROMISED)
            )
        workers = sorted(
            set(
                CaseAssignment.objects.filter(
                    case__in=list(touched.values()), ended_at__isnull=True, staff__is_active=True
                ).values_list("staff_id", "case__ref")
            )
        )
        StaffAlert.objects.bulk_create(
            StaffAlert(staff_id=staff_id, code=SHELTER_COMPROMISED_ALERT, case_ref=ref)
            for staff_id, ref in workers
        )
        result.alerted = len(workers)
    return result
