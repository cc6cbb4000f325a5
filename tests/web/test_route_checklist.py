"""The route panel's documents checklist: per person of the household, each document the
route's application needs, as there, missing or expiring before the planned departure."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from corridor.cases.access import case_key
from corridor.cases.models import LegKind, TravelMode
from corridor.cases.services import logistics
from corridor.core import clock
from corridor.people import register
from corridor.people.inputs import DocumentInput
from corridor.people.models import DocumentKind
from tests.cases.conftest import CASE_DB
from tests.web.test_case_routes_panel import (  # noqa: F401 - fx: the case with facts
    case_body,
    fx,
    opened_client,
    route_blocks,
)

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]
LTV = "eu-ltv-visa"


def _checklist(block: str) -> str:
    start = block.index("data-checklist")
    return block[start : block.index("</details>", start)]


def test_the_panel_shows_each_persons_needed_documents_against_the_departure(fx):  # noqa: F811
    """The principal's passport expires 3 months after a journey planned in a month: it is
    expiring; the child has none: missing. A route whose sources list no documents shows
    no checklist at all (unknown is not "nothing needed")."""
    expires = clock.today() + timedelta(days=120)
    register.add_document(
        actor=fx.owner,
        person=fx.principal,
        key=case_key(fx.owner, fx.case),
        data=DocumentInput(kind=DocumentKind.INTERNATIONAL_PASSPORT, expires_on=expires),
    )
    departure = clock.today() + timedelta(days=30)
    logistics.record_travel_leg(
        actor=fx.owner,
        case=fx.case,
        kind=LegKind.EXIT_COUNTRY,
        from_place="RU",
        to_place="AM",
        mode=TravelMode.BUS,
        travel_on=departure,
        itinerary="-",
    )
    body = case_body(opened_client(fx), fx)
    blocks = {route.split("+")[-1]: found for route, found in route_blocks(body).items()}
    checklist = html.unescape(_checklist(blocks[LTV][1]))
    assert "Documents for the application" in checklist
    assert "1 missing" in checklist
    assert "1 expiring" in checklist
    assert departure.isoformat() in checklist
    principal, child = checklist.split("data-checklist-person")[1:3]
    assert f"International passport — expires {expires.isoformat()}" in principal
    assert 'data-checklist-state="expiring"' in principal
    assert "International passport — missing" in child
    assert "https://lexray.eu/vvcr" in checklist
    others = [block for route, (_rank, block) in blocks.items() if route != LTV]
    assert others
    assert not any("data-checklist" in block for block in others)


def test_a_passport_that_outlasts_the_journey_is_there(fx):  # noqa: F811
    for person in (fx.principal, fx.second):
        register.add_document(
            actor=fx.owner,
            person=person,
            key=case_key(fx.owner, fx.case),
            data=DocumentInput(
                kind=DocumentKind.INTERNATIONAL_PASSPORT,
                expires_on=clock.today() + timedelta(days=800),
            ),
        )
    blocks = route_blocks(case_body(opened_client(fx), fx))
    block = next(block for route, (_rank, block) in blocks.items() if route.endswith(LTV))
    checklist = html.unescape(_checklist(block))
    assert "all there" in checklist
    assert checklist.count('data-checklist-state="there"') == 2
