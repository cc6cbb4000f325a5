"""The coordinator's board and the pages around it: who may open them, and what they show."""

from __future__ import annotations

from decimal import Decimal

import pytest

from corridor.accounts import surges
from corridor.accounts.models import Surge
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import ExchangeRate, FundingSource
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


@pytest.mark.parametrize("role", list(Role))
def test_only_coordinators_open_the_board(role):
    expected = 200 if role is Role.COORDINATOR else 403
    assert client_for(StaffFactory(roles=[role])).get("/board/").status_code == expected


def test_the_board_puts_incidents_first_and_lists_a_phase(fx):
    body = client_for(fx.coordinator).get("/board/").content.decode()
    assert body.index('id="incidents"') < body.index('id="in-motion"') < body.index('id="phases"')
    assert body.index(fx.case.ref) < body.index('id="in-motion"')
    listing = client_for(fx.coordinator).get("/board/", {"phase": fx.case.phase}).content.decode()
    assert fx.case.ref in listing.split('id="unassigned"')[0].split('id="phases"')[1]
    assert client_for(fx.coordinator).get("/board/", {"phase": "nowhere"}).status_code == 404


def test_the_board_shows_a_running_night_and_sends_to_the_one_page_for_nights(fx):
    """One evacuation night, opened and closed on one page: the board only shows it."""
    client = client_for(fx.coordinator)
    form = {"name": "night-0601", "reason": "raid_response", "hours": 3}
    client.post("/keys/surges/", {**form, "threshold": 60, "members": [fx.owner.pk]})
    surge = Surge.objects.get()
    assert surges.surge_threshold(fx.owner) == 60
    board = client.get("/board/").content.decode()
    assert "Evacuation night night-0601" in board
    assert 'href="/keys/surges/"' in board
    assert "/board/surge/" not in board
    client.post(f"/keys/surges/{surge.pk}/close/")
    assert surges.surge_threshold(fx.owner) == surges.normal_threshold()
    refused = client.post("/keys/surges/", {**form, "threshold": 5000, "members": [fx.owner.pk]})
    assert refused.status_code == 200
    assert Surge.objects.count() == 1


def test_the_auditor_has_an_insider_alerts_tab():
    client = client_for(StaffFactory(roles=[Role.AUDITOR]))
    events = client.get("/audit/").content.decode()
    assert 'href="/audit/insider/"' in events
    assert "No insider alerts." in client.get("/audit/insider/").content.decode()


@pytest.mark.parametrize("path", ["/settings/exchange-rates/", "/settings/funding-sources/"])
@pytest.mark.parametrize("role", list(Role))
def test_cost_settings_are_for_administrators(role, path):
    expected = 200 if role is Role.ADMIN else 403
    assert client_for(StaffFactory(roles=[role])).get(path).status_code == expected


def test_an_administrator_sets_a_rate_and_adds_a_funding_source():
    client = client_for(StaffFactory(roles=[Role.ADMIN]))
    response = client.post(
        "/settings/exchange-rates/",
        {"currency": "rub", "per_unit": "0.0105", "as_of": "2026-01-01"},
    )
    assert response.status_code == 302
    assert ExchangeRate.objects.get().per_unit == Decimal("0.0105")
    bad = client.post(
        "/settings/exchange-rates/", {"currency": "XXX", "per_unit": "1", "as_of": "2026-01-01"}
    )
    assert bad.status_code == 400
    assert "Unknown currency" in bad.content.decode()
    client.post("/settings/funding-sources/", {"code": "grant-2026", "name": "Emergency grant"})
    again = client.post("/settings/funding-sources/", {"code": "grant-2026", "name": "Again"})
    assert again.status_code == 400
    assert FundingSource.objects.get().name == "Emergency grant"
    assert AuditEntry.objects.filter(event_type="cases.funding_source_added").count() == 1


def test_board_forms_refuse_what_does_not_exist_or_is_incomplete(fx):
    client = client_for(fx.coordinator)
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        client.post(f"/board/alerts/{missing}/review/", {"outcome": "expected"}).status_code == 404
    )


def test_the_board_says_when_it_lists_only_the_first_incidents(fx, monkeypatch):
    from corridor.cases import dashboards
    from corridor.cases.models import IncidentKind
    from corridor.cases.services import safety

    client = client_for(fx.coordinator)
    assert "Showing the first" not in client.get("/board/").content.decode()
    monkeypatch.setattr(dashboards, "INCIDENTS_ON_BOARD", 1)
    safety.raise_incident(actor=fx.coordinator, case=fx.lonely, kind=IncidentKind.MISSING)
    incidents = client.get("/board/").content.decode().split('id="in-motion"')[0]
    assert "Showing the first 1 of 2." in incidents
