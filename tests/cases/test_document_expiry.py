"""Documents expiring within six months of the planned departure (or of today) warn."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from corridor.cases.document_expiry import add_months, case_expiry_warnings, expiry_warnings
from corridor.cases.models import LegKind, TravelLeg, TravelMode
from corridor.core import clock
from tests.factories import register_document
from tests.plugins.cases import CASE_DB

TODAY = date(2027, 1, 15)
PASSPORT = "international_passport"


@pytest.mark.pure
@pytest.mark.parametrize(
    ("expires_on", "departure", "warned", "expired"),
    [
        # No journey planned: measured from today.
        (date(2027, 7, 14), None, True, False),
        (date(2027, 7, 15), None, False, False),  # exactly six months: valid long enough
        (date(2027, 1, 14), None, True, True),
        (None, None, False, False),  # no expiry recorded: nothing to say
        # A journey planned: measured from its departure.
        (date(2027, 9, 1), date(2027, 4, 1), True, False),
        (date(2027, 10, 1), date(2027, 4, 1), False, False),
        (date(2027, 3, 1), date(2027, 4, 1), True, True),  # lapses before departure
        # A departure already past counts as no journey planned.
        (date(2027, 6, 1), date(2026, 12, 1), True, False),
    ],
)
def test_expiry_warnings_table(expires_on, departure, warned, expired):
    warnings = expiry_warnings(
        documents=[("p", PASSPORT, expires_on)], departure=departure, today=TODAY
    )
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].expired is expired


@pytest.mark.pure
def test_six_months_is_calendar_months():
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 15), 6) == date(2028, 5, 15)


@pytest.mark.pure
@pytest.mark.parametrize(
    ("language", "departure", "expected"),
    [
        (
            "en",
            date(2027, 4, 1),
            "International passport expires on 2027-09-01, less than six months after the "
            "planned departure on 2027-04-01.",
        ),
        ("en", None, "Visa expired on 2027-01-01."),
        ("ru", None, "Виза: срок действия истёк 2027-01-01."),
    ],
)
def test_the_sentence_names_kind_and_date_in_the_reader_language(language, departure, expected):
    kind, expires = (PASSPORT, date(2027, 9, 1)) if departure else ("visa", date(2027, 1, 1))
    [warning] = expiry_warnings(documents=[("p", kind, expires)], departure=departure, today=TODAY)
    with translation.override(language):
        assert warning.sentence == expected


@CASE_DB
def test_the_case_measures_from_its_next_planned_journey(open_case, caseworker):
    """The number of the passport is never in the sentence; a cancelled journey is no plan."""
    case = open_case()
    today = clock.today()
    register_document(caseworker, case, expires_on=today + timedelta(days=120))
    register_document(caseworker, case, kind="visa", expires_on=today + timedelta(days=400))
    leg = TravelLeg.objects.create(
        case=case,
        kind=LegKind.EXIT_COUNTRY,
        from_place="RU",
        to_place="GE",
        mode=TravelMode.BUS,
        travel_on=today + timedelta(days=300),
        key_id=case.key_id,
    )
    warnings = case_expiry_warnings(case)
    assert [(w.kind, w.departure) for w in warnings] == [
        (PASSPORT, leg.travel_on),
        ("visa", leg.travel_on),
    ]
    assert all("1234567" not in w.sentence for w in warnings)
    TravelLeg.objects.filter(pk=leg.pk).update(cancelled_on=today)
    assert [(w.kind, w.departure) for w in case_expiry_warnings(case)] == [(PASSPORT, None)]
