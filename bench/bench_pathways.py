"""Matching every route and plan for 100,000 people's facts, against one trivial rule per route.

Goal: under 10 s for 100,000 cases drawn like a caseload. Two draws are timed:
`caseload` correlates the facts the way cases do (most people inside Russia with
an internal passport, a referral only after registering with UNHCR, and so on);
`independent` draws every fact on its own, so nearly every case is new and the
memo helps least. Each starts from an empty memo. No database is involved.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from bench._harness import measure, parser, report
from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.facts import Facts
from corridor.pathways.matching import Matcher
from corridor.pathways.rules import Catalog, compile_catalog
from corridor.pathways.vocabulary import ExitBarrier, Profile, ReferralChannel, Status, Urgency

TODAY = date(2026, 11, 25)
GOAL_SECONDS = 10.0
FIRST_COUNTRIES = ["AM", "GE", "KZ", "TR", "AR"]


def caseload_facts(rng: random.Random) -> Facts:
    """One person as cases come: correlated facts (see the module docstring)."""
    chance = rng.random
    nationality = "RU" if chance() < 0.9 else rng.choice(["BY", "UA"])
    abroad = chance() < 0.3
    has_passport = chance() < 0.3
    can_obtain = chance() < 0.5
    registered = abroad and chance() < 0.3
    if registered and chance() < 0.5:
        referral = ReferralChannel.UNHCR
    else:
        referral = rng.choices(list(ReferralChannel), [70, 20, 0, 10])[0]
    return Facts(
        nationality=nationality,
        current_country=rng.choice(FIRST_COUNTRIES) if abroad else nationality,
        has_internal_passport=chance() < 0.9,
        has_international_passport=has_passport,
        international_passport_expiry=_expiry(rng) if has_passport else None,
        can_obtain_international_passport=can_obtain,
        passport_obtain_days=rng.choice([None, 30, 60, 90]) if can_obtain else None,
        exit_barriers=frozenset(b for b in ExitBarrier if chance() < 0.05),
        unhcr_registered=registered,
        referral=referral,
        sponsor_available=chance() < 0.1,
        ties=frozenset([rng.choice(["DE", "FR", "CA", "US", "CH"])])
        if chance() < 0.2
        else frozenset(),
        avoid_countries=frozenset([rng.choice(["KZ", "GE", "TR"])])
        if chance() < 0.15
        else frozenset(),
        profile=frozenset(p for p in Profile if chance() < (0.85 if p is Profile.LGBT else 0.08)),
        urgency=rng.choices(list(Urgency), [20, 40, 40])[0],
        household_size=rng.choices([1, 2, 3, 4, 5], [70, 15, 8, 5, 2])[0],
        medical_needs=chance() < 0.1,
    )


def independent_facts(rng: random.Random) -> Facts:
    """One person with every fact drawn on its own: the memo's worst realistic case."""
    chance = rng.random
    nationality = rng.choices(["RU", "BY", "UA"], [90, 5, 5])[0]
    return Facts(
        nationality=nationality,
        current_country=rng.choices([nationality, *FIRST_COUNTRIES], [70, 8, 8, 6, 4, 4])[0],
        has_internal_passport=chance() < 0.9,
        has_international_passport=chance() < 0.3,
        international_passport_expiry=rng.choice([None, _expiry(rng)]),
        can_obtain_international_passport=chance() < 0.5,
        passport_obtain_days=rng.choice([None, 30, 60, 90]),
        exit_barriers=frozenset(b for b in ExitBarrier if chance() < 0.08),
        unhcr_registered=chance() < 0.2,
        referral=rng.choice(list(ReferralChannel)),
        sponsor_available=chance() < 0.2,
        ties=frozenset(rng.sample(["DE", "FR", "CA", "US", "CH"], rng.choice([0, 0, 0, 1]))),
        avoid_countries=frozenset(rng.sample(["KZ", "GE", "TR"], rng.choice([0, 0, 0, 1]))),
        profile=frozenset(p for p in Profile if chance() < (0.8 if p is Profile.LGBT else 0.1)),
        urgency=rng.choice(list(Urgency)),
        household_size=rng.choice([1, 1, 1, 2, 3, 4]),
        medical_needs=chance() < 0.1,
    )


def _expiry(rng: random.Random) -> date:
    return TODAY + timedelta(days=rng.choice([-200, 900]))


def match_all(catalog: Catalog, cases: Sequence[Facts]) -> int:
    """Every route and plan for every case, from an empty memo; the number of results."""
    matcher = Matcher(catalog, today=TODAY)
    return sum(len(matcher.match(facts)) for facts in cases)


def one_trivial_rule_per_route(catalog: Catalog, cases: Sequence[Facts]) -> int:
    """The baseline: for every case, one attribute test per route."""
    routes = catalog.routes
    return sum(1 for _facts in cases for route in routes if route.status is Status.OPEN)


def run_draw(
    name: str, draw: Callable[[random.Random], Facts], catalog: Catalog, count: int
) -> float:
    rng = random.Random(2017)
    cases = [draw(rng) for _ in range(count)]
    totals: list[int] = []
    subject = measure(
        f"{name}: every route and plan",
        lambda: totals.append(match_all(catalog, cases)),
        repeat=1,
    )
    results = totals[0]
    baseline = measure(
        f"{name}: one trivial rule per route",
        lambda: one_trivial_rule_per_route(catalog, cases),
        repeat=1,
    )
    seconds = subject.median
    print(
        f"{name}: {count} cases ({len(set(cases))} distinct), {results / count:.1f} results "
        f"a case, {seconds:.2f} s, {count / seconds:,.0f} cases/s"
    )
    report(subject, baseline, unit=f"{count} cases", goal=f"< {GOAL_SECONDS:.0f} s for 100,000")
    return seconds


def main(argv: list[str] | None = None) -> None:
    args = parser(__doc__.splitlines()[0] if __doc__ else "").parse_args(argv)
    count = 500 if args.smoke else 100_000
    catalog = compile_catalog(item.entry for item in read_catalog())
    print(f"catalog: {len(catalog.routes)} routes, {len(catalog.transits)} transit countries")
    seconds = run_draw("caseload", caseload_facts, catalog, count)
    run_draw("independent", independent_facts, catalog, count)
    if not args.smoke:
        verdict = "met" if seconds < GOAL_SECONDS else "MISSED"
        print(f"goal (caseload, < {GOAL_SECONDS:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
