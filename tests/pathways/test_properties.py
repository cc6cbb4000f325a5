"""Properties over many generated situations: matching never fails and keeps its promises."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.facts import facts_from_mapping
from corridor.pathways.findings import Step
from corridor.pathways.matching import Matcher
from corridor.pathways.ranking import RankingInputs, rank_open
from corridor.pathways.rules import compile_catalog
from corridor.pathways.vocabulary import ExitBarrier, Profile, ReferralChannel, Urgency, Verdict
from corridor.pathways.words import PhraseCode, phrase
from tests.pathways.conftest import TODAY

pytestmark = pytest.mark.pure

COUNTRIES = ["RU", "BY", "SY", "AM", "GE", "KZ", "TR", "AR", "NL", "CA", "US", "FR", "CH"]

facts_documents = st.fixed_dictionaries(
    {
        "nationality": st.sampled_from(["RU", "RU", "BY", "SY"]),
        "current_country": st.sampled_from(COUNTRIES),
        "has_internal_passport": st.booleans(),
        "has_international_passport": st.booleans(),
        "international_passport_expiry": st.one_of(
            st.none(),
            st.integers(-400, 400).map(lambda days: (TODAY + timedelta(days=days)).isoformat()),
        ),
        "can_obtain_international_passport": st.booleans(),
        "passport_obtain_days": st.one_of(st.none(), st.integers(0, 400)),
        "exit_barriers": st.lists(st.sampled_from([b.value for b in ExitBarrier]), max_size=3),
        "unhcr_registered": st.booleans(),
        "referral": st.sampled_from([r.value for r in ReferralChannel]),
        "sponsor_available": st.booleans(),
        "ties": st.lists(st.sampled_from(COUNTRIES), max_size=2),
        "avoid_countries": st.lists(st.sampled_from(COUNTRIES), max_size=2),
        "profile": st.lists(st.sampled_from([p.value for p in Profile]), max_size=2),
        "urgency": st.sampled_from([u.value for u in Urgency]),
        "household_size": st.integers(1, 8),
        "medical_needs": st.booleans(),
    }
)


CATALOG = compile_catalog([item.entry for item in read_catalog()])


@settings(max_examples=300, deadline=None)
@given(document=facts_documents)
def test_matching_keeps_its_promises_for_any_situation(document):
    """Open before closed, best first; an open result ends with the application, a closed one
    says why; a route the person avoids is never open; without any usable passport nothing
    that leaves the country is open; and a fresh matcher gives the same answer."""
    facts = facts_from_mapping(document)
    results = Matcher(CATALOG, today=TODAY).match(facts)
    opened = [result.is_open for result in results]
    assert opened == sorted(opened, reverse=True)
    scores = [result.score for result in results if result.is_open]
    assert scores == sorted(scores, reverse=True)
    for result in results:
        if result.is_open:
            assert result.steps
            assert result.steps[-1].text.code.value == "step.apply"
            assert (result.verdict is Verdict.ELIGIBLE) == (len(result.steps) == 1)
            # (A person already in a country they "avoid" may still claim there.)
            assert not set(result.countries) & (facts.avoid_countries - {facts.current_country})
        else:
            assert result.failed_rules
            assert result.steps == ()
    no_passport_ever = (
        ExitBarrier.DOCUMENTS_CONFISCATED in facts.exit_barriers
        and not facts.can_obtain_international_passport
        and not facts.has_internal_passport  # a taken internal passport can be restored
    )
    if no_passport_ever and facts.current_country == facts.nationality:
        assert [result.route_ids for result in results if result.is_open] == []
    again = Matcher(CATALOG, today=TODAY).match(facts)
    assert [(r.route_ids, r.verdict, r.score) for r in again] == [
        (r.route_ids, r.verdict, r.score) for r in results
    ]


def _open(facts) -> dict[tuple[str, ...], float]:
    return {r.route_ids: r.score for r in Matcher(CATALOG, today=TODAY).match(facts) if r.is_open}


DANGERS = [ExitBarrier.WANTED, ExitBarrier.CRIMINAL_CASE, ExitBarrier.DRAFT_SUMMONS]


@settings(max_examples=150, deadline=None)
@given(document=facts_documents, danger=st.sampled_from(DANGERS))
def test_adding_a_danger_never_raises_a_plan_that_needs_an_official_exit(document, danger):
    """A wanted notice, a criminal case or a draft summons never opens a plan that leaves
    the country, and never raises its rank: it closes it (a summons) or weighs it."""
    facts = facts_from_mapping({**document, "current_country": document["nationality"]})
    hunted = replace(facts, exit_barriers=facts.exit_barriers | {danger})
    before, after = _open(facts), _open(hunted)
    for route_ids, score in after.items():
        assert route_ids in before, route_ids
        assert score <= before[route_ids], route_ids


@settings(max_examples=150, deadline=None)
@given(
    document=facts_documents,
    taken=st.sampled_from(["has_internal_passport", "has_international_passport"]),
)
def test_removing_a_document_never_opens_a_route(document, taken):
    facts = facts_from_mapping(document)
    fewer = replace(facts, **{taken: False})
    assert set(_open(fewer)) <= set(_open(facts))


ROUTES_WITH_TIMES = [route for route in CATALOG.routes if route.status.value == "open"]


@settings(max_examples=200, deadline=None)
@given(
    route=st.sampled_from(ROUTES_WITH_TIMES),
    known=st.integers(0, 3650),
    longer=st.integers(1, 3650),
    urgency=st.sampled_from(list(Urgency)),
    preparation=st.lists(st.one_of(st.none(), st.integers(0, 400)), max_size=3),
)
def test_an_unknown_time_never_ranks_above_a_known_one(route, known, longer, urgency, preparation):
    """All else equal, a route whose time is unknown ranks below the same route with any
    known time, however long: an unknown time is treated as long and uncertain."""
    steps = tuple(Step(phrase(PhraseCode.STEP_TRAVEL_STAY), days, None) for days in preparation)

    def score(days: int | None) -> float:
        apply = Step(phrase(PhraseCode.STEP_APPLY), days, None)
        return rank_open(
            route=route,
            preparation=steps,
            apply=apply,
            weighing=0,
            uncertain=False,
            urgency=urgency,
            household_size=1,
            inputs=RankingInputs(),
        ).score

    assert score(None) <= score(known + longer) <= score(known)


danger_facts = st.fixed_dictionaries(
    {
        "hunted_by": st.lists(st.sampled_from(["family", "regional_police", "federal_services"])),
        "wanted_scope": st.lists(st.sampled_from(["regional", "federal", "cis", "interpol"])),
        "family_filed_case": st.booleans(),
    }
)


@settings(max_examples=150, deadline=None)
@given(document=facts_documents, member=facts_documents, dangers=danger_facts)
def test_a_member_or_a_danger_never_opens_or_raises_a_plan(document, member, dangers):
    """Adding a household member never opens a result that was closed; adding who hunts
    the person, a wanted listing or a family-filed case never raises a plan that leaves
    the country through its exit check (properties, for the new facts)."""
    matcher = Matcher(CATALOG, today=TODAY)
    alone = {r.route_ids: r for r in matcher.match(facts_from_mapping(document))}
    household = matcher.match(facts_from_mapping({**document, "members": [member]}))
    for result in household:
        if result.is_open:
            assert alone[result.route_ids].is_open
    hunted = {r.route_ids: r for r in matcher.match(facts_from_mapping({**document, **dangers}))}
    if document["current_country"] != document["nationality"]:
        return
    for ids, before in alone.items():
        after = hunted.get(ids)  # None: the leg closed, one result names it
        if (
            after is not None
            and before.is_open
            and after.is_open
            and before.countries[0] != document["nationality"]
        ):
            assert after.score <= before.score, ids


@settings(max_examples=150, deadline=None)
@given(
    document=facts_documents,
    referrer=st.sampled_from(["none", "unhcr", "rainbow_railroad", "embassy", "other_ngo"]),
)
def test_ranges_hold_their_point_and_a_referrer_opens_only_its_routes(document, referrer):
    """Every open result's point lies inside its range of days (and has none without one);
    a referrer that a route does not designate never opens a designated-only route that
    was closed without it."""
    matcher = Matcher(CATALOG, today=TODAY)
    results = matcher.match(facts_from_mapping({**document, "referrer": referrer}))
    for result in results:
        if not result.is_open:
            continue
        if result.basis.days_range is None:
            assert result.expected_days is None, result.route_ids
        else:
            low, high = result.basis.days_range
            assert low <= result.expected_days <= high, result.route_ids
    without = {r.route_ids: r.is_open for r in matcher.match(facts_from_mapping(document))}
    designated = {route.id: route.referral.designated for route in CATALOG.routes}
    for result in results:
        route = result.route_ids[-1]
        if result.is_open and designated.get(route) and referrer not in designated[route]:
            assert without.get(result.route_ids, True), result.route_ids
