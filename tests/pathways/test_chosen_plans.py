"""A plan chosen for a case is stored (through its service, audited), so a route change names
the cases whose chosen plan it touches, not only those with an open application on it."""

from __future__ import annotations

import pytest
from django.test import Client

from corridor.accounts.models import StaffAlert
from corridor.audit.leaves import parse_detail
from corridor.audit.models import AuditEntry
from corridor.core.exceptions import InvalidInput
from corridor.pathways import plan_choices, routes, selectors
from corridor.pathways import services as pathway_services
from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.models import ChosenPlan
from corridor.pathways.route_changes import CHOSEN_PLAN, ROUTE_CHANGED, affected_cases
from corridor.pathways.schema import entry_content, parse_entry
from tests.accounts.helpers import log_in
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory, open_case_for

pytestmark = CASE_DB
ROUTE = "ca-gar"
TRANSIT = "transit-am"


@pytest.fixture(autouse=True)
def catalog(coordinator):
    pathway_services.load_catalog(actor=coordinator, entries=[f.entry for f in read_catalog()])


@pytest.fixture
def planned(vault_keys, coordinator, caseworker):
    """Case `on` chose Armenia then GAR (led by `caseworker`); case `off` chose another
    route (led by someone else)."""
    elsewhere = StaffFactory()
    on = open_case_for(coordinator, caseworker, "ON")
    off = open_case_for(coordinator, elsewhere, "OFF")
    plan_choices.choose_plan(actor=caseworker, case=on, route_ids=(TRANSIT, ROUTE))
    plan_choices.choose_plan(actor=coordinator, case=off, route_ids=("ca-trp",))
    return on, off, elsewhere


def alerted() -> set[tuple[int, str]]:
    return set(StaffAlert.objects.filter(code=ROUTE_CHANGED).values_list("staff_id", "case_ref"))


def test_pausing_the_route_of_a_chosen_plan_alerts_that_case_only(planned, coordinator, caseworker):
    on, _off, elsewhere = planned
    routes.pause_route(actor=coordinator, route_id=ROUTE, reason="Referrals stopped")
    assert alerted() == {(caseworker.pk, on.ref)}
    assert not StaffAlert.objects.filter(staff=elsewhere).exists()
    assert [(c.ref, c.route_id, c.status) for c in affected_cases([ROUTE])] == [
        (on.ref, ROUTE, CHOSEN_PLAN)
    ]


def test_closing_the_route_in_a_catalog_load_names_the_case_that_chose_it(planned, coordinator):
    on, _off, _elsewhere = planned
    files = [f.entry for f in read_catalog()]
    changed = [
        parse_entry({**entry_content(e), "status": "suspended"}) if e.id == ROUTE else e
        for e in files
    ]
    report = pathway_services.load_catalog(actor=coordinator, entries=changed)
    assert [(case.ref, case.what) for case in report.affected] == [(on.ref, "chosen plan")]


def test_choosing_another_plan_replaces_the_first_which_then_is_not_affected(
    planned, coordinator, caseworker
):
    on, _off, _elsewhere = planned
    plan_choices.choose_plan(actor=caseworker, case=on, route_ids=("ca-trp",))
    assert selectors.current_plan(on.pk).route_ids == ("ca-trp",)  # type: ignore[union-attr]
    assert ChosenPlan.objects.filter(case=on).count() == 2  # the first stays in the history
    routes.pause_route(actor=coordinator, route_id=ROUTE, reason="Referrals stopped")
    assert alerted() == set()


def test_a_choice_is_audited_with_route_ids_only(planned, caseworker):
    on, _off, _elsewhere = planned
    entry = AuditEntry.objects.get(event_type="pathways.plan_chosen", case_id=on.ref)
    assert parse_detail(entry.detail) == {"route": ROUTE, "transit": TRANSIT}
    assert on.timeline.filter(kind="pathways.plan_chosen").count() == 1


@pytest.mark.parametrize(
    "route_ids",
    [("no-such-route",), (ROUTE, TRANSIT), (TRANSIT,), ("transit-ge", "transit-am"), ()],
)
def test_a_plan_outside_the_catalog_is_refused_and_nothing_is_written(
    planned, caseworker, route_ids
):
    on, _off, _elsewhere = planned
    before = ChosenPlan.objects.count(), AuditEntry.objects.count()
    with pytest.raises(InvalidInput):
        plan_choices.choose_plan(actor=caseworker, case=on, route_ids=route_ids)
    assert (ChosenPlan.objects.count(), AuditEntry.objects.count()) == before
    assert selectors.current_plan(on.pk).route_ids == (TRANSIT, ROUTE)  # type: ignore[union-attr]


def test_choosing_the_same_plan_again_is_a_clear_error(planned, caseworker):
    on, _off, _elsewhere = planned
    with pytest.raises(InvalidInput, match="already"):
        plan_choices.choose_plan(actor=caseworker, case=on, route_ids=(TRANSIT, ROUTE))


def test_the_caseworker_chooses_a_plan_from_the_case_page(vault_keys, coordinator, caseworker):
    case = open_case_for(coordinator, caseworker, "WEB")
    client = Client()
    log_in(client, caseworker)
    response = client.post(f"/cases/{case.ref}/plans/choose/", {"route": ROUTE, "transit": TRANSIT})
    assert response.status_code == 302
    assert selectors.current_plan(case.pk).route_ids == (TRANSIT, ROUTE)  # type: ignore[union-attr]
    refused = client.post(f"/cases/{case.ref}/plans/choose/", {"route": "nope", "transit": ""})
    assert refused.status_code == 400
