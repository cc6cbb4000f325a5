"""Ranking open results: which kind of "open" it is (what the person can start outranks a
decision-maker's grace, which outranks a selection nobody is entitled to), expected days to
safety against the case's target, outcomes, capacity, cost and household fit, each rank
explained in one sentence a caseworker can check.

Pure. The weights are here, in one place, and described in
docs/decisions/0006-pathway-rules.md; the catalog's numbers are used as they
are, and an unknown number counts as unknown, never as a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from corridor.pathways.findings import Step
from corridor.pathways.rules import Money, RouteSpec
from corridor.pathways.vocabulary import Kind, Urgency
from corridor.pathways.words import Phrase, PhraseCode, phrase

# Organisation policy, not catalog facts: how soon a case at each urgency should be out of
# the country. They mirror cases.risk.DEFAULT_TARGETS (critical 60, high 90, low 365 days to
# out of the country); a case passes its own risk level's target (pathways.access), and
# settings (CORRIDOR_PATHWAY_TARGET_DAYS) override these for the command line.
DEFAULT_TARGET_DAYS: Mapping[Urgency, int] = MappingProxyType(
    {Urgency.EMERGENCY: 60, Urgency.URGENT: 90, Urgency.NORMAL: 365}
)

WEIGHT_SPEED = 0.40
WEIGHT_GRANTS = 0.20
WEIGHT_READINESS = 0.15
WEIGHT_CAPACITY = 0.15
WEIGHT_COST = 0.10
# A route with no published processing time is treated as long and uncertain: it scores no
# speed at all, so it never outranks a known time, however long, with all else equal.
SPEED_WHEN_UNKNOWN = 0.0
CAPACITY_WHEN_UNKNOWN = 0.5
COST_FREE, COST_KNOWN, COST_UNKNOWN = 1.0, 0.8, 0.7
# What the person can start outranks what a decision-maker may grant, which outranks what
# needs someone else to select them (a referral, a quota, a sponsor). A precedent is never
# open (eligibility closes it), so it has no factor.
FACTOR_DISCRETIONARY = 0.8
FACTOR_SELECTION = 0.45
KIND_FACTORS: Mapping[Kind, float] = MappingProxyType(
    {
        Kind.CAN_APPLY_NOW: 1.0,
        Kind.DISCRETIONARY: FACTOR_DISCRETIONARY,
        Kind.SELECTION: FACTOR_SELECTION,
        Kind.PRECEDENT: 0.0,
    }
)
# A selection route whose referral is in hand is a procedure under way; one a designated
# partner (Rainbow Railroad for Canada's GAR) can be asked for is a decision the organisation
# can work towards, not a lottery: neither is weighed as a quota nobody can ask for.
FACTOR_REFERRAL_IN_HAND = 1.0
FACTOR_PARTNER_REFERRAL = 0.85
REFERRAL_FACTORS: Mapping[str, float] = MappingProxyType(
    {"in_hand": FACTOR_REFERRAL_IN_HAND, "partner": FACTOR_PARTNER_REFERRAL}
)
FACTOR_UNCERTAIN = 0.9
FACTOR_PER_WEIGHING_RULE = 0.75
# A danger named for this very person in a transit country (detention on Russian requests
# for a wanted man, attacks on critics...) halves the plan: avoid such countries.
FACTOR_PER_DANGER = 0.5


@dataclass(frozen=True, slots=True)
class GrantCounts:
    granted: int
    denied: int

    @property
    def total(self) -> int:
        return self.granted + self.denied


NO_OUTCOMES = GrantCounts(0, 0)


@dataclass(frozen=True)
class RankingInputs:
    """What the organisation knows beyond the catalog: its targets and its own results."""

    target_days: Mapping[Urgency, int] = field(default_factory=lambda: DEFAULT_TARGET_DAYS)
    # route id -> the organisation's own decided applications on that route
    outcomes: Mapping[str, GrantCounts] = field(default_factory=dict)
    # route id -> places the organisation's applicants already took this year
    places_used: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for urgency in Urgency:
            if self.target_days.get(urgency, 0) < 1:
                raise ValueError(f"target days for {urgency.value} must be 1 or more")


@dataclass(frozen=True, slots=True)
class Basis:
    """What a rank rests on: `explain` words it as the one sentence a caseworker reads."""

    failing: int  # rules that close the result; 0 when open
    preparation: int = 0  # steps before applying
    expected_days: int | None = None
    target_days: int = 0
    unknown_steps: int = 0  # steps whose length the sources do not give
    own: GrantCounts = NO_OUTCOMES
    prior: tuple[int | None, int | None] = (None, None)
    capacity: tuple[int, int] | None = None  # (places a year, year published)
    remaining: int = 0
    household_size: int | None = None  # None: fits every published capacity
    fee: Money | None = None
    kind: Kind | None = None  # None: a closed transit leg, which is no route
    # (low, high) over the steps whose time is known (unknown_steps says how many are not)
    days_range: tuple[int, int] | None = None
    uncertain: bool = False
    weighing: int = 0
    dangers: int = 0
    referral: str | None = None  # "in_hand" or "partner" (see REFERRAL_FACTORS)
    # Route facts stated without a verified source: worded "not verified", never as a figure.
    unverified: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Rank:
    score: float
    basis: Basis
    grant_counts: GrantCounts
    grant_rate: float


def grant_rate(own: GrantCounts, prior: tuple[int | None, int | None]) -> float:
    """(granted + 1) / (decided + 2) over our outcomes and the catalog prior where it gives
    both counts; 0.5 means nothing is known. Laplace's rule keeps 1 of 1 from reading as 100%."""
    granted, denied = own.granted, own.denied
    prior_granted, prior_denied = prior
    if prior_granted is not None and prior_denied is not None:
        granted += prior_granted
        denied += prior_denied
    return (granted + 1) / (granted + denied + 2)


