"""A case with something in every part of it, and a distinct canary in every sealed field.

Built through the same services staff use, with the builders of tests/factories.py. The
route enumeration (C1), the field canaries (C2) and the browser residue test (C23) all look
at this one shape.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases import risk
from corridor.cases.models import (
    Case,
    ExpenseCategory,
    Flag,
    Incident,
    IncidentKind,
    LegKind,
    LinkKind,
    Placement,
    Relation,
    Task,
    TravelLeg,
    TravelMode,
)
from corridor.cases.services import costs, logistics, opening, progress, safety, work
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.pathways.models import Application
from corridor.people.inputs import NameEntry, PersonInput
from corridor.people.models import AgeBand, Channel, Person, Sex
from corridor.shelters.models import Shelter
from tests.factories import (
    load_shipped_catalog,
    new_case,
    shelter_for,
    staff_with,
    start_application_for,
)

# Every sealed field of a case that a page could show. Placement addresses are the one
# field only coordinators may see.
CANARY_FIELDS = (
    "given_name",
    "latin_name",
    "address_as",
    "contact",
    "location_detail",
    "language",
    "health_needs",
    "protection_needs",
    "narrative",
    "profile_tag",
    "tie",
    "second_person_narrative",
    "safe_hours",
    "if_someone_else_answers",
    "check_in_word",
    "duress_word",
    "next_action",
    "task",
    "note",
    "placement_address",
    "itinerary",
    "reference_number",
)
COORDINATOR_ONLY = frozenset({"placement_address"})


def new_canaries() -> dict[str, str]:
    """One distinct canary per field (letters and digits only: check-in words must be words)."""
    return {name: f"CANARY{secrets.token_hex(8).upper()}" for name in CANARY_FIELDS}


@dataclass
class CaseFixture:
    case: Case
    owner: Staff
    coordinator: Staff
    spare: Staff
    lonely: Case
    principal: Person
    second: Person
    task: Task
    placement: Placement
    leg: TravelLeg
    incident: Incident
    application: Application
    # A shelter in the registry with room, to move the placement to.
    shelter: Shelter
    canaries: dict[str, str] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return clock.today()

    @property
    def tomorrow(self) -> date:
        return clock.today() + timedelta(days=1)

    def fresh(self) -> Case:
        self.case.refresh_from_db()
        return self.case


def build_case(canaries: dict[str, str] | None = None) -> CaseFixture:
    """A case led by a caseworker (`owner`), opened by a coordinator, with a second person,
    a contact protocol, tasks, a note, a placement, a journey, a risk assessment, a flag,
    a link, an open incident and an expense. Nobody else is assigned to it."""
    c = canaries or new_canaries()
    coordinator = staff_with(Role.COORDINATOR)
    owner = staff_with(Role.CASEWORKER)
    spare = staff_with(Role.CASEWORKER)
    principal = PersonInput(
        names=[
            NameEntry(script="cyrl", given=f"Руслан{c['given_name']}", family="Орлов"),
            NameEntry(script="latn", given=f"Ruslan{c['latin_name']}", family="Orlov"),
        ],
        address_as=c["address_as"],
        date_of_birth=date(1991, 5, 2),
        contacts=[{"kind": "phone", "value": c["contact"]}],
        location_detail=c["location_detail"],
        languages=[c["language"]],
        health_needs=c["health_needs"],
        protection_needs=c["protection_needs"],
        narrative=c["narrative"],
        profile_tags=[c["profile_tag"]],
        ties=[c["tie"]],
        nationality="RU",
        current_country="RU",
        sex=Sex.MALE,
        age_band=AgeBand.YOUNG,
    )
    case = opening.open_case(
        actor=coordinator,
        principal=principal,
        region="RU-CE",
        next_action=c["next_action"],
        next_action_due=clock.today() + timedelta(days=2),
    )
    assign_case(actor=coordinator, case=case, staff=owner)
    second = opening.add_member(
        actor=coordinator,
        case=case,
        data=PersonInput(
            names=[NameEntry(script="latn", given="Child")], narrative=c["second_person_narrative"]
        ),
        relation=Relation.CHILD,
    )
    first = case.members.get(relation=Relation.PRINCIPAL).person
    safety.set_protocol(
        actor=owner,
        case=case,
        person=first,
        channel=Channel.SIGNAL,
        every_hours=24,
        safe_hours=c["safe_hours"],
        if_someone_else_answers=c["if_someone_else_answers"],
        check_in_word=c["check_in_word"],
        duress_word=c["duress_word"],
    )
    task = work.add_task(actor=owner, case=case, title=c["task"], due_on=clock.today())
    work.add_note(actor=owner, case=case, body=c["note"])
    placement = logistics.record_placement(
        actor=coordinator,
        case=case,
        shelter_ref="SH-01",
        address=c["placement_address"],
        starts_on=clock.today(),
    )
    leg = logistics.record_travel_leg(
        actor=owner,
        case=case,
        kind=LegKind.IN_COUNTRY,
        from_place="RU-CE",
        to_place="RU-MOW",
        mode=TravelMode.TRAIN,
        travel_on=clock.today() + timedelta(days=1),
        itinerary=c["itinerary"],
    )
    work.assess_risk(
        actor=owner,
        case=case,
        answers=risk.RiskAnswers(threat_from_state=True, location_known=True),
    )
    progress.raise_flag(actor=owner, case=case, flag=Flag.DETAINED, reason="reported_by_family")
    relative = new_case(coordinator, given="Relative")
    opening.link_cases(actor=coordinator, case=case, other=relative, kind=LinkKind.SAME_FAMILY)
    incident = safety.raise_incident(actor=owner, case=case, kind=IncidentKind.RAID, person=first)
    costs.record_expense(
        actor=owner,
        case=case,
        category=ExpenseCategory.FOOD,
        amount_minor=1250,
        currency="EUR",
        spent_on=clock.today(),
    )
    lonely = new_case(coordinator, given="Alone")
    load_shipped_catalog(coordinator)
    application = start_application_for(
        owner,
        case,
        authority="Embassy of Germany, Moscow",
        people=[first],
        reference_number=c["reference_number"],
    )
    case.refresh_from_db()
    return CaseFixture(
        case=case,
        owner=owner,
        coordinator=coordinator,
        spare=spare,
        lonely=lonely,
        principal=first,
        second=second,
        task=task,
        placement=placement,
        leg=leg,
        incident=incident,
        application=application,
        shelter=shelter_for(coordinator, f"SH-{secrets.token_hex(3).upper()}"),
        canaries=c,
    )
