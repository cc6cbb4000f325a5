"""The alerts on the dashboard and the rota page: danger first, each with when
it was raised and how urgent it is, linking to the exact object; the rota typed in the
organisation's clock and kept by coordinators only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from corridor.accounts import oncall
from corridor.accounts.models import OnCallShift, StaffAlert
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.core import clock
from tests.accounts.helpers import form_token
from tests.factories import staff_with
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_caller_in_danger_comes_first_and_links_to_the_request_itself():
    """Before, the hotline's escalation sat below older alerts and linked to the request
    list. Now it comes first, says it is urgent and when it was raised, and opens the
    request by its reference."""
    coordinator = staff_with(Role.COORDINATOR)
    for _ in range(3):
        StaffAlert.objects.create(staff=coordinator, code="route_changed", case_ref="CR-AAAA-AAAA")
    StaffAlert.objects.create(
        staff=coordinator,
        code="hotline_escalation",
        case_ref="RQ-HCJ2-CX23",
        created_at=clock.now() - timedelta(hours=2),
    )
    page = client_for(coordinator).get("/").content.decode()
    first = page.index('data-severity="')
    assert page[first : first + 30].startswith('data-severity="urgent"')
    assert page.index("/requests/RQ-HCJ2-CX23/") < page.index("CR-AAAA-AAAA")
    assert "Urgent" in page
    assert "Routine" in page


def test_a_coordinator_puts_someone_on_call_in_the_organisations_clock(settings):
    """20:00 to 08:00 typed in Moscow is 17:00 to 05:00 UTC; a caseworker cannot see the rota."""
    settings.CORRIDOR_ORG_TIME_ZONE = "Europe/Moscow"
    coordinator, caseworker = staff_with(Role.COORDINATOR), staff_with(Role.CASEWORKER)
    client = client_for(coordinator)
    token = form_token(client, "/rota/")
    client.post(
        "/rota/",
        {
            "staff": caseworker.pk,
            "backup": coordinator.pk,
            "starts": "2026-03-01T20:00",
            "ends": "2026-03-02T08:00",
            "csrfmiddlewaretoken": token,
        },
    )
    shift = OnCallShift.objects.get()
    assert (shift.starts_at, shift.ends_at) == (
        datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 5, 0, tzinfo=UTC),
    )
    assert oncall.on_call_at(datetime(2026, 3, 2, 0, 0, tzinfo=UTC)) == shift
    assert AuditEntry.objects.filter(event_type="accounts.shift_added").count() == 1
    backwards = client.post(
        "/rota/",
        {
            "staff": caseworker.pk,
            "starts": "2026-03-02T08:00",
            "ends": "2026-03-02T07:00",
            "csrfmiddlewaretoken": token,
        },
    )
    assert "A shift ends after it starts" in backwards.content.decode()
    assert OnCallShift.objects.count() == 1
    assert client_for(caseworker).get("/rota/").status_code == 403