def rank_open(
    *,
    route: RouteSpec,
    preparation: Sequence[Step],
    apply: Step,
    weighing: int,
    uncertain: bool,
    urgency: Urgency,
    household_size: int | None,
    inputs: RankingInputs,
    dangers: int = 0,
    referral: str | None = None,
) -> Rank:
    """Score an open route or plan: higher is better, in (0, 1].

    `household_size` None means the household fits every published capacity (the
    matcher passes None then, so households of different sizes share results).
    """
    target = inputs.target_days[urgency]
    expected = None
    days_range = steps_range((*preparation, apply))
    if days_range is not None:
        # The point is the middle of the range the caseworker reads, so both agree.
        expected = round((days_range[0] + days_range[1]) / 2)
    own = inputs.outcomes.get(route.id, NO_OUTCOMES)
    rate = grant_rate(own, route.prior)
    remaining = 0
    if route.capacity is None:
        capacity_fit = CAPACITY_WHEN_UNKNOWN
    else:
        remaining = remaining_places(route, inputs)
        capacity_fit = 1.0 if household_size is None else min(1.0, remaining / household_size)
    cost = COST_UNKNOWN if route.fee is None else COST_KNOWN if route.fee.amount else COST_FREE
    speed = SPEED_WHEN_UNKNOWN if expected is None else target / (target + expected)
    score = (
        WEIGHT_SPEED * speed
        + WEIGHT_GRANTS * rate
        + WEIGHT_READINESS / (1 + len(preparation))
        + WEIGHT_CAPACITY * capacity_fit
        + WEIGHT_COST * cost
    )
    kind = route.kind
    if kind is Kind.SELECTION and referral is not None and referral in REFERRAL_FACTORS:
        score *= REFERRAL_FACTORS[referral]
    else:
        score *= KIND_FACTORS[kind]
    if uncertain:
        score *= FACTOR_UNCERTAIN
    score *= FACTOR_PER_WEIGHING_RULE**weighing
    score *= FACTOR_PER_DANGER**dangers
    basis = Basis(
        failing=0,
        preparation=len(preparation),
        expected_days=expected,
        target_days=target,
        unknown_steps=sum(1 for step in preparation if step.days is None),
        own=own,
        prior=route.prior,
        capacity=route.capacity,
        remaining=remaining,
        household_size=household_size,
        fee=route.fee,
        kind=kind,
        days_range=days_range,
        uncertain=uncertain,
        weighing=weighing,
        dangers=dangers,
        referral=referral if kind is Kind.SELECTION else None,
        unverified=route.unverified,
    )
    return Rank(score=round(score, 4), basis=basis, grant_counts=own, grant_rate=round(rate, 4))


def steps_range(steps: Sequence[Step]) -> tuple[int, int] | None:
    """The low and high days of `steps` whose time is known, or None when the last step
    (the application) has none; steps of unknown length add nothing (the rank says how
    many there are)."""
    if not steps or steps[-1].days_range is None:
        return None
    known = [step.days_range for step in steps if step.days_range is not None]
    return (sum(low for low, _ in known), sum(high for _, high in known))


def rank_closed(*, route: RouteSpec | None, failing: int, inputs: RankingInputs) -> Rank:
    """A closed result scores 0 and sorts after every open one. A closed transit leg
    (`route` None) has no route of its own, so no outcomes and a grant rate of 0."""
    if route is None:
        return Rank(
            score=0.0, basis=Basis(failing=failing), grant_counts=NO_OUTCOMES, grant_rate=0.0
        )
    own = inputs.outcomes.get(route.id, NO_OUTCOMES)
    return Rank(
        score=0.0,
        basis=Basis(failing=failing, own=own, prior=route.prior, kind=route.kind),
        grant_counts=own,
        grant_rate=round(grant_rate(own, route.prior), 4),
    )


def remaining_places(route: RouteSpec, inputs: RankingInputs) -> int:
    """Places left this year on a route with a published capacity."""
    if route.capacity is None:
        return 0
    return max(0, route.capacity[0] - inputs.places_used.get(route.id, 0))


