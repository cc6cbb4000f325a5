"""The applications board and the catalog pages: who opens them, and editing through them."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.core import clock
from corridor.pathways import applications
from corridor.pathways.models import ApplicationStatus as S
from corridor.pathways.models import CatalogVersion, SlotAgreement
from corridor.web.route_panel import route_names
from tests.accounts.helpers import form_token, log_in
from tests.cases.conftest import CASE_DB
from tests.factories import load_shipped_catalog, staff_with, start_application_for

pytestmark = CASE_DB


@pytest.fixture(autouse=True)
def catalog(coordinator):
    load_shipped_catalog(coordinator)


def client_as(staff) -> Client:
    client = Client()
    log_in(client, staff)
    return client


@pytest.mark.parametrize(
    ("role", "board", "catalog_page"),
    [
        (Role.CASEWORKER, 200, 403),
        (Role.COORDINATOR, 200, 200),
        (Role.ADMIN, 403, 200),
        (Role.AUDITOR, 403, 403),
        (Role.VERIFIER, 403, 403),
    ],
)
def test_who_opens_the_board_and_the_catalog(role, board, catalog_page):
    client = client_as(staff_with(role))
    assert client.get("/applications/").status_code == board
    assert client.get("/catalog/").status_code == catalog_page
    assert client.get("/catalog/ca-gar/").status_code == catalog_page


def test_a_caseworker_sees_only_applications_of_own_cases(open_case, coordinator, caseworker):
    mine, theirs = open_case(), open_case(assign=False)
    for case in (mine, theirs):
        application = start_application_for(coordinator, case)
        applications.record_status(
            actor=coordinator, application=application, status=S.SUBMITTED, on=clock.today()
        )
    page = client_as(caseworker).get("/applications/").content.decode()
    assert mine.ref in page
    assert theirs.ref not in page
    coordinator_page = client_as(coordinator).get("/applications/").content.decode()
    assert theirs.ref in coordinator_page


def test_editing_an_entry_makes_a_version_with_a_diff(coordinator):
    client = client_as(coordinator)
    page = client.get("/catalog/ca-trp/edit/").content.decode()
    content = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1)
    text = html.unescape(content).replace("discretionary: true", "discretionary: false")
    response = client.post(
        "/catalog/ca-trp/edit/",
        {"content": text, "csrfmiddlewaretoken": form_token(client, "/catalog/ca-trp/edit/")},
    )
    assert response.status_code == 302
    latest = CatalogVersion.objects.filter(entry_id="ca-trp").order_by("-number").first()
    assert (latest.number, latest.origin, latest.created_by) == (2, "admin", coordinator.actor_id)
    history = client.get("/catalog/ca-trp/").content.decode()
    assert "+ &quot;discretionary&quot;: false" in history or '+ "discretionary": false' in history


def test_a_broken_edit_is_refused_with_the_field_named(coordinator):
    client = client_as(coordinator)
    response = client.post("/catalog/ca-trp/edit/", {"content": "id: ca-trp\nkind: route\n"})
    assert response.status_code == 400
    assert "field required" in response.content.decode().lower()
    assert CatalogVersion.objects.filter(entry_id="ca-trp").count() == 1


def test_pausing_from_the_page(coordinator):
    client = client_as(coordinator)
    client.post("/catalog/ca-trp/pause/", {"reason": "Embassy closed"})
    assert "Embassy closed" in client.get("/catalog/ca-trp/").content.decode()
    assert "paused by us" in client.get("/catalog/").content.decode()
    client.post("/catalog/ca-trp/resume/")
    assert "paused by us" not in client.get("/catalog/").content.decode()


def test_a_coordinator_records_negotiated_places_and_the_board_shows_them(coordinator):
    client = client_as(coordinator)
    until = clock.today() + timedelta(days=90)
    response = client.post(
        "/catalog/ca-trp/slots/",
        {
            "authority": "Canadian embassy, Moscow",
            "places": 5,
            "valid_from": clock.today(),
            "valid_until": until,
        },
    )
    assert response.status_code == 302
    entry = html.unescape(client.get("/catalog/ca-trp/").content.decode())
    assert "Canadian embassy, Moscow" in entry
    assert "0 / 5" in entry
    board = html.unescape(client.get("/applications/").content.decode())
    # The route by its name in the reader's language, not its catalog id.
    slots = board.split('id="slots"')[1]
    assert route_names("en")["ca-trp"] in slots
    assert "ca-trp" not in slots
    assert until.isoformat() in board


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"places": 0}, "Ensure this value is greater than or equal to 1."),
        ({"valid_until": "2020-01-01"}, "ends after it starts"),
        ({"authority": "   "}, "This field is required."),
    ],
)
def test_an_impossible_agreement_is_refused_on_the_page(coordinator, data, says):
    form = {
        "authority": "Embassy",
        "places": 2,
        "valid_from": clock.today(),
        "valid_until": clock.today() + timedelta(days=9),
        **data,
    }
    response = client_as(coordinator).post("/catalog/ca-trp/slots/", form)
    assert response.status_code == 400
    assert says in html.unescape(response.content.decode())
    assert not SlotAgreement.objects.exists()


def test_only_keepers_of_the_catalog_record_agreements(caseworker):
    response = client_as(caseworker).post(
        "/catalog/ca-trp/slots/",
        {
            "authority": "Embassy",
            "places": 2,
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
        },
    )
    assert response.status_code == 403
    assert not SlotAgreement.objects.exists()
