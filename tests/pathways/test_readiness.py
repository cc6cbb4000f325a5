"""Documents ready, derived from the register and the chosen plan's route."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from corridor.core import clock
from corridor.pathways.plan_choices import choose_plan
from corridor.pathways.readiness import documents_readiness
from corridor.web.document_panel import document_panels
from tests.factories import load_shipped_catalog, register_document
from tests.plugins.cases import CASE_DB

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


@CASE_DB
def test_the_case_page_derives_readiness_once_a_plan_is_chosen(open_case, caseworker):
    """Without a plan the hand-set milestone applies; with one, the register decides."""
    load_shipped_catalog(caseworker)
    case = open_case()
    person = case.members.get().person
    panel = document_panels(case, [person], {}, today=clock.today())[person.pk]
    assert panel.readiness.derived is False

    choose_plan(actor=caseworker, case=case, route_ids=["eu-ltv-visa"])
    panel = document_panels(case, [person], {}, today=clock.today())[person.pk]
    assert panel.readiness.derived
    assert not panel.readiness.ready
    assert panel.missing == ["international passport"]

    passport = register_document(caseworker, case, expires_on=clock.today() + timedelta(days=900))
    panel = document_panels(case, [person], {person.pk: [passport]}, today=clock.today())
    assert panel[person.pk].readiness.ready
