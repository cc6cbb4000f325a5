"""Matching a person's facts to every route and plan of the catalog, best first.

Pure: dataclasses in (a compiled `Catalog`, `Facts`, `RankingInputs`), dataclasses
out (`MatchResult`); no database, no Django. A plan is a leg into a transit
country followed by a route that the person cannot use from where they are but
can from there. Results are memoised on the facts, and each route's assessment
on the part of the facts that route reads, so a large caseload stays fast.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import chain

from corridor.pathways.eligibility import (
    assess_leg,
    assess_route,
    leg_signature,
    moved,
    route_signature,
    starting_point,
)
from corridor.pathways.facts import Facts
from corridor.pathways.findings import Assessment, Effect, Leg
from corridor.pathways.ranking import RankingInputs, smallest_remaining
from corridor.pathways.results import (
    ORDER,
    MatchResult,
    closed_leg_result,
    household_results,
    plan_result,
    single_result,
)
from corridor.pathways.rules import Catalog, Here, RouteSpec, TransitSpec
from corridor.pathways.vocabulary import HeldDocument, Position, Urgency

RankKey = tuple[Urgency, int | None]


class _Shared:
    """Open third-country assessments shared by every transit of a case; compared by
    identity, so a cache key holding it hashes in constant time."""

    __slots__ = ("opened",)

    def __init__(self, opened: tuple[Assessment, ...]) -> None:
        self.opened = opened


class _Block:
    """Sorted results that always travel together (identity-compared, like _Shared)."""

    __slots__ = ("results",)

    def __init__(self, results: tuple[MatchResult, ...]) -> None:
        self.results = results


# What `Matcher._answer_key` holds in full or in a form that keeps every check's outcome.
# (Ties and avoided countries are cut to the countries the catalog names, which keeps
# every rule's outcome; the passport facts are held only as far as the checks read them,
# so a rule reading one of them directly gets it added whole.)
_KEYED_FACTS = frozenset(
    {
        "nationality", "current_country", "has_internal_passport", "exit_barriers",
        "unhcr_registered", "referral", "referrer", "sponsor_available", "profile", "urgency",
        "household_size", "ties", "avoid_countries", "position", "holds_international_passport",
        "holds_internal_passport", "medical_needs", "internal_passport_restore_days",
        "medical_detail", "hunted_by", "wanted_scope", "family_filed_case",
        "confiscated_documents", "previous_refusals", "gender_identity", "document_sex_marker",
        "members", "relation",
    }
)  # fmt: skip


class Matcher:
    """Matches facts against one compiled catalog, for one day and one set of ranking inputs.

    Memoised at three levels, each on a key that fully decides its value: whole
    answers on the facts; each route's and leg's assessment on its signature (see
    eligibility); ranked blocks of results on the assessments they are made of.
    Caches are dropped whole when the answers cache reaches `cache_limit`.
    """

    def __init__(
        self,
        catalog: Catalog,
        *,
        today: date,
        inputs: RankingInputs | None = None,
        cache_limit: int = 200_000,
    ) -> None:
        self.catalog = catalog
        self.today = today
        self.inputs = inputs or RankingInputs()
        self._cache_limit = cache_limit
        routes = self._routes = catalog.routes
        third = tuple(r for r in routes if Position.THIRD_COUNTRY in r.location)
        # At a third country a route's answer is the same in every transit country,
        # unless one of its rules reads where the person is: those are assessed per transit.
        self._shared_third = tuple(r for r in third if not r.reads_current_country)
        self._own = {
            transit.index: tuple(
                (route, _position_at(route, transit.country))
                for route in routes
                if _position_at(route, transit.country) in route.location
                and (route.country == transit.country or route.reads_current_country)
            )
            for transit in catalog.transits
        }
        self._answers: dict[tuple[object, ...], tuple[MatchResult, ...]] = {}
        # Facts that declared rules read beyond those every answer key holds.
        self._extra_facts = sorted(catalog.rule_facts - _KEYED_FACTS)
        self._assessments: dict[tuple[RouteSpec, tuple[object, ...]], Assessment] = {}
        self._legs: dict[tuple[TransitSpec, tuple[object, ...]], Leg] = {}
        self._shared_objects: dict[tuple[Assessment, ...], _Shared] = {}
        self._direct_blocks: dict[tuple[tuple[Assessment, ...], RankKey], _Block] = {}
        self._plan_blocks: dict[
            tuple[Leg, _Shared, tuple[Assessment, ...], RankKey | None], _Block
        ] = {}
        self._merged: dict[tuple[_Block, ...], tuple[MatchResult, ...]] = {}
        self._results: dict[tuple[object, ...], MatchResult] = {}
        self._positions_by_place: dict[tuple[str, str], list[Position]] = {}
        self._smallest_remaining = smallest_remaining(routes, self.inputs)
        self._partners = {route.id: route.partners for route in routes}

    def match(self, facts: Facts) -> tuple[MatchResult, ...]:
        """Every route and plan for `facts`, open results first, best first. For a household
        with members, each member's own facts are matched too: a plan is open only when it
        is open for each of them (results.household_results)."""
        if facts.members:
            return household_results(
                self.match(replace(facts, members=())),
                tuple(self.match(member) for member in facts.members),
                tuple(member.relation for member in facts.members),
                self._partners,
            )
        key = self._answer_key(facts)
        answer = self._answers.get(key)
        if answer is None:
            if len(self._answers) >= self._cache_limit:
                self.clear()
            answer = self._answers[key] = self._match(facts)
        return answer

    def ways_out(self, facts: Facts) -> tuple[Leg, ...]:
        """The open legs out of the person's own country into a transit country, quickest
        first (legs with steps of unknown length after those fully known); empty once the
        person has left their country. This is the immediate step out of danger, before
        any durable route."""
        if facts.current_country != facts.nationality:
            return ()
        catalog = self.catalog
        here = starting_point(
            facts,
            today=self.today,
            in_country=catalog.transit_by_country.get(facts.current_country),
        )
        found = []
        for transit in catalog.transits:
            signature = leg_signature(transit, here)
            if signature is None:
                continue
            leg = self._leg(transit, signature)
            if not leg.closed:
                found.append(leg)
        return tuple(sorted(found, key=_leg_order))

    def _answer_key(self, facts: Facts) -> tuple[object, ...]:
        """The facts tuple with what cannot change an answer left out: a passport's expiry
        beyond whether it is valid today, how long getting one takes when none is needed,
        countries the catalog never names, a household size every capacity fits, and facts
        no check reads."""
        taken = facts.taken_documents
        confiscated = HeldDocument.INTERNAL_PASSPORT in taken
        expiry = facts.international_passport_expiry
        holds = (
            facts.has_international_passport
            and HeldDocument.INTERNATIONAL_PASSPORT not in taken
            and (expiry is None or expiry >= self.today)
        )
        if holds or not facts.can_obtain_international_passport:
            getting: object = holds
        else:
            getting = (facts.has_international_passport, facts.passport_obtain_days)
        countries = self.catalog.countries
        return (
            facts.nationality,
            facts.current_country,
            getting,
            facts.has_internal_passport,
            facts.exit_barriers,
            facts.unhcr_registered,
            facts.referral,
            facts.referrer,
            facts.sponsor_available,
            facts.profile,
            facts.urgency,
            self._household_key(facts.household_size),
            facts.ties & countries,
            facts.avoid_countries & countries,
            facts.medical_needs,
            facts.medical_detail,
            facts.internal_passport_restore_days if confiscated else None,
            taken,
            facts.hunted_by,
            facts.wanted_scope,
            facts.family_filed_case,
            facts.previous_refusals,
            facts.gender_identity,  # sealed: read for risks only
            facts.document_sex_marker,
            *[getattr(facts, name) for name in self._extra_facts],
        )

    def clear(self) -> None:
        self._answers.clear()
        self._assessments.clear()
        self._legs.clear()
        self._direct_blocks.clear()
        self._shared_objects.clear()
        self._plan_blocks.clear()
        self._merged.clear()
        self._results.clear()

    def _match(self, facts: Facts) -> tuple[MatchResult, ...]:
        catalog = self.catalog
        here = starting_point(
            facts,
            today=self.today,
            in_country=catalog.transit_by_country.get(facts.current_country),
        )
        positions = self._positions(facts)
        rank: RankKey = (facts.urgency, self._household_key(facts.household_size))
        assess = self._assess
        direct = tuple(
            [
                assess(route, here, position)
                for route, position in zip(self._routes, positions, strict=True)
            ]
        )
        blocks = [self._direct_block(direct, rank)]
        shared: dict[tuple[bool, object], _Shared] = {}
        for transit in catalog.transits:
            signature = leg_signature(transit, here)
            if signature is None:
                continue
            leg = self._leg(transit, signature)
            obtains = leg.obtains_passport
            own_routes = self._own[transit.index]
            own: tuple[Assessment, ...] = ()
            # Third-country answers are shared by the transits, except where UNHCR registers
            # nobody (Armenia, Turkey): there the referral steps differ, and the reason names it.
            registers = transit.unhcr_registration
            share = (obtains, transit.country if registers is False else registers)
            if share not in shared or own_routes:
                there = moved(here, transit, obtained_passport=obtains)
                if share not in shared:
                    shared[share] = self._shared(
                        tuple(
                            [
                                assess(route, there, Position.THIRD_COUNTRY)
                                for route in self._shared_third
                                if positions[route.index] not in route.location  # else direct
                            ]
                        )
                    )
                own = tuple(
                    [
                        assess(route, there, position)
                        for route, position in own_routes
                        if positions[route.index] not in route.location
                    ]
                )
            blocks.append(self._plan_block(leg, shared[share], own, rank))
        key = tuple(blocks)
        merged = self._merged.get(key)
        if merged is None:
            # Each block is sorted already, so this sort only merges runs.
            everything = chain.from_iterable(block.results for block in blocks)
            merged = self._merged[key] = tuple(sorted(everything, key=ORDER))
        return merged

    def _shared(self, assessments: tuple[Assessment, ...]) -> _Shared:
        """The open third-country assessments of one case, as one shared object."""
        found = self._shared_objects.get(assessments)
        if found is None:
            opened = tuple(assessment for assessment in assessments if not assessment.closed)
            found = self._shared_objects[assessments] = _Shared(opened)
        return found

    def _household_key(self, household_size: int) -> int | None:
        """The household size where it can change a rank, else None: most households fit
        every published capacity, and then their size changes nothing."""
        smallest = self._smallest_remaining
        return household_size if smallest is not None and household_size > smallest else None

    def _positions(self, facts: Facts) -> list[Position]:
        """Where the person stands relative to each route (the same for everyone in a place)."""
        key = (facts.nationality, facts.current_country)
        positions = self._positions_by_place.get(key)
        if positions is None:
            positions = [facts.position_for(route.country) for route in self.catalog.routes]
            self._positions_by_place[key] = positions
        return positions

    def _leg(self, transit: TransitSpec, signature: tuple[object, ...]) -> Leg:
        leg = self._legs.get((transit, signature))
        if leg is None:
            leg = self._legs[(transit, signature)] = assess_leg(transit, signature)
        return leg

    def _assess(self, route: RouteSpec, here: Here, position: Position) -> Assessment:
        signature = route_signature(route, here, position)
        assessment = self._assessments.get((route, signature))
        if assessment is None:
            assessment = assess_route(route, signature)
            self._assessments[(route, signature)] = assessment
        return assessment

    def _direct_block(self, direct: tuple[Assessment, ...], rank: RankKey) -> _Block:
        block = self._direct_blocks.get((direct, rank))
        if block is None:
            results = sorted((self._single(a, rank) for a in direct), key=ORDER)
            block = self._direct_blocks[(direct, rank)] = _Block(tuple(results))
        return block

    def _plan_block(
        self, leg: Leg, shared: _Shared, own: tuple[Assessment, ...], rank: RankKey
    ) -> _Block:
        # A closed leg's block does not depend on the urgency or the household.
        key = (leg, shared, own, None if leg.closed else rank)
        block = self._plan_blocks.get(key)
        if block is None:
            country = leg.transit.country
            opened = (
                *(a for a in shared.opened if a.route.country != country),  # there: destination
                *(a for a in own if not a.closed),
            )
            if not opened:
                results: tuple[MatchResult, ...] = ()
            elif leg.closed:
                # One result for the closed leg, naming what it would have opened, rather
                # than the same reason repeated once per route behind it.
                results = (closed_leg_result(leg, opened, self.inputs),)
            else:
                plans = (self._plan(leg, assessment, rank) for assessment in opened)
                results = tuple(sorted(plans, key=ORDER))
            block = self._plan_blocks[key] = _Block(results)
        return block

    def _single(self, assessment: Assessment, rank: RankKey) -> MatchResult:
        # A closed result does not depend on the urgency or the household.
        key = (assessment, None if assessment.closed else rank)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = single_result(assessment, *rank, self.inputs)
        return result

    def _plan(self, leg: Leg, assessment: Assessment, rank: RankKey) -> MatchResult:
        key = (leg, assessment, rank)
        result = self._results.get(key)
        if result is None:
            result = self._results[key] = plan_result(leg, assessment, *rank, self.inputs)
        return result


def _leg_order(leg: Leg) -> tuple[int, int, int, int, str]:
    """Fewest dangers for this person (what weighs), then fewest steps of unknown length,
    then fewest known days, then fewer risk notes."""
    weighs = sum(1 for note in leg.notes if note.effect is Effect.WEIGHS)
    unknown = sum(1 for step in leg.steps if step.days is None)
    days = sum(step.days or 0 for step in leg.steps)
    return (weighs, unknown, days, len(leg.risk_notes) + len(leg.notes), leg.transit.id)


def _position_at(route: RouteSpec, country: str) -> Position:
    """Where someone standing in `country` (not their own) is relative to `route`."""
    return Position.DESTINATION if route.country == country else Position.THIRD_COUNTRY