def smallest_remaining(routes: Sequence[RouteSpec], inputs: RankingInputs) -> int | None:
    """The fewest places left on any route with a published capacity (None: none published)."""
    left = [remaining_places(route, inputs) for route in routes if route.capacity is not None]
    return min(left) if left else None


def explain(basis: Basis) -> Phrase:
    """The rank in one sentence, from the parts it rests on."""
    if basis.failing:
        return phrase(
            PhraseCode.RANK_SENTENCE, parts=(phrase(PhraseCode.RANK_CLOSED, count=basis.failing),)
        )
    parts = [
        phrase(PhraseCode.RANK_OPEN_AFTER, steps=basis.preparation)
        if basis.preparation
        else phrase(PhraseCode.RANK_OPEN_NOW),
    ]
    if basis.referral == "partner":  # instead of "nobody is entitled": it can be asked for
        parts.append(phrase(PhraseCode.REFERRAL_PARTNER))
    elif basis.kind is not None:
        parts.append(phrase(_KIND_PHRASES[basis.kind]))
    if "status" in basis.unverified:
        parts.append(phrase(PhraseCode.RANK_STATUS_UNVERIFIED))
    parts += [
        _days_part(basis),
        _ours_part(basis.own),
        _prior_part(basis.prior),
        _capacity_part(basis),
        _cost_part(basis),
    ]
    if basis.uncertain:
        parts.append(phrase(PhraseCode.RANK_UNCERTAIN))
    if basis.weighing:
        parts.append(phrase(PhraseCode.RANK_WEIGHS, count=basis.weighing))
    if basis.dangers:
        parts.append(phrase(PhraseCode.RANK_DANGERS, count=basis.dangers))
    return phrase(PhraseCode.RANK_SENTENCE, parts=tuple(parts))


_KIND_PHRASES = {
    Kind.CAN_APPLY_NOW: PhraseCode.RANK_CAN_APPLY,
    Kind.DISCRETIONARY: PhraseCode.RANK_DISCRETIONARY,
    Kind.SELECTION: PhraseCode.RANK_SELECTION,
    Kind.PRECEDENT: PhraseCode.RANK_PRECEDENT,
}


def _days_part(basis: Basis) -> Phrase:
    # Each number of days is its own phrase so that Russian words it in the right plural form.
    target = phrase(PhraseCode.SPAN_DAYS, days=basis.target_days)
    if basis.expected_days is None:
        if "processing_days" in basis.unverified:
            return phrase(PhraseCode.RANK_DAYS_UNVERIFIED, target=target)
        return phrase(PhraseCode.RANK_DAYS_UNKNOWN, target=target)
    time = phrase(PhraseCode.SPAN_DAYS, days=basis.expected_days)
    if basis.days_range is not None and basis.days_range[0] != basis.days_range[1]:
        low, high = basis.days_range
        time = phrase(PhraseCode.SPAN_RANGE, low=low, high=high, about=basis.expected_days)
    if basis.unknown_steps:
        return phrase(
            PhraseCode.RANK_DAYS_PARTIAL, time=time, target=target, unknown=basis.unknown_steps
        )
    return phrase(PhraseCode.RANK_DAYS, time=time, target=target)


def _ours_part(own: GrantCounts) -> Phrase:
    if not own.total:
        return phrase(PhraseCode.RANK_OURS_NONE)
    return phrase(PhraseCode.RANK_OURS, granted=own.granted, total=own.total)


def _prior_part(prior: tuple[int | None, int | None]) -> Phrase:
    granted, denied = prior
    if granted is not None and denied is not None:
        return phrase(PhraseCode.RANK_PRIOR, granted=granted, denied=denied)
    if granted is not None:
        return phrase(PhraseCode.RANK_PRIOR_GRANTED, granted=granted)
    return phrase(PhraseCode.RANK_PRIOR_NONE)


def _capacity_part(basis: Basis) -> Phrase:
    if basis.capacity is None:
        if "capacity" in basis.unverified:
            return phrase(PhraseCode.RANK_CAPACITY_UNVERIFIED)
        return phrase(PhraseCode.RANK_CAPACITY_UNKNOWN)
    places, year = basis.capacity
    if basis.household_size is None or basis.remaining >= basis.household_size:
        return phrase(PhraseCode.RANK_CAPACITY_FITS, places=places, year=year)
    return phrase(
        PhraseCode.RANK_CAPACITY_SHORT, remaining=basis.remaining, size=basis.household_size
    )


def _cost_part(basis: Basis) -> Phrase:
    fee = basis.fee
    if fee is None:
        if "fee" in basis.unverified:
            return phrase(PhraseCode.RANK_COST_UNVERIFIED)
        return phrase(PhraseCode.RANK_COST_UNKNOWN)
    if not fee.amount:
        return phrase(PhraseCode.RANK_COST_NONE)
    return phrase(PhraseCode.RANK_COST, amount=f"{fee.amount:f}", currency=fee.currency)
