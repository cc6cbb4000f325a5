"""The auditor's reads: filtered pages, who touched what, and activity against its own median."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from corridor.audit import selectors
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.core.actors import SystemActor
from corridor.core.merkle import verify_consistency
from tests.audit.helpers import record, record_many

pytestmark = pytest.mark.django_db

ANNA = SystemActor("anna")
BORIS = SystemActor("boris")


def at(time_machine, day: date, hour: int = 10) -> None:
    time_machine.move_to(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def test_events_are_filtered_by_actor_type_case_and_period(time_machine):
    """Each filter narrows the page; the period covers whole UTC days, both ends included."""
    at(time_machine, date(2026, 11, 1))
    record(actor=ANNA, event=EventType.LOGIN_SUCCEEDED)
    at(time_machine, date(2026, 11, 2), hour=23)
    record(actor=ANNA, event=EventType.ACCESS_DENIED, case_id="CR-AAAA-1111")
    at(time_machine, date(2026, 11, 3))
    record(actor=BORIS, event=EventType.ACCESS_DENIED, case_id="CR-AAAA-1111")
    record(actor=BORIS, event=EventType.LOGOUT)

    def seqs(**filters):
        return [entry.seq for entry in selectors.list_events(**filters).events]

    assert seqs() == [4, 3, 2, 1]
    assert seqs(actor="system:anna") == [2, 1]
    assert seqs(event_type=EventType.ACCESS_DENIED) == [3, 2]
    assert seqs(case_id="CR-AAAA-1111") == [3, 2]
    assert seqs(since=date(2026, 11, 2), until=date(2026, 11, 2)) == [2]
    assert seqs(since=date(2026, 11, 2)) == [4, 3, 2]
    assert seqs(until=date(2026, 11, 1)) == [1]
    assert seqs(actor="system:boris", event_type=EventType.LOGOUT) == [4]


def test_pages_walk_the_log_newest_first_without_overlap():
    """Following next_before visits every event once, newest first, and then stops."""
    record_many(12)
    seen, before = [], None
    while True:
        page = selectors.list_events(before=before, limit=5)
        seen += [entry.seq for entry in page.events]
        if page.next_before is None:
            break
        before = page.next_before
    assert seen == list(range(12, 0, -1))


def test_new_events_do_not_shift_the_next_page():
    """Events written between two page loads do not repeat or skip anything on the next page."""
    record_many(6)
    first = selectors.list_events(limit=3)
    record_many(4)
    second = selectors.list_events(before=first.next_before, limit=3)
    assert [entry.seq for entry in second.events] == [3, 2, 1]


def test_page_size_is_bounded():
    """A page holds at least one and at most 500 events whatever is asked."""
    record_many(3)
    assert len(selectors.list_events(limit=0).events) == 1
    assert selectors.MAX_PAGE_SIZE == 500


def test_who_touched_an_object_counts_each_actor(time_machine):
    """Every actor on an object, most events first, with their first and last time."""
    at(time_machine, date(2026, 11, 1))
    record(actor=ANNA, event=EventType.ROLE_GRANTED, object_type=ObjectType.STAFF, object_id="7")
    at(time_machine, date(2026, 11, 5))
    for _ in range(2):
        record(
            actor=BORIS, event=EventType.ROLE_GRANTED, object_type=ObjectType.STAFF, object_id="7"
        )
    record(actor=ANNA, event=EventType.ROLE_GRANTED, object_type=ObjectType.STAFF, object_id="8")
    touches = selectors.count_touches_for_object(object_type="accounts.staff", object_id="7")
    assert [(t.actor, t.events) for t in touches] == [("system:boris", 2), ("system:anna", 1)]
    assert touches[1].first == touches[1].last == datetime(2026, 11, 1, 10, tzinfo=UTC)


def test_who_touched_a_shelters_cases_adds_up_every_case():
    """Given a shelter's case ids, each actor's events across all of them are counted."""
    record(actor=ANNA, event=EventType.ACCESS_DENIED, case_id="CR-1")
    record(actor=ANNA, event=EventType.ACCESS_DENIED, case_id="CR-2")
    record(actor=BORIS, event=EventType.ACCESS_DENIED, case_id="CR-2")
    record(actor=BORIS, event=EventType.ACCESS_DENIED, case_id="CR-3")
    touches = selectors.count_touches_for_cases(case_ids=["CR-1", "CR-2"])
    assert [(t.actor, t.events) for t in touches] == [("system:anna", 2), ("system:boris", 1)]
    assert selectors.count_touches_for_cases(case_ids=["CR-3"])[0].actor == "system:boris"
    assert selectors.count_touches_for_cases(case_ids=[]) == []
    assert selectors.count_touches_for_cases(case_ids=[""]) == []


def test_daily_activity_is_compared_with_the_actors_own_median(time_machine):
    """A day's count sits beside the median of that actor's active days in the 30 before it."""
    start = date(2026, 10, 1)
    for offset, count in [(0, 4), (2, 6), (5, 5)]:
        at(time_machine, start + timedelta(days=offset))
        for _ in range(count):
            record(actor=ANNA)
    # Outside the 30-day window of the day under review: not part of its baseline.
    at(time_machine, date(2026, 9, 1))
    record(actor=ANNA)
    day = date(2026, 10, 20)
    at(time_machine, day)
    for _ in range(50):
        record(actor=ANNA)
    record(actor=BORIS)

    rows = selectors.count_daily_activity(since=day, until=day)
    assert [(r.actor, r.events, r.median) for r in rows] == [
        ("system:anna", 50, 5.0),
        ("system:boris", 1, 0.0),
    ]
    assert rows[0].ratio == 10.0
    assert rows[1].ratio is None


def test_daily_activity_covers_the_range_and_can_follow_one_actor(time_machine):
    """Each active day in the range has its row; the actor filter keeps one person's rows."""
    for offset in range(3):
        at(time_machine, date(2026, 10, 1) + timedelta(days=offset))
        record(actor=ANNA)
        record(actor=BORIS)
    rows = selectors.count_daily_activity(
        since=date(2026, 10, 2), until=date(2026, 10, 3), actor="system:anna"
    )
    assert [(r.day, r.events, r.median) for r in rows] == [
        (date(2026, 10, 2), 1, 1.0),
        (date(2026, 10, 3), 1, 1.0),
    ]


def test_consistency_proofs_between_sizes_verify():
    """The proof from any earlier size to a later one checks out with both roots."""
    record_many(13)
    assert selectors.count_events() == 13
    for size1 in (1, 5, 8, 13):
        proof = selectors.get_consistency_proof(size1=size1, size2=13)
        verify_consistency(
            size1=proof.size1,
            size2=proof.size2,
            root1=proof.root1,
            root2=proof.root2,
            proof=proof.proof,
        )


def test_a_proof_beyond_the_log_is_refused():
    """Asking for a size the log has not reached names the problem."""
    record_many(3)
    with pytest.raises(ValueError, match="fewer than 4 events"):
        selectors.get_consistency_proof(size1=1, size2=4)


def test_export_starts_at_the_given_day(time_machine):
    """Only events from 00:00 UTC of `since` on are exported, oldest first."""
    at(time_machine, date(2026, 11, 1), hour=23)
    record(actor=ANNA)
    at(time_machine, date(2026, 11, 2), hour=0)
    record(actor=BORIS)
    lines = list(selectors.iter_export_lines(since=date(2026, 11, 2)))
    assert len(lines) == 1
    assert '"actor":"system:boris"' in lines[0]
