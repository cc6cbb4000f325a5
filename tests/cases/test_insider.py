"""C22: a person who opens more cases in an hour than the threshold is noticed, and slowed down."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts import surges
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import StepUpNeeded
from corridor.cases.jobs import prune_openings
from corridor.cases.models import CaseOpening, InsiderAlert
from corridor.cases.services import insider
from corridor.cases.services.assignment import assign_case
from corridor.cases.services.openings import open_case_for_work
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed
from tests.cases.conftest import CASE_DB
from tests.factories import staff_with

pytestmark = CASE_DB
SESSION = "insider-session"


@pytest.fixture
def few_cases(open_case, settings):
    """A threshold of 3 and five cases assigned to the caseworker."""
    settings.CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 3
    return [open_case() for _ in range(5)]


def open_all(staff, cases, *, confirmed_at=None):
    for case in cases:
        open_case_for_work(actor=staff, case=case, session_key=SESSION, confirmed_at=confirmed_at)


def alert_events(staff):
    return AuditEntry.objects.filter(
        event_type="cases.insider_alert_raised", object_id=str(staff.pk)
    )


def test_openings_up_to_the_threshold_raise_nothing(few_cases, caseworker):
    open_all(caseworker, few_cases[:3])
    assert not InsiderAlert.objects.exists()
    assert not alert_events(caseworker).exists()


def test_crossing_the_threshold_writes_the_alert_with_the_opening(few_cases, caseworker):
    """The opening that crosses the threshold and its alert event are written together."""
    open_all(caseworker, few_cases[:4])
    alert = InsiderAlert.objects.get()
    assert (alert.staff, alert.openings, alert.threshold) == (caseworker, 4, 3)
    entry = alert_events(caseworker).get()
    assert entry.detail_values == {"alert": str(alert.pk), "openings": 4, "threshold": 3}
    last_opening = AuditEntry.objects.filter(event_type="cases.case_opened_for_work").last()
    assert entry.seq == last_opening.seq + 1


def test_the_next_opening_needs_a_fresh_confirmation(few_cases, caseworker, time_machine):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    open_all(caseworker, few_cases[:4])
    with pytest.raises(StepUpNeeded):
        open_all(caseworker, few_cases[4:])
    stale = clock.now() - timedelta(minutes=1)
    with pytest.raises(StepUpNeeded):
        open_all(caseworker, few_cases[4:], confirmed_at=stale)
    assert CaseOpening.objects.count() == 4
    time_machine.shift(timedelta(minutes=1))
    open_all(caseworker, few_cases[4:], confirmed_at=clock.now())
    assert CaseOpening.objects.count() == 5
    assert InsiderAlert.objects.count() == 1  # one alert per hour, not one per opening


def test_a_review_ends_the_step_up(few_cases, caseworker, coordinator):
    open_all(caseworker, few_cases[:4])
    alert = InsiderAlert.objects.get()
    insider.review_insider_alert(actor=coordinator, alert=alert, outcome="expected")
    open_all(caseworker, few_cases[4:])
    assert AuditEntry.objects.filter(
        event_type="cases.insider_alert_reviewed", reason="expected", actor=coordinator.actor_id
    ).exists()
    assert list(insider.list_standing_alerts()) == []


def test_nobody_reviews_their_own_alert_and_only_coordinators_review(few_cases, coordinator):
    for case in few_cases[:4]:
        open_case_for_work(actor=coordinator, case=case, session_key=SESSION, reason="supervision")
    alert = InsiderAlert.objects.get(staff=coordinator)
    with pytest.raises(NotAllowed):
        insider.review_insider_alert(actor=coordinator, alert=alert, outcome="expected")
    with pytest.raises(NotAllowed):
        insider.review_insider_alert(
            actor=staff_with(Role.AUDITOR), alert=alert, outcome="expected"
        )
    other = staff_with(Role.COORDINATOR)
    with pytest.raises(InvalidInput):
        insider.review_insider_alert(actor=other, alert=alert, outcome="fine")
    insider.review_insider_alert(actor=other, alert=alert, outcome="questioned")
    with pytest.raises(InvalidInput):
        insider.review_insider_alert(actor=other, alert=alert, outcome="expected")


def test_openings_older_than_an_hour_do_not_count(few_cases, caseworker, time_machine):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    open_all(caseworker, few_cases[:3])
    time_machine.shift(timedelta(minutes=61))
    open_all(caseworker, few_cases[3:])
    assert insider.openings_last_hour(caseworker) == 2
    assert not InsiderAlert.objects.exists()


def night(coordinator, members, *, reason="evacuation_night", threshold=6, hours=2):
    return surges.open_surge(
        actor=coordinator,
        name="night-0401",
        members=members,
        hours=hours,
        reason=reason,
        threshold=threshold,
    )


def test_a_night_raises_the_threshold_of_the_people_it_lists_for_its_hours_and_is_audited(
    few_cases, caseworker, coordinator, time_machine
):
    time_machine.move_to("2026-04-01 21:00:00Z", tick=False)
    surge = night(coordinator, [caseworker], threshold=10)
    assert surges.surge_threshold(caseworker) == 10
    assert surges.surge_threshold(coordinator) == 3  # not listed
    open_all(caseworker, few_cases)
    assert not InsiderAlert.objects.exists()
    entry = AuditEntry.objects.get(event_type="accounts.surge_opened")
    assert (entry.object_type, entry.reason, entry.detail_values) == (
        "accounts.surge",
        "evacuation_night",
        {"hours": 2, "threshold": 10, "members": 1, "name": "night-0401"},
    )
    time_machine.shift(timedelta(hours=2))
    assert surges.surge_threshold(caseworker) == 3
    with pytest.raises(InvalidInput):
        surges.close_surge(actor=coordinator, surge=surge)


def test_a_night_lifts_nothing_for_someone_it_does_not_list(few_cases, caseworker, coordinator):
    other = staff_with(Role.CASEWORKER)
    night(coordinator, [other], threshold=10)
    open_all(caseworker, few_cases[:4])
    assert InsiderAlert.objects.get().staff == caseworker


def test_a_night_can_close_early(few_cases, caseworker, coordinator):
    surge = night(coordinator, [caseworker], reason="mass_incident", hours=4)
    surges.close_surge(actor=coordinator, surge=surge)
    assert surges.surge_threshold(caseworker) == 3
    assert AuditEntry.objects.filter(event_type="accounts.surge_closed").count() == 1


@pytest.mark.parametrize(
    ("reason", "threshold", "hours"),
    [
        ("because", 6, 2),
        ("evacuation_night", 3, 2),  # not above the normal threshold
        ("evacuation_night", 31, 2),  # more than ten times the normal one
        ("evacuation_night", 6, 0),
        ("evacuation_night", 6, 13),  # longer than keyd allows
    ],
)
def test_a_night_is_bounded(few_cases, caseworker, coordinator, reason, threshold, hours):
    """A coerced coordinator cannot switch the alert off by opening a huge or endless night."""
    with pytest.raises(InvalidInput):
        night(coordinator, [caseworker], reason=reason, threshold=threshold, hours=hours)
    assert not AuditEntry.objects.filter(event_type="accounts.surge_opened").exists()


def test_only_coordinators_open_and_close_nights(few_cases, coordinator, caseworker):
    with pytest.raises(NotAllowed):
        night(caseworker, [caseworker])
    surge = night(coordinator, [caseworker])
    with pytest.raises(NotAllowed):
        surges.close_surge(actor=caseworker, surge=surge)
    assert surges.get_surge(surge.pk) == surge
    assert list(surges.list_recent_surges()) == [surge]


def test_old_openings_are_pruned_but_stay_in_the_audit_log(
    few_cases, caseworker, coordinator, time_machine
):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    open_all(caseworker, few_cases[:2])
    time_machine.shift(timedelta(days=3))
    open_all(caseworker, few_cases[2:3])
    prune_openings()
    assert CaseOpening.objects.count() == 1
    assert AuditEntry.objects.filter(event_type="cases.case_opened_for_work").count() == 3


def test_reassigned_cases_are_opened_without_a_reason(open_case, coordinator, caseworker):
    case = open_case(assign=False)
    assign_case(actor=coordinator, case=case, staff=caseworker)
    opening = open_case_for_work(actor=caseworker, case=case, session_key=SESSION)
    assert opening.reason == ""
