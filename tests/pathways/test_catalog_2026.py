"""The December 2026 table: what a caseworker reviewing the catalog in December 2026 must never see
(a suspended route offered as open, a UNHCR registration that cannot happen, any NGO counted
as a designated referrer) and must always see (Armenia's detention-on-request risk)."""

from __future__ import annotations

import pytest

from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.schema import Evidence, Route, Transit
from corridor.pathways.vocabulary import RiskKind, Verdict
from tests.pathways.conftest import english, find, match, risks, steps

pytestmark = pytest.mark.pure

CLOSED_IN_2026 = {"us-refugee-p1", "us-lautenberg-p2", "ca-psr-groups"}
REGISTER = "Register with UNHCR"

# People as the personas file describes them, placed where a plan takes them.
PEOPLE = {
    "P1 in Yerevan on the internal passport": {
        "current_country": "AM", "urgency": "emergency"},
    "P2 in Yerevan with an international passport and a UNHCR referral": {
        "current_country": "AM", "has_international_passport": True,
        "referral": "unhcr", "unhcr_registered": True},
    "a religious minority member in Yerevan with a US relative and five sponsors": {
        "current_country": "AM", "has_international_passport": True,
        "profile": ["religious_minority"], "sponsor_available": True, "ties": ["US", "CA"]},
    "an NGO-referred man in Istanbul": {
        "current_country": "TR", "has_international_passport": True, "referral": "ngo"},
    "P1 still in Russia": {},
    "P2 still in Russia": {"has_international_passport": True, "sponsor_available": True},
}  # fmt: skip


@pytest.mark.parametrize("facts", PEOPLE.values(), ids=PEOPLE.keys())
def test_no_suspended_route_is_offered_as_open(catalog, facts):
    """USRAP and Canada's Group of Five are never open, alone or at the end of a plan."""
    for result in match(catalog, **facts):
        if CLOSED_IN_2026 & set(result.route_ids):
            assert result.verdict is Verdict.INELIGIBLE, result.route_ids


@pytest.mark.parametrize("facts", PEOPLE.values(), ids=PEOPLE.keys())
def test_nobody_is_told_to_register_with_unhcr_in_armenia_or_turkey(catalog, facts):
    """Not a person who is there, and not a plan that takes a person there."""
    for result in match(catalog, **facts):
        there = facts.get("current_country") in ("AM", "TR")
        via = result.route_ids[0] in ("transit-am", "transit-tr")
        if there or via:
            assert not any(REGISTER in step for step in steps(result)), result.route_ids


def test_a_plan_through_georgia_still_registers_with_unhcr(catalog):
    """Where the catalog does not say UNHCR cannot register, the step stays."""
    plan = find(match(catalog, has_international_passport=True), "transit-ge", "ca-gar")
    assert any(REGISTER in step for step in steps(plan))


def test_gar_needs_a_designated_referrer(catalog):
    """From Armenia, "an NGO" leaves GAR waiting for a designated partner's referral; Rainbow
    Railroad's opens it; the step names who can refer."""
    ngo = find(match(catalog, current_country="AM", referral="ngo"), "ca-gar")
    assert ngo.verdict is Verdict.AFTER_STEPS
    assert any("Rainbow Railroad" in step for step in steps(ngo))
    designated = find(
        match(catalog, current_country="AM", referral="ngo", referrer="rainbow_railroad"),
        "ca-gar",
    )
    assert designated.verdict is Verdict.ELIGIBLE
    gar = next(item.entry for item in read_catalog() if item.entry.id == "ca-gar")
    assert isinstance(gar, Route)
    assert set(gar.referral.designated) == {"unhcr", "rainbow_railroad"}


def test_the_armenia_entry_carries_its_detention_on_request_risk(catalog):
    """The entry names it with its source, and every plan through Armenia shows it."""
    armenia = next(item.entry for item in read_catalog() if item.entry.id == "transit-am")
    assert isinstance(armenia, Transit)
    detention = [r for r in armenia.risk_notes if r.what is RiskKind.DETENTION_ON_REQUEST]
    assert detention
    assert all(isinstance(r.source, Evidence) and r.source.excerpt for r in detention)
    assert armenia.unhcr_registration is not None
    assert not armenia.unhcr_registration.possible
    plan = find(match(catalog), "transit-am", "ca-gar")
    assert any("extradition requests" in note for note in risks(plan))


def test_belarus_is_there_to_be_avoided(catalog):
    results = match(catalog)
    leg = find(results, "transit-by")
    assert leg.verdict is Verdict.INELIGIBLE
    assert any("Do not go to Belarus" in english(reason) for reason in leg.reasons)
    assert all(r.verdict is Verdict.INELIGIBLE for r in results if "transit-by" in r.route_ids)
