"""Reveals that fit work: an assigned person's opening stays open while they keep acting
on the case, up to the work window a coordinator sets (default 60 minutes, never above
the ceiling in code); a coordinator's break-glass opening keeps its ten minutes; the
insider counters count openings, not renewals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import CaseOpening
from corridor.cases.services.openings import (
    DEFAULT_WORK_WINDOW,
    WORK_WINDOW_CEILING,
    open_case_for_work,
    renew_opening,
    set_work_window,
    work_window,
)
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed
from tests.accounts.helpers import form_token
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def add_note(client, ref: str, body: str) -> None:
    url = f"/cases/{ref}/notes/add/"
    response = client.post(url, {"body": body, "csrfmiddlewaretoken": form_token(client, url)})
    assert response.status_code == 302, response.content[:400]


def opening_of(staff) -> CaseOpening:
    return CaseOpening.objects.filter(staff=staff).get()


def test_each_action_keeps_the_case_open_up_to_the_default_hour(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    opened_at = opening_of(fx.owner).opened_at
    assert opening_of(fx.owner).expires_at == opened_at + timedelta(minutes=10)
    for step in range(1, 8):  # an action every nine minutes for an hour and three minutes
        time_machine.shift(timedelta(minutes=9))
        add_note(client, fx.case.ref, f"звонок {step}")
        expected = min(clock.now() + timedelta(minutes=10), opened_at + DEFAULT_WORK_WINDOW)
        assert opening_of(fx.owner).expires_at == expected
    assert opening_of(fx.owner).expires_at == opened_at + timedelta(minutes=60)
    assert AuditEntry.objects.filter(event_type=EventType.OPENING_RENEWED.value).exists()
    # Past the window the case closes: the page masks the fields again.
    time_machine.shift(timedelta(minutes=10))
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert fx.canaries["narrative"] not in page
    assert "Open for work" in page
    # Renewals are not openings: the insider alert counted one.
    assert CaseOpening.objects.filter(staff=fx.owner).count() == 1


def test_without_actions_the_opening_closes_after_ten_minutes(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    time_machine.shift(timedelta(minutes=9))
    client.get(f"/cases/{fx.case.ref}/")  # reading is not an action
    time_machine.shift(timedelta(minutes=2))
    assert fx.canaries["narrative"] not in client.get(f"/cases/{fx.case.ref}/").content.decode()


def test_a_break_glass_opening_keeps_its_ten_minutes(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    opening = open_case_for_work(
        actor=coordinator,
        case=fx.case,
        session_key="break-glass",
        reason="supervision",
        confirmed_at=clock.now(),
    )
    time_machine.shift(timedelta(minutes=5))
    assert renew_opening(actor=coordinator, case=fx.case, session_key="break-glass") is None
    opening.refresh_from_db()
    assert opening.expires_at == opening.opened_at + timedelta(minutes=10)


def test_a_coordinator_sets_the_window_within_the_ceiling_and_it_is_audited(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    ceiling = int(WORK_WINDOW_CEILING.total_seconds() // 60)
    with pytest.raises(InvalidInput):
        set_work_window(actor=coordinator, minutes=ceiling + 1)
    with pytest.raises(InvalidInput):
        set_work_window(actor=coordinator, minutes=5)
    with pytest.raises(NotAllowed):
        set_work_window(actor=fx.owner, minutes=30)
    assert work_window() == DEFAULT_WORK_WINDOW
    client = client_for(coordinator)
    url = "/settings/work-window/"
    too_long = client.post(
        url, {"minutes": str(ceiling + 60), "csrfmiddlewaretoken": form_token(client, url)}
    )
    assert too_long.status_code == 400
    saved = client.post(url, {"minutes": "20", "csrfmiddlewaretoken": form_token(client, url)})
    assert saved.status_code == 302
    assert work_window() == timedelta(minutes=20)
    entry = AuditEntry.objects.get(event_type=EventType.WORK_WINDOW_SET.value)
    assert entry.detail_values["minutes"] == 20
    assert client_for(fx.owner).get(url).status_code == 403
    # The shorter window now caps the caseworker's renewals.
    owner = client_for(fx.owner)
    owner.post(f"/cases/{fx.case.ref}/open/")
    opened_at = opening_of(fx.owner).opened_at
    for _ in range(3):
        time_machine.shift(timedelta(minutes=9))
        add_note(owner, fx.case.ref, "ещё")
    assert opening_of(fx.owner).expires_at == opened_at + timedelta(minutes=20)
