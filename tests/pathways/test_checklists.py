"""A route's documents checklist against a person's register: there, missing or expiring
within 6 months of the planned departure."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.cases.document_expiry import add_months
from corridor.pathways.checklists import (
    ChecklistState,
    document_state,
    person_checklist,
)

DEPARTURE = date(2027, 3, 1)
INTL = "international_passport"
INTERNAL = "internal_passport"

THERE, EXPIRING, MISSING = ChecklistState.THERE, ChecklistState.EXPIRING, ChecklistState.MISSING


@pytest.mark.parametrize(
    ("rows", "state", "expires_on"),
    [
        pytest.param([], MISSING, None, id="nothing recorded"),
        pytest.param([(INTERNAL, "with_person", None)], MISSING, None, id="another kind only"),
        pytest.param([(INTL, "with_person", None)], THERE, None, id="held, no expiry recorded"),
        pytest.param(
            [(INTL, "with_person", date(2028, 1, 1))], THERE, date(2028, 1, 1), id="lasts"
        ),
        pytest.param(
            [(INTL, "with_us", date(2027, 9, 2))],
            THERE,
            date(2027, 9, 2),
            id="one day past 6 months",
        ),
        pytest.param(
            [(INTL, "with_person", date(2027, 9, 1))],
            EXPIRING,
            date(2027, 9, 1),
            id="exactly 6 months after departure",
        ),
        pytest.param(
            [(INTL, "with_person", date(2027, 4, 1))], EXPIRING, date(2027, 4, 1), id="soon"
        ),
        pytest.param(
            [(INTL, "with_person", date(2026, 1, 1))], EXPIRING, date(2026, 1, 1), id="expired"
        ),
        pytest.param([(INTL, "confiscated", date(2030, 1, 1))], MISSING, None, id="confiscated"),
        pytest.param([(INTL, "lost", date(2030, 1, 1))], MISSING, None, id="lost"),
        pytest.param(
            [(INTL, "lost", date(2030, 1, 1)), (INTL, "with_person", date(2027, 5, 1))],
            EXPIRING,
            date(2027, 5, 1),
            id="the lost one does not save the expiring one",
        ),
        pytest.param(
            [(INTL, "with_person", date(2027, 5, 1)), (INTL, "with_us", date(2031, 5, 1))],
            THERE,
            date(2031, 5, 1),
            id="the newer of two counts",
        ),
    ],
)
def test_document_state(rows, state, expires_on):
    line = document_state(INTL, rows, departure=DEPARTURE)
    assert (line.state, line.expires_on) == (state, expires_on)


def test_a_person_checklist_keeps_the_routes_order():
    rows = [(INTL, "with_person", date(2027, 4, 1))]
    lines = person_checklist([INTERNAL, INTL], rows, departure=DEPARTURE)
    assert [(line.kind, line.state) for line in lines] == [(INTERNAL, MISSING), (INTL, EXPIRING)]


@pytest.mark.parametrize(
    ("day", "later"),
    [
        (date(2027, 3, 1), date(2027, 9, 1)),
        (date(2027, 8, 31), date(2028, 2, 29)),
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 12, 15), date(2028, 6, 15)),
    ],
)
def test_six_months_after(day, later):
    assert add_months(day, 6) == later
