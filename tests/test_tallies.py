"""The anonymous tally: counters that survive the records they count."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.core.exceptions import InvalidInput
from corridor.core.models import Tally
from corridor.core.quarters import quarter_of
from corridor.core.tallies import INTAKE_REQUESTS, increment, list_tallies

pytestmark = pytest.mark.django_db


def test_increments_add_up_per_period_and_dimensions():
    """Arrivals and decisions count separately per quarter, channel and outcome."""
    increment(INTAKE_REQUESTS, period="2025Q3", channel="portal", outcome="received")
    increment(INTAKE_REQUESTS, period="2025Q3", channel="portal", outcome="received")
    increment(INTAKE_REQUESTS, period="2025Q3", outcome="declined", channel="portal")
    increment(INTAKE_REQUESTS, period="2025Q4", channel="hotline", outcome="received", by=3)
    rows = [(t.period, t.dimensions, t.count) for t in list_tallies(INTAKE_REQUESTS)]
    assert rows == [
        ("2025Q3", {"channel": "portal", "outcome": "declined"}, 1),
        ("2025Q3", {"channel": "portal", "outcome": "received"}, 2),
        ("2025Q4", {"channel": "hotline", "outcome": "received"}, 3),
    ]
    assert [t.count for t in list_tallies(INTAKE_REQUESTS, periods=["2025Q4"])] == [3]
    assert list_tallies("other.tally") == []


def test_a_tally_keeps_no_time_and_no_identifier():
    """The table has a name, a period, codes and a count: nothing that dates or names a request."""
    increment(INTAKE_REQUESTS, period="2025Q3", channel="portal", outcome="received")
    columns = {field.name for field in Tally._meta.get_fields()}
    assert columns == {"id", "name", "period", "dimensions", "count"}


@pytest.mark.parametrize(
    ("name", "period", "dimensions", "by"),
    [
        ("Intake Requests", "2025Q3", {}, 1),
        (INTAKE_REQUESTS, "2025-07-14", {}, 1),
        (INTAKE_REQUESTS, "2025Q5", {}, 1),
        (INTAKE_REQUESTS, "last week", {}, 1),
        (INTAKE_REQUESTS, "2025Q3", {"channel": "Иван Петров"}, 1),
        (INTAKE_REQUESTS, "2025Q3", {"channel": "+7 900 111 22 33"}, 1),
        (INTAKE_REQUESTS, "2025Q3", {"Channel": "portal"}, 1),
        (INTAKE_REQUESTS, "2025Q3", {"channel": "x" * 41}, 1),
        (INTAKE_REQUESTS, "2025Q3", {}, 0),
        (INTAKE_REQUESTS, "2025Q3", {}, -2),
        (INTAKE_REQUESTS, "2025Q3", {}, True),
    ],
)
def test_personal_text_or_fine_times_are_refused(name, period, dimensions, by):
    """A name, a phone number or a day would make the tally a record of who wrote when."""
    with pytest.raises(InvalidInput):
        increment(name, period=period, by=by, **dimensions)
    assert not Tally.objects.exists()


def test_periods_may_be_years_quarters_or_months():
    for period in ("2025", "2025Q1", "2025-12"):
        increment("intake.requests", period=period, outcome="received")
    assert Tally.objects.count() == 3


@pytest.mark.pure
@pytest.mark.parametrize(
    ("day", "label"),
    [(date(2025, 1, 1), "2025Q1"), (date(2025, 3, 31), "2025Q1"), (date(2025, 12, 31), "2025Q4")],
)
def test_quarter_of(day, label):
    assert quarter_of(day) == label


def test_a_first_increment_racing_another_still_counts_both(monkeypatch):
    """If another writer inserts the row between our update and our insert, we add to it."""
    from django.db.models import QuerySet

    increment(INTAKE_REQUESTS, period="2025Q3", outcome="received")
    real_update = QuerySet.update
    calls = []

    def update_missing_the_row_once(self, **kwargs):
        calls.append(kwargs)
        return 0 if len(calls) == 1 else real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update_missing_the_row_once)
    increment(INTAKE_REQUESTS, period="2025Q3", outcome="received")
    assert [t.count for t in list_tallies(INTAKE_REQUESTS)] == [2]
