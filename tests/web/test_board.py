"""The coordinator's board and the pages around it: who may open them, and what they show."""

from __future__ import annotations

from decimal import Decimal

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import ExchangeRate, FundingSource, Surge
from corridor.cases.services import insider
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


def test_a_surge_is_declared_and_ended_from_the_board(fx):
    client = client_for(fx.coordinator)
    client.post("/board/surge/", {"reason": "raid_response", "threshold": 60, "hours": 3})
    surge = Surge.objects.get()
    assert insider.insider_threshold() == 60
    client.post(f"/board/surge/{surge.pk}/end/")
    assert insider.insider_threshold() == insider.normal_threshold()
    refused = client.post(
        "/board/surge/", {"reason": "raid_response", "threshold": 5000, "hours": 3}
    )
    assert refused.status_code == 302
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
    assert client.post("/board/surge/999/end/").status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert (
        client.post(f"/board/alerts/{missing}/review/", {"outcome": "expected"}).status_code == 404
    )
    response = client.post("/board/surge/", {"reason": "evacuation_night"}, follow=True)
    assert "Fill in every field" in response.content.decode()
    assert not Surge.objects.exists()
