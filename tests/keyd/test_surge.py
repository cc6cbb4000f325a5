"""Evacuation nights: a coordinator lifts listed people's key limit (and insider threshold)
for a few hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from corridor.accounts.models import StaffAlert, Surge
from corridor.accounts.roles import Role
from corridor.accounts.surges import MAX_SURGE_HOURS, close_surge, normal_threshold, open_surge
from corridor.accounts.unwrap_limits import record_unwrap_refusal
from corridor.audit.models import AuditEntry
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.vault.providers import key_provider
from tests.accounts.helpers import form_token, log_in
from tests.factories import StaffFactory

# Each test its own data directory, so its own ledger (where surges are kept).
pytestmark = [
    pytest.mark.django_db(databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]


@pytest.mark.pure
def test_keyd_and_the_web_agree_on_the_longest_night():
    """keyd imports no Django app, so it keeps its own copy of the limit."""
    from corridor.vault.keyd.tickets import MAX_SURGE_HOURS as KEYD_MAX_SURGE_HOURS

    assert MAX_SURGE_HOURS == KEYD_MAX_SURGE_HOURS


def in_open_surge(staff) -> bool:
    """What keyd's ledger says (the file provider runs keyd's ledger code in-process)."""
    return bool(key_provider().gatekeeper.in_surge(staff.pk))


def test_a_coordinator_opens_a_night_for_listed_people(
    coordinator, caseworker, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-05-01 21:00:00Z", tick=False)
    other_coordinator = StaffFactory(roles=[Role.COORDINATOR])
    bystander = StaffFactory(roles=[Role.CASEWORKER])
    with django_capture_on_commit_callbacks(execute=True):
        surge = open_surge(actor=coordinator, name="night-0501", members=[caseworker], hours=6)
    assert surge.ends_at - surge.opened_at == timedelta(hours=6)
    assert in_open_surge(caseworker)
    assert not in_open_surge(bystander)
    event = AuditEntry.objects.get(event_type="accounts.surge_opened")
    assert event.actor == coordinator.actor_id
    three_times = normal_threshold() * 3  # the insider threshold it sets by default
    assert (event.object_type, event.reason) == ("accounts.surge", "evacuation_night")
    assert event.detail_values == {
        "name": "night-0501",
        "hours": 6,
        "members": 1,
        "threshold": three_times,
    }
    assert StaffAlert.objects.filter(staff=other_coordinator, code="surge_opened").exists()
    time_machine.shift(timedelta(hours=6))
    assert not in_open_surge(caseworker)


def test_closing_early_ends_the_lift_and_is_audited(
    coordinator, caseworker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        surge = open_surge(actor=coordinator, name="night-0502", members=[caseworker], hours=2)
    assert in_open_surge(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        close_surge(actor=coordinator, surge=surge)
    assert not in_open_surge(caseworker)
    assert AuditEntry.objects.filter(event_type="accounts.surge_closed").count() == 1
    with pytest.raises(InvalidInput, match="already over"):
        close_surge(actor=coordinator, surge=surge)


def test_a_night_whose_transaction_rolls_back_lifts_nothing_in_keyd(
    coordinator, caseworker, django_capture_on_commit_callbacks
):
    """keyd checks the night when it is opened, but lifts nothing until the data database
    has committed it: a rollback after the call (a later step failing) leaves keyd's
    ledger as the database is, with no night. Closing works the same way."""
    from django.db import transaction

    class LaterStepFailed(Exception):
        pass

    def then_fail(step) -> None:
        with transaction.atomic():
            step()
            raise LaterStepFailed

    def opening() -> None:
        open_surge(actor=coordinator, name="night-0503", members=[caseworker], hours=2)

    with (
        django_capture_on_commit_callbacks(execute=True) as confirms,
        pytest.raises(LaterStepFailed),
    ):
        then_fail(opening)
    assert confirms == []
    assert not Surge.objects.exists()
    assert not in_open_surge(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        surge = open_surge(actor=coordinator, name="night-0504", members=[caseworker], hours=2)
    assert in_open_surge(caseworker)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(LaterStepFailed):
        then_fail(lambda: close_surge(actor=coordinator, surge=surge))
    surge.refresh_from_db()
    assert surge.closed_at is None
    assert in_open_surge(caseworker)


@pytest.mark.parametrize(
    ("name", "hours", "message"),
    [
        ("Ivan Petrov", 3, "letters, digits"),
        ("", 3, "letters, digits"),
        ("night", 0, "1 to 12 hours"),
        ("night", 13, "1 to 12 hours"),
        ("night", True, "1 to 12 hours"),
    ],
)
def test_bad_nights_are_refused_with_the_reason(coordinator, caseworker, name, hours, message):
    with pytest.raises(InvalidInput, match=message):
        open_surge(actor=coordinator, name=name, members=[caseworker], hours=hours)
    assert not Surge.objects.exists()


def test_only_case_workers_can_be_listed_and_only_coordinators_open(coordinator, caseworker):
    admin = StaffFactory(roles=[Role.ADMIN])
    with pytest.raises(InvalidInput, match="work with cases"):
        open_surge(actor=coordinator, name="n1", members=[admin], hours=1)
    with pytest.raises(InvalidInput, match="at least one"):
        open_surge(actor=coordinator, name="n1", members=[], hours=1)
    with pytest.raises(NotAllowed, match="Only coordinators"):
        open_surge(actor=caseworker, name="n1", members=[caseworker], hours=1)
    surge = open_surge(actor=coordinator, name="n1", members=[caseworker], hours=1)
    with pytest.raises(NotAllowed):
        close_surge(actor=caseworker, surge=surge)


def test_a_refusal_is_an_event_and_over_the_limit_an_alert(coordinator, caseworker):
    record_unwrap_refusal(actor=caseworker, reason="not_allowed", case_id="c-1")
    assert not StaffAlert.objects.exists()
    record_unwrap_refusal(actor=caseworker, reason="rate_limited")
    record_unwrap_refusal(actor=caseworker, reason="something else")
    events = AuditEntry.objects.filter(event_type="vault.unwrap_refused").order_by("seq")
    assert [(e.reason, e.object_type, e.object_id) for e in events] == [
        ("not_allowed", "cases.case", "c-1"),
        ("rate_limited", "", ""),
        ("not_allowed", "", ""),
    ]
    assert StaffAlert.objects.filter(staff=coordinator, code="unwrap_limit").count() == 1


def test_the_coordinator_page_opens_and_closes_a_night(coordinator, caseworker):
    client = Client()
    log_in(client, coordinator)
    page = client.get("/keys/surges/")
    assert page.status_code == 200
    assert caseworker.username.encode() in page.content
    response = client.post(
        "/keys/surges/",
        {
            "name": "night-0503",
            "reason": "evacuation_night",
            "threshold": normal_threshold() + 1,
            "hours": 4,
            "members": [caseworker.pk],
            "csrfmiddlewaretoken": form_token(client, "/keys/surges/"),
        },
    )
    assert response.status_code == 302
    surge = Surge.objects.get()
    assert list(surge.members.all()) == [caseworker]
    listing = client.get("/keys/surges/").content
    assert b"night-0503" in listing
    assert b"Close now" in listing
    assert client.post(f"/keys/surges/{surge.pk}/close/").status_code == 302
    surge.refresh_from_db()
    assert surge.closed_at is not None
    assert b"closed early" in client.get("/keys/surges/").content
    assert client.post(f"/keys/surges/{surge.pk}/close/").status_code == 302  # said, not 500


def test_the_page_shows_what_was_wrong_and_keeps_nothing(coordinator, caseworker):
    client = Client()
    log_in(client, coordinator)
    response = client.post(
        "/keys/surges/",
        {
            "name": "Ivan Petrov",
            "reason": "evacuation_night",
            "threshold": normal_threshold() + 1,
            "hours": 4,
            "members": [caseworker.pk],
        },
    )
    assert response.status_code == 200
    assert b"letters, digits" in response.content
    assert not Surge.objects.exists()
    response = client.post("/keys/surges/", {"name": "ok", "hours": 40})
    assert response.status_code == 200
    assert not Surge.objects.exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMIN, Role.AUDITOR])
def test_only_coordinators_see_the_page(role):
    client = Client()
    log_in(client, StaffFactory(roles=[role]))
    assert client.get("/keys/surges/").status_code == 403
    assert b'href="/keys/surges/"' not in client.get("/").content


def test_an_unknown_night_is_404(coordinator):
    client = Client()
    log_in(client, coordinator)
    assert (
        client.post("/keys/surges/00000000-0000-0000-0000-000000000000/close/").status_code == 404
    )


def test_the_dashboard_names_the_key_alerts(coordinator, caseworker):
    record_unwrap_refusal(actor=caseworker, reason="rate_limited")
    open_surge(
        actor=StaffFactory(roles=[Role.COORDINATOR]), name="n2", members=[caseworker], hours=1
    )
    client = Client()
    log_in(client, coordinator)
    page = client.get("/").content
    assert b"hourly limit of case keys" in page
    assert b"An evacuation night was opened" in page
