"""Documents ready, derived from the register and the chosen plan's route."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.pathways.readiness import documents_readiness

ON = date(2027, 3, 1)
PASSPORT = ("international_passport", "with_person", date(2030, 1, 1))


@pytest.mark.pure
@pytest.mark.parametrize(
    ("needed", "documents", "ready", "missing"),
    [
        (["international_passport"], [PASSPORT], True, []),
        (["international_passport"], [], False, ["international_passport"]),
        # In hand and valid on the day: a confiscated one or one expired by then is not.
        (
            ["international_passport"],
            [("international_passport", "confiscated", None)],
            False,
            ["international_passport"],
        ),
        (
            ["international_passport"],
            [("international_passport", "with_us", date(2027, 2, 28))],
            False,
            ["international_passport"],
        ),
        (["identity_documents"], [("birth_certificate", "with_us", None)], True, []),
        (
            ["evidence_of_persecution", "international_passport"],
            [PASSPORT],
            False,
            ["evidence_of_persecution"],
        ),
        (["evidence_of_persecution"], [("police_summons", "with_us", None)], True, []),
    ],
)
def test_readiness_table(needed, documents, ready, missing):
    readiness = documents_readiness(route_id="r", needed=needed, documents=documents, on=ON)
    assert readiness.derived
    assert readiness.ready is ready
    assert readiness.missing == missing


@pytest.mark.pure
def test_what_the_register_cannot_show_is_named_not_counted():
    readiness = documents_readiness(
        route_id="r",
        needed=["unhcr_referral", "international_passport"],
        documents=[PASSPORT],
        on=ON,
    )
    assert readiness.ready
    assert readiness.not_checked == ["unhcr_referral"]
