"""The dashboard and the board cost a fixed number of queries, whatever the caseload.

Each page is rendered for a small and a four times larger caseload (cases with incidents,
overdue check-ins, flags, overdue tasks, journeys, unassigned ones) and must use exactly the
same number of queries both times. The timings at 100,000 cases are in
bench/bench_dashboards.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.cases.models import Flag, IncidentKind, LegKind, TravelMode
from corridor.cases.services import logistics, progress, safety, work
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.people.models import Channel
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory, new_case
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.web.conftest import client_for

pytestmark = CASE_DB

# The whole request: session, account, roles, navigation and banners, then the page's reads.
DASHBOARD_QUERIES = 15
# With the requests past their deadline, and the workload counted as the dashboards count
# it (nine queries whatever the number of people, cases.dashboards.count_workload), and
# one evacuation night (accounts.Surge) where there were two kinds of surge.
BOARD_QUERIES = 26


def caseload(size: int, coordinator, worker) -> None:
    """`size` cases of each kind the pages group: in danger, calm, travelling, unassigned."""
    for index in range(size):
        case = new_case(coordinator, region="RU-CE", due_in_days=-(index % 3))
        assign_case(actor=coordinator, case=case, staff=worker)
        person = case.members.get().person
        safety.set_protocol(
            actor=worker, case=case, person=person, channel=Channel.PHONE, every_hours=1
        )
        if index % 2:
            safety.raise_incident(actor=worker, case=case, kind=IncidentKind.DURESS, person=person)
        progress.raise_flag(actor=worker, case=case, flag=Flag.MISSING)
        logistics.record_travel_leg(
            actor=worker,
            case=case,
            kind=LegKind.EXIT_REGION,
            from_place="RU-CE",
            to_place="RU-MOW",
            mode=TravelMode.CAR,
            travel_on=clock.today() + timedelta(days=index % 2),
            itinerary="-",
        )
        work.add_task(actor=worker, case=case, title="x", due_on=clock.today() - timedelta(days=2))
        new_case(coordinator)


@pytest.fixture
def people(vault_keys, time_machine):  # noqa: F811
    time_machine.move_to("2026-06-02 09:00:00Z", tick=False)
    return StaffFactory(roles=[Role.COORDINATOR]), StaffFactory(roles=[Role.CASEWORKER])


@pytest.mark.parametrize("size", [2, 8])
def test_the_dashboard_costs_the_same_queries_for_any_caseload(
    people, time_machine, size, django_assert_num_queries
):
    coordinator, worker = people
    caseload(size, coordinator, worker)
    time_machine.shift(timedelta(hours=2))  # every check-in is now overdue
    client = client_for(worker)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get("/")
    assert response.content.decode().count('class="tier-') == size


@pytest.mark.parametrize("size", [2, 8])
def test_the_board_costs_the_same_queries_for_any_caseload(
    people, time_machine, size, django_assert_num_queries
):
    coordinator, worker = people
    caseload(size, coordinator, worker)
    client = client_for(coordinator)
    with django_assert_num_queries(BOARD_QUERIES):
        response = client.get("/board/")
    body = response.content.decode()
    assert body.count('class="row--alert"') == size // 2
    assert 'id="unassigned"' in body
