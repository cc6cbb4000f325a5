"""The auditor's pages: only auditors, filters that work, no personal data to show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import SystemActor
from tests.accounts.helpers import log_in
from tests.factories import staff_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client():
    client = Client()
    log_in(client, staff_with(Role.AUDITOR))
    return client


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR])
def test_only_auditors_open_the_log(role):
    client = Client()
    log_in(client, staff_with(role))
    for path in ("/audit/", "/audit/touches/", "/audit/activity/"):
        assert client.get(path).status_code == 403


def test_events_filter_by_type_and_case(auditor_client):
    record_event(actor=SystemActor("worker"), event=EventType.KEY_CREATED, case_id="CR-AAAA-BBBB")
    record_event(actor=SystemActor("worker"), event=EventType.KEY_DESTROYED, case_id="CR-CCCC-DDDD")
    page = auditor_client.get("/audit/", {"event_type": "vault.key_created"}).content.decode()
    assert "CR-AAAA-BBBB" in page
    assert "CR-CCCC-DDDD" not in page
    page = auditor_client.get("/audit/", {"case": "cr-cccc-dddd"}).content.decode()
    assert "CR-CCCC-DDDD" in page
    assert "vault.key_created" not in page.split("<tbody>")[1]


def test_filter_by_username_finds_that_persons_events(auditor_client):
    caseworker = staff_with(Role.CASEWORKER, username="field-worker")
    log_in(Client(), caseworker)
    page = auditor_client.get("/audit/", {"actor": "field-worker"}).content.decode()
    assert "accounts.login_succeeded" in page
    assert f"staff:{caseworker.pk}" in page


def test_a_bad_date_is_a_clear_400(auditor_client):
    response = auditor_client.get("/audit/", {"since": "yesterday"})
    assert response.status_code == 400
    assert b"field__error" in response.content


def test_who_touched_a_case(auditor_client):
    for name in ("alpha", "alpha", "beta"):
        record_event(actor=SystemActor(name), event=EventType.KEY_CREATED, case_id="CR-EEEE-FFFF")
    page = auditor_client.get("/audit/touches/", {"cases": "CR-EEEE-FFFF"}).content.decode()
    assert page.index("system:alpha") < page.index("system:beta")


def test_an_unusual_day_comes_first(auditor_client, time_machine):
    """A person who usually does 2 things a day and today did 20 is listed first."""
    busy = staff_with(Role.CASEWORKER, username="busy-one")
    time_machine.move_to("2026-05-01 12:00:00Z", tick=False)
    for _day in range(10):
        for _ in range(2):
            record_event(actor=busy, event=EventType.LOGOUT)
        time_machine.shift(timedelta(days=1))
    for _ in range(20):
        record_event(actor=busy, event=EventType.LOGOUT)
    page = auditor_client.get("/audit/activity/").content.decode()
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert "busy-one" in first_row
    assert "row--alert" in first_row
