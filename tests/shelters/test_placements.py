"""Shelters: the registry's sealed part, placements that fit, and a compromised house."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.models import StaffAlert
from corridor.audit.models import AuditEntry
from corridor.cases.models import (
    CaseFlag,
    Expense,
    ExpenseCategory,
    Flag,
    Incident,
    IncidentKind,
    Milestone,
    MilestoneKind,
    Placement,
)
from corridor.cases.services import logistics
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from corridor.people.models import AgeBand, Person, Sex
from corridor.shelters.access import ShelterForbidden, access_shelter_details
from corridor.shelters.models import Shelter, ShelterStatus, WhoMayStay
from corridor.shelters.selectors import occupancy_board
from corridor.shelters.services import mark_compromised, move_placement, place_people, set_status
from tests.factories import shelter_for
from tests.plugins.cases import CASE_DB

pytestmark = CASE_DB


def people_of(case) -> list[Person]:
    return [m.person for m in case.members.filter(left_at__isnull=True).select_related("person")]


def test_address_and_host_are_sealed_and_only_coordinators_read_them(
    vault_keys, coordinator, caseworker
):
    shelter = shelter_for(coordinator, "SH-21", address="Canary lane 7")
    row = Shelter.objects.get(pk=shelter.pk)
    assert "Canary" not in repr(row.details)
    assert access_shelter_details(coordinator, row, purpose="registry").address == "Canary lane 7"
    assert AuditEntry.objects.filter(event_type="shelters.shelter_read").count() == 1
    with pytest.raises(ShelterForbidden):
        access_shelter_details(caseworker, row, purpose="registry")
    with pytest.raises(ShelterForbidden):
        shelter_for(caseworker, "SH-22")
    # The shelter's key is its own, not any case's.
    assert row.key_id is not None


def test_capacity_is_checked_for_every_night(open_case, coordinator, caseworker):
    shelter = shelter_for(coordinator, "SH-30", capacity=2)
    today = clock.today()
    first, second = open_case(), open_case()
    # Two beds taken from the 5th night to the 8th.
    for case in (first,):
        logistics_people = people_of(case)
        place_people(
            actor=coordinator,
            case=case,
            shelter=shelter,
            people=logistics_people,
            starts_on=today + timedelta(days=5),
            ends_on=today + timedelta(days=8),
        )
    from corridor.cases.models import Relation
    from corridor.cases.services import opening
    from tests.factories import person_input

    opening.add_member(
        actor=coordinator, case=second, data=person_input(), relation=Relation.PARTNER
    )
    second_people = people_of(second)
    with pytest.raises(InvalidInput) as refused:
        place_people(
            actor=coordinator,
            case=second,
            shelter=shelter,
            people=second_people,
            starts_on=today,
            ends_on=today + timedelta(days=10),
        )
    night = (today + timedelta(days=5)).isoformat()
    assert f"SH-30 has 1 free beds on the night of {night}; this placement needs 2." == str(
        refused.value
    )
    assert not Placement.objects.filter(case=second).exists()
    # Leaving the morning the others arrive fits.
    place_people(
        actor=coordinator,
        case=second,
        shelter=shelter,
        people=second_people[:1],
        starts_on=today,
        ends_on=today + timedelta(days=10),
    )
    board = {row.shelter.code_name: row for row in occupancy_board()}["SH-30"]
    assert board.nights[0].refs == [second.ref]
    assert board.nights[0].free == 1
    assert sorted(board.nights[5].refs) == sorted([first.ref, second.ref])
    assert board.nights[5].free == 0
    assert board.nights[10].free == 2


@pytest.mark.parametrize(
    ("rules", "person", "pets", "step_free", "sentence"),
    [
        ({"who_may_stay": WhoMayStay.WOMEN}, {"sex": Sex.MALE}, False, False, "takes women only"),
        ({"children": False}, {"age_band": AgeBand.CHILD}, False, False, "takes no children"),
        ({"pets": False}, {}, True, False, "takes no pets"),
        ({"accessible": False}, {}, False, True, "has no step-free access"),
        ({"max_nights": 7}, {}, False, False, "at most 7 nights"),
    ],
)
def test_rules_refuse_with_a_sentence(
    open_case, coordinator, rules, person, pets, step_free, sentence
):
    shelter = shelter_for(coordinator, "SH-40", **rules)
    case = open_case()
    people = people_of(case)
    Person.objects.filter(pk=people[0].pk).update(**person)
    people = people_of(case)
    with pytest.raises(InvalidInput, match=sentence):
        place_people(
            actor=coordinator,
            case=case,
            shelter=shelter,
            people=people,
            starts_on=clock.today(),
            ends_on=clock.today() + timedelta(days=10),
            pets=pets,
            step_free=step_free,
        )


def test_a_paused_shelter_takes_nobody_and_overlap_warns(open_case, coordinator):
    shelter = shelter_for(coordinator, "SH-50")
    other = shelter_for(coordinator, "SH-51")
    case = open_case()
    today = clock.today()
    place_people(
        actor=coordinator,
        case=case,
        shelter=shelter,
        people=people_of(case),
        starts_on=today,
        ends_on=today + timedelta(days=4),
    )
    result = place_people(
        actor=coordinator,
        case=case,
        shelter=other,
        people=people_of(case),
        starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=6),
    )
    assert result.warnings == ["1 of them already has another placement on some of these nights."]
    set_status(actor=coordinator, shelter=other, status=ShelterStatus.PAUSED)
    third = open_case()
    with pytest.raises(InvalidInput, match="SH-51 takes no new placements: it is paused"):
        place_people(
            actor=coordinator, case=third, shelter=other, people=people_of(third), starts_on=today
        )


def test_a_stay_starting_tomorrow_reaches_safe_place_tomorrow(open_case, coordinator, time_machine):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    shelter = shelter_for(coordinator, "SH-60")
    case = open_case()
    tomorrow = clock.today() + timedelta(days=1)
    place_people(
        actor=coordinator, case=case, shelter=shelter, people=people_of(case), starts_on=tomorrow
    )
    logistics.follow_placements()
    assert not Milestone.objects.filter(case=case, kind=MilestoneKind.SAFE_PLACE).exists()
    time_machine.shift(timedelta(days=1))
    logistics.follow_placements()
    reached = Milestone.objects.get(case=case, kind=MilestoneKind.SAFE_PLACE)
    assert reached.reached_on == tomorrow


def test_nights_flow_into_the_case_costs_and_a_move_is_one_action(
    open_case, coordinator, time_machine
):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    first = shelter_for(coordinator, "SH-70", nightly_cost_minor=1500)
    second = shelter_for(coordinator, "SH-71", nightly_cost_minor=1000)
    case = open_case()
    start = clock.today()
    placed = place_people(
        actor=coordinator,
        case=case,
        shelter=first,
        people=people_of(case),
        starts_on=start,
        ends_on=start + timedelta(days=10),
    ).placement
    time_machine.shift(timedelta(days=2))
    logistics.follow_placements()
    # Nights of day 0, 1 and 2 have begun: 3 x 1 bed x 15.00.
    assert list(Expense.objects.filter(case=case).values_list("category", "amount_minor")) == [
        (ExpenseCategory.HOUSING, 4500)
    ]
    moved = move_placement(actor=coordinator, placement=placed, shelter=second, on=clock.today())
    placed.refresh_from_db()
    assert placed.ends_on == clock.today()
    assert moved.placement.shelter_id == second.pk
    assert moved.placement.ends_on == start + timedelta(days=10)
    assert moved.warnings == []
    # A move refused (the new shelter is full) leaves the first stay as it was.
    third = shelter_for(coordinator, "SH-72", capacity=1)
    occupant = open_case()
    place_people(
        actor=coordinator,
        case=occupant,
        shelter=third,
        people=people_of(occupant),
        starts_on=clock.today(),
    )
    with pytest.raises(InvalidInput):
        move_placement(
            actor=coordinator,
            placement=moved.placement,
            shelter=third,
            on=clock.today() + timedelta(days=1),
        )
    moved.placement.refresh_from_db()
    assert moved.placement.ends_on == start + timedelta(days=10)
    # Once the stay is over, its nights (day 2 to day 9 in the second shelter) are charged
    # once: a later sweep adds nothing.
    time_machine.shift(timedelta(days=20))
    logistics.follow_placements()
    logistics.follow_placements()
    assert sorted(Expense.objects.filter(case=case).values_list("amount_minor", flat=True)) == [
        4500,
        8000,
    ]


def test_a_compromised_shelter_flags_its_cases_and_opens_incidents_for_those_there_now(
    open_case, coordinator, caseworker, time_machine
):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    shelter = shelter_for(coordinator, "SH-80", capacity=10)
    today = clock.today()
    now_here, left_recently, left_long_ago, elsewhere = (open_case() for _ in range(4))
    place_people(
        actor=coordinator,
        case=now_here,
        shelter=shelter,
        people=people_of(now_here),
        starts_on=today - timedelta(days=3),
    )
    place_people(
        actor=coordinator,
        case=left_recently,
        shelter=shelter,
        people=people_of(left_recently),
        starts_on=today - timedelta(days=40),
        ends_on=today - timedelta(days=10),
    )
    place_people(
        actor=coordinator,
        case=left_long_ago,
        shelter=shelter,
        people=people_of(left_long_ago),
        starts_on=today - timedelta(days=90),
        ends_on=today - timedelta(days=60),
    )
    with pytest.raises(ShelterForbidden):
        mark_compromised(actor=caseworker, shelter=shelter, reason="host arrested")
    with pytest.raises(InvalidInput, match="Say why"):
        mark_compromised(actor=coordinator, shelter=shelter, reason="  ")
    result = mark_compromised(actor=coordinator, shelter=shelter, reason="host questioned")
    flagged = set(
        CaseFlag.objects.filter(flag=Flag.COMPROMISED, cleared_at__isnull=True).values_list(
            "case__ref", flat=True
        )
    )
    assert {now_here.ref, left_recently.ref} <= flagged
    assert left_long_ago.ref not in flagged
    assert elsewhere.ref not in flagged
    incidents = Incident.objects.filter(kind=IncidentKind.SHELTER_COMPROMISED)
    assert list(incidents.values_list("case__ref", flat=True)) == [now_here.ref]
    # The caseworker of each flagged case is alerted; the coordinators get the incident's
    # urgent alert, which pages whoever is on call.
    assert set(
        StaffAlert.objects.filter(staff=caseworker, code="shelter_compromised").values_list(
            "case_ref", flat=True
        )
    ) == {now_here.ref, left_recently.ref}
    assert StaffAlert.objects.filter(
        staff=coordinator, code="incident_opened", case_ref=now_here.ref
    ).exists()
    assert result.alerted == 2
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.COMPROMISED
    with pytest.raises(InvalidInput, match="takes no new placements"):
        place_people(
            actor=coordinator,
            case=elsewhere,
            shelter=shelter,
            people=people_of(elsewhere),
            starts_on=today,
        )
    # The reason is sealed, never in the log's leaf.
    entry = AuditEntry.objects.get(event_type="shelters.shelter_compromised")
    assert "questioned" not in str(entry.detail)
    assert "questioned" not in repr(shelter.compromise_reason)


def test_the_on_call_coordinator_is_woken_for_people_in_a_compromised_shelter(
    open_case, coordinator, time_machine
):
    """The relocation incident is urgent: the coordinator on call now is paged for it."""
    from corridor.accounts import oncall
    from corridor.accounts.models import OnCallShift, Page
    from corridor.accounts.roles import Role
    from tests.factories import staff_with

    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    on_call = staff_with(Role.COORDINATOR)
    OnCallShift.objects.create(
        staff=on_call,
        starts_at=clock.now() - timedelta(hours=1),
        ends_at=clock.now() + timedelta(hours=8),
        created_by=coordinator,
    )
    shelter = shelter_for(coordinator, "SH-85")
    case = open_case()
    place_people(
        actor=coordinator,
        case=case,
        shelter=shelter,
        people=people_of(case),
        starts_on=clock.today(),
    )
    mark_compromised(actor=coordinator, shelter=shelter, reason="raid feared")
    oncall.run_pages()
    page = Page.objects.get(code="incident_opened")
    assert list(page.paged.all()) == [on_call]
