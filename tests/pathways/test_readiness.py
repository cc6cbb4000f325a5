"""Documents ready, derived from the register and the chosen plan's route."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from corridor.cases.models import LegKind, Milestone, MilestoneKind, TravelMode
from corridor.cases.services import logistics
from corridor.cases.services.progress import record_milestone
from corridor.core import clock
from corridor.pathways.plan_choices import choose_plan
from corridor.pathways.readiness import (
    Need,
    documents_readiness,
    needed_documents,
    route_document_need,
)
from corridor.pathways.schema import Checklist, Route
from corridor.web.document_panel import document_panels
from tests.factories import catalog_entries, load_shipped_catalog, register_document
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
    readiness = documents_readiness(
        route_id="r", needed=[route_document_need(c) for c in needed], documents=documents, on=ON
    )
    assert readiness.derived
    assert readiness.ready is ready
    assert readiness.missing == missing


@pytest.mark.pure
def test_what_the_register_cannot_show_is_named_not_counted():
    readiness = documents_readiness(
        route_id="r",
        needed=[route_document_need(c) for c in ("unhcr_referral", "international_passport")],
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


def _route(route_id: str) -> Route:
    return next(e for e in catalog_entries() if isinstance(e, Route) and e.id == route_id)


@pytest.mark.pure
def test_eu_ltv_visa_readiness_reads_its_checklist():
    """The sourced checklist is what the route needs (register kinds, each as itself);
    the unsourced `documents` list is not read once a checklist is there."""
    route = _route("eu-ltv-visa")
    assert route.checklist is not None
    needs = needed_documents(route, None, "RU")
    assert needs == [Need(kind, frozenset({kind})) for kind in route.checklist.documents]

    # A checklist that differs from `documents` decides alone.
    asks_more = route.model_copy(
        update={
            "checklist": Checklist(
                documents=["international_passport", "medical_report"],
                source=route.checklist.source,
            )
        }
    )
    readiness = documents_readiness(
        route_id=route.id,
        needed=needed_documents(asks_more, None, "RU"),
        documents=[PASSPORT],
        on=ON,
    )
    assert (readiness.ready, readiness.missing) == (False, ["medical_report"])
    readiness = documents_readiness(
        route_id=route.id,
        needed=needed_documents(asks_more, None, "RU"),
        documents=[PASSPORT, ("medical_report", "with_us", None)],
        on=ON,
    )
    assert readiness.ready


@pytest.mark.pure
def test_a_route_without_a_checklist_maps_its_documents():
    route = _route("eu-ltv-visa").model_copy(update={"checklist": None})
    assert needed_documents(route, None, "RU") == [
        route_document_need(str(code)) for code in route.documents
    ]


# Each step of a case's life, then whether the principal holds "documents ready" after it.
LATER = 400  # days: a planned journey well after a passport that lapses in 200
STEPS = {
    "plan": "eu-ltv-visa chosen",
    "confiscated": "an international passport, confiscated",
    "passport": "a valid international passport with the person",
    "lapsing": "an international passport that lapses in 200 days",
    "journey": f"a journey out of the country in {LATER} days",
    "cancel": "that journey cancelled",
    "recovered": "the confiscated passport back with us",
}


@CASE_DB
@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(
            [("plan", False), ("confiscated", False), ("passport", True)], id="plan first"
        ),
        pytest.param([("passport", False), ("plan", True)], id="documents first"),
        pytest.param(
            [("plan", False), ("confiscated", False), ("recovered", True)], id="custody back"
        ),
        pytest.param(
            [("plan", False), ("journey", False), ("lapsing", False), ("cancel", True)],
            id="valid once the later journey is off",
        ),
        pytest.param([("passport", False), ("journey", False)], id="never without a plan"),
    ],
)
def test_documents_ready_is_recorded_exactly_when_reached(open_case, caseworker, steps):
    load_shipped_catalog(caseworker)
    case = open_case()
    person = case.members.get().person
    today = clock.today()
    made: dict[str, object] = {}

    def do(step: str) -> None:
        if step == "plan":
            choose_plan(actor=caseworker, case=case, route_ids=["eu-ltv-visa"])
        elif step in ("confiscated", "passport", "lapsing"):
            made["document"] = register_document(
                caseworker,
                case,
                whereabouts="confiscated" if step == "confiscated" else "with_person",
                expires_on=today + timedelta(days=200 if step == "lapsing" else 3000),
            )
        elif step == "recovered":
            from corridor.cases.access import case_key
            from corridor.people import register
            from corridor.people.inputs import DocumentInput

            document = made["document"]
            register.change_document(
                actor=caseworker,
                document=document,
                key=case_key(caseworker, case),
                data=DocumentInput(kind=document.kind, whereabouts="with_us"),
                version=document.version,
                fields=["whereabouts"],
                case_ref=case.ref,
            )
        elif step == "journey":
            made["leg"] = logistics.record_travel_leg(
                actor=caseworker,
                case=case,
                kind=LegKind.EXIT_COUNTRY,
                from_place="RU",
                to_place="GE",
                mode=TravelMode.BUS,
                travel_on=today + timedelta(days=LATER),
                itinerary="bus",
            )
        elif step == "cancel":
            logistics.cancel_travel_leg(actor=caseworker, leg=made["leg"])

    for step, ready_after in steps:
        do(step)
        held = list(
            Milestone.objects.filter(person=person, kind=MilestoneKind.DOCUMENTS_READY).values_list(
                "reached_on", flat=True
            )
        )
        assert held == ([today] if ready_after else []), f"after {STEPS[step]}"


@CASE_DB
def test_a_milestone_recorded_by_hand_is_never_retracted(open_case, caseworker):
    """Recorded by hand before the plan; the plan's derived readiness says not ready (no
    passport), then ready: the hand-recorded step keeps its date throughout."""
    load_shipped_catalog(caseworker)
    case = open_case()
    person = case.members.get().person
    by_hand = clock.today() - timedelta(days=10)
    record_milestone(
        actor=caseworker,
        case=case,
        person=person,
        kind=MilestoneKind.DOCUMENTS_READY,
        reached_on=by_hand,
    )

    def held() -> list[date]:
        return list(
            Milestone.objects.filter(person=person, kind=MilestoneKind.DOCUMENTS_READY).values_list(
                "reached_on", flat=True
            )
        )

    choose_plan(actor=caseworker, case=case, route_ids=["eu-ltv-visa"])
    panel = document_panels(case, [person], {}, today=clock.today())[person.pk]
    assert panel.readiness.derived
    assert not panel.readiness.ready
    assert held() == [by_hand]
    register_document(caseworker, case, whereabouts="lost")
    assert held() == [by_hand]
    register_document(caseworker, case, expires_on=clock.today() + timedelta(days=900))
    assert held() == [by_hand]


@pytest.mark.pure
@pytest.mark.parametrize(
    ("held", "missing"),
    [
        pytest.param([], ["internal_passport"], id="none: named by the first it accepts"),
        pytest.param([("internal_passport", "with_person", None)], [], id="internal"),
        pytest.param([PASSPORT], [], id="any accepted one will do"),
    ],
)
def test_a_transit_country_adds_an_entry_document_it_accepts(held, missing):
    """Armenia lets Russians in on either passport: a route that needs no passport gets one
    of the two added; eu-ltv-visa's international passport already is one."""
    transit = next(e for e in catalog_entries() if e.id == "transit-am")
    route = _route("eu-ltv-visa")
    assert needed_documents(route, transit, "RU") == needed_documents(route, None, "RU")
    no_passport = route.model_copy(
        update={"checklist": Checklist(documents=["medical_report"], source=route.checklist.source)}
    )
    readiness = documents_readiness(
        route_id=route.id,
        needed=needed_documents(no_passport, transit, "RU"),
        documents=[*held, ("medical_report", "with_us", None)],
        on=ON,
    )
    assert readiness.missing == missing
