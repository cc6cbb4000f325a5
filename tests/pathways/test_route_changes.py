"""Route changes reach the cases: pausing, closing or materially changing a route alerts the
caseworkers of the cases with an open application on it, and nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from corridor.accounts.models import StaffAlert
from corridor.cases.models import Relation
from corridor.core import clock
from corridor.pathways import applications, routes, selectors
from corridor.pathways import services as pathway_services
from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.models import ApplicationStatus as S
from corridor.pathways.route_changes import ROUTE_CHANGED
from corridor.pathways.schema import Evidence, entry_content, parse_entry
from tests.accounts.helpers import log_in
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory, open_case_for

pytestmark = CASE_DB
ROUTE = "ch-humanitarian-visa"
OTHER_ROUTE = "ca-trp"


@pytest.fixture(autouse=True)
def catalog(coordinator):
    pathway_services.load_catalog(actor=coordinator, entries=[f.entry for f in read_catalog()])


def start(actor, case, route):
    principal = case.members.get(relation=Relation.PRINCIPAL).person
    return applications.start_application(
        actor=actor, case=case, route_id=route, authority="Embassy", people=[principal]
    )


@pytest.fixture
def cases(vault_keys, coordinator, caseworker):
    """Case `on` has an open application on ROUTE (led by `caseworker`); case `off` has one
    on another route (led by another caseworker)."""
    elsewhere = StaffFactory()
    on = open_case_for(coordinator, caseworker, "ON")
    off = open_case_for(coordinator, elsewhere, "OFF")
    start(coordinator, on, ROUTE)
    start(coordinator, off, OTHER_ROUTE)
    return on, off, elsewhere


def alerted() -> set[tuple[int, str]]:
    return set(StaffAlert.objects.filter(code=ROUTE_CHANGED).values_list("staff_id", "case_ref"))


def current(route_id):
    return next(e for e in selectors.list_current_entries() if e.id == route_id)


def edited(route_id, **changes):
    return parse_entry({**entry_content(current(route_id)), **changes})


def test_pausing_a_route_alerts_the_caseworker_of_the_case_on_it_and_no_one_else(
    cases, coordinator, caseworker
):
    on, _off, elsewhere = cases
    routes.pause_route(actor=coordinator, route_id=ROUTE, reason="Embassy stopped appointments")
    assert alerted() == {(caseworker.pk, on.ref)}
    assert not StaffAlert.objects.filter(staff=elsewhere).exists()


def test_closing_a_route_in_an_edit_alerts_once_per_person_and_case(cases, coordinator, caseworker):
    on, _off, _elsewhere = cases
    result = pathway_services.record_admin_edit(
        actor=coordinator, entry=edited(ROUTE, status="suspended")
    )
    assert [case.ref for case in result.affected] == [on.ref]
    assert alerted() == {(caseworker.pk, on.ref)}
    # A second change before the caseworker looked adds no second banner for the same case.
    pathway_services.record_admin_edit(actor=coordinator, entry=edited(ROUTE, discretionary=True))
    assert StaffAlert.objects.filter(code=ROUTE_CHANGED).count() == 1


def test_a_source_only_recheck_alerts_nobody(cases, coordinator):
    """Re-verifying a status against its source changes what the catalog cites, not what the
    person can do: no banner."""
    route = current(ROUTE)
    assert isinstance(route.status_source, Evidence)
    recheck = route.status_source.model_copy(
        update={"verified": route.status_source.verified - timedelta(days=1)}  # type: ignore[operator]
    )
    entry = edited(ROUTE, status_source=recheck.model_dump(mode="json"))
    assert pathway_services.record_admin_edit(actor=coordinator, entry=entry).version is not None
    assert alerted() == set()


def test_a_catalog_load_that_changes_a_route_alerts_its_cases(cases, coordinator, caseworker):
    on, _off, _elsewhere = cases
    files = [f.entry for f in read_catalog()]
    changed = [
        parse_entry({**entry_content(e), "status": "suspended"}) if e.id == ROUTE else e
        for e in files
    ]
    report = pathway_services.load_catalog(actor=coordinator, entries=changed)
    assert {case.ref for case in report.affected} == {on.ref}
    assert alerted() == {(caseworker.pk, on.ref)}


def test_a_decided_application_is_not_affected(cases, coordinator):
    on, _off, _elsewhere = cases
    application = on.applications.get()
    applications.record_status(
        actor=coordinator, application=application, status=S.WITHDRAWN, on=clock.today()
    )
    routes.pause_route(actor=coordinator, route_id=ROUTE, reason="Embassy closed")
    assert alerted() == set()


def test_coordinators_see_the_cases_on_a_route_and_the_caseworker_sees_the_banner(
    cases, coordinator, caseworker
):
    on, off, _elsewhere = cases
    client = Client()
    log_in(client, coordinator)
    page = client.get(f"/catalog/{ROUTE}/").content.decode()
    assert f'data-case="{on.ref}"' in page
    assert off.ref not in page
    routes.pause_route(actor=coordinator, route_id=ROUTE, reason="Embassy closed")
    worker = Client()
    log_in(worker, caseworker)
    dashboard = worker.get("/").content.decode()
    assert 'data-alert="route_changed"' in dashboard
    assert on.ref in dashboard
