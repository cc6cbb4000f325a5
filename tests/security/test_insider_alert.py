"""C22, scripted through the web: a caseworker opens more cases in an hour than the threshold.

Given a threshold of 3 and a caseworker with six cases, when they open the fourth, then the
alert event is written by that same request, coordinators and auditors see a banner naming
them, their next opening asks for password and code again, and a coordinator's review ends
the step-up. (The one-minute delivery figure of docs/security.md C22 is the same request here.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import CaseOpening, InsiderAlert
from corridor.cases.services.assignment import assign_case
from corridor.core.actors import WORKER
from corridor.intake.services.screening import screen_request
from tests.cases.conftest import CASE_DB
from tests.factories import new_case, staff_with, write
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.portal_helpers import fast_kdf  # noqa: F401 - fixture
from tests.web.conftest import client_for, reauthenticate

pytestmark = CASE_DB


@pytest.fixture
def scene(vault_keys, settings, time_machine):  # noqa: F811
    settings.CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 3
    time_machine.move_to("2026-06-01 22:00:00Z", tick=False)
    coordinator = staff_with(Role.COORDINATOR)
    worker = staff_with(Role.CASEWORKER)
    cases = []
    for _ in range(6):
        case = new_case(coordinator)
        assign_case(actor=coordinator, case=case, staff=worker)
        cases.append(case)
    return coordinator, worker, cases


def screened_request():
    written = write(story="Нужна помощь, ищут родственники")
    screen_request(actor=WORKER, request_id=written.request.pk)
    return written.request


def open_(client, case):
    return client.post(f"/cases/{case.ref}/open/")


def test_the_fourth_opening_raises_the_alert_in_the_same_request(scene):
    _coordinator, worker, cases = scene
    client = client_for(worker)
    for case in cases[:3]:
        assert open_(client, case).status_code == 302
    assert not AuditEntry.objects.filter(event_type="cases.insider_alert_raised").exists()
    before = AuditEntry.objects.order_by("-seq").first().seq
    assert open_(client, cases[3]).status_code == 302
    written = list(
        AuditEntry.objects.filter(seq__gt=before)
        .order_by("seq")
        .values_list("event_type", "object_id")
    )
    assert written == [
        ("cases.case_opened_for_work", str(cases[3].pk)),
        ("cases.insider_alert_raised", str(worker.pk)),
    ]


def test_coordinators_and_auditors_see_the_banner_and_the_worker_does_not(scene):
    coordinator, worker, cases = scene
    client = client_for(worker)
    for case in cases[:4]:
        open_(client, case)
    auditor = staff_with(Role.AUDITOR)
    for viewer in (coordinator, auditor):
        page = client_for(viewer).get("/").content.decode()
        assert 'id="insider-banner"' in page
        assert f"Insider alert: {worker.username} opened 4 cases" in page
    assert 'id="insider-banner"' not in client.get("/").content.decode()
    listing = client_for(auditor).get("/audit/insider/").content.decode()
    assert worker.username in listing
    assert "not reviewed" in listing


def test_the_next_opening_needs_password_and_code_again(scene, time_machine):
    _coordinator, worker, cases = scene
    client = client_for(worker)
    for case in cases[:4]:
        open_(client, case)
    response = open_(client, cases[4])
    assert response.status_code == 302
    assert response["Location"].startswith("/account/reauth/?next=")
    assert not CaseOpening.objects.filter(case=cases[4]).exists()
    time_machine.shift(timedelta(seconds=40))
    reauthenticate(client, worker)
    assert open_(client, cases[4])["Location"] == f"/cases/{cases[4].ref}/"
    time_machine.shift(timedelta(minutes=6))
    assert open_(client, cases[5])["Location"].startswith("/account/reauth/")


def test_a_coordinators_review_ends_the_step_up_and_the_banner(scene):
    coordinator, worker, cases = scene
    client = client_for(worker)
    for case in cases[:4]:
        open_(client, case)
    boss = client_for(coordinator)
    alert = InsiderAlert.objects.get()
    response = boss.post(f"/board/alerts/{alert.pk}/review/", {"outcome": "expected"})
    assert response.status_code == 302
    assert 'id="insider-banner"' not in boss.get("/").content.decode()
    assert open_(client, cases[4])["Location"] == f"/cases/{cases[4].ref}/"


def test_an_evacuation_night_is_shown_to_auditors_and_raises_the_listed_persons_threshold(scene):
    coordinator, worker, cases = scene
    boss = client_for(coordinator)
    response = boss.post(
        "/keys/surges/",
        {
            "name": "night-0602",
            "reason": "evacuation_night",
            "threshold": 10,
            "hours": 6,
            "members": [worker.pk],
        },
    )
    assert response.status_code == 302
    auditor_page = client_for(staff_with(Role.AUDITOR)).get("/").content.decode()
    assert f"Evacuation night night-0602 opened by {coordinator.username}" in auditor_page
    client = client_for(worker)
    for case in cases:
        open_(client, case)
    assert not InsiderAlert.objects.exists()


@pytest.mark.usefixtures("vault_keys", "fast_kdf")
def test_after_the_alert_reading_a_request_needs_password_and_code_again(settings, time_machine):
    """The attack: a verifier who raised the alert goes on reading requests in the inbox
    (names, phones, stories), where before no page asked them to confirm who they are.
    Now, as for a case, each reading waits for the password and code until confirmed."""
    settings.CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 2
    time_machine.move_to("2026-06-01 22:00:00Z", tick=False)
    verifier = staff_with(Role.VERIFIER)
    requests = [screened_request() for _ in range(4)]
    client = client_for(verifier)
    for request in requests[:3]:
        assert client.post(f"/requests/{request.pk}/open/").status_code == 302
        assert client.get(f"/requests/{request.pk}/").status_code == 200
    assert InsiderAlert.objects.filter(staff=verifier).exists()
    reads = AuditEntry.objects.filter(event_type="intake.request_read").count()
    client.post(f"/requests/{requests[3].pk}/open/")
    response = client.get(f"/requests/{requests[3].pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/reauth/?next=")
    assert AuditEntry.objects.filter(event_type="intake.request_read").count() == reads
    time_machine.shift(timedelta(seconds=40))
    reauthenticate(client, verifier)
    assert client.get(f"/requests/{requests[3].pk}/").status_code == 200
    assert AuditEntry.objects.filter(event_type="intake.request_read").count() == reads + 1
    time_machine.shift(timedelta(minutes=6))
    assert client.get(f"/requests/{requests[3].pk}/")["Location"].startswith("/account/reauth/")
