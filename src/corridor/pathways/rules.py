"""The catalog compiled for matching: plain dataclasses and one predicate per declared rule.

Pure (no database, no Django): the YAML's conditions become small closures here,
once per catalog, so that evaluating a route for a person costs a few attribute
reads. No route has code of its own; every route goes through the same compiler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import cast

from corridor.pathways.facts import Facts
from corridor.pathways.schema import Condition, Route, Transit, is_verified
from corridor.pathways.schema import Note as NoteModel
from corridor.pathways.schema import Risk as RiskModel
from corridor.pathways.schema import Text as TextModel
from corridor.pathways.vocabulary import (
    WARNING_RISKS,
    Document,
    ExitBarrier,
    Kind,
    MedicalNeed,
    Position,
    Profile,
    ReferralChannel,
    RiskGroup,
    RiskKind,
    Status,
)
from corridor.pathways.words import Message, PhraseCode, Words, phrase


class Here:
    """A person at one point of a journey: their facts, where they are, what they hold.

    `passport`, `exit` and `in_country` are the parts of an assessment's signature that
    depend only on the person and the place, computed once per place (see eligibility).
    """

    __slots__ = (
        "current_country",
        "exit",
        "facts",
        "holds_internal_passport",
        "holds_international_passport",
        "in_country",
        "passport",
        "restore_internal",
        "unhcr_registration",
    )

    def __init__(
        self,
        facts: Facts,
        current_country: str,
        *,
        holds_international_passport: bool,
        holds_internal_passport: bool,
        passport: tuple[object, ...],
        exit: ExitState,
        in_country: InCountry | None,
        unhcr_registration: bool | None = None,
        restore_internal: tuple[object, ...] | None = None,
    ) -> None:
        self.facts = facts
        # ("restore", days or None) when the internal passport was taken and can be restored.
        self.restore_internal = restore_internal
        self.current_country = current_country
        self.holds_international_passport = holds_international_passport
        self.holds_internal_passport = holds_internal_passport
        self.passport = passport
        self.exit = exit
        self.in_country = in_country
        # Whether UNHCR registers refugees where the person is (False in Armenia and Turkey).
        self.unhcr_registration = unhcr_registration


Predicate = Callable[[Here, Position], bool]
# (an exit ban, barriers that make the exit border check dangerous, medical needs first:
# None when there are none, else what they are, empty when not said)
# (exit ban, barriers that make the border check dangerous, medical needs first or None,
#  other dangers at the border: "family_case", "sex_marker", "interpol")
ExitState = tuple[bool, frozenset[ExitBarrier], frozenset[MedicalNeed] | None, frozenset[str]]
# (the transit country the person is in, whether each of its rules passes)
InCountry = tuple["TransitSpec", tuple[bool, ...]]
_HERE_ATTRIBUTES = frozenset(
    {"current_country", "holds_international_passport", "holds_internal_passport"}
)


def fact_path(fact: str) -> str:
    """Where a condition's fact lives on `Here` ("position" is passed alongside)."""
    return fact if fact in _HERE_ATTRIBUTES else f"facts.{fact}"


def compile_condition(condition: Condition) -> Predicate:
    """A closure that answers `condition` for a person at a position."""
    if condition.all_ is not None:
        parts = tuple(compile_condition(inner) for inner in condition.all_)
        return lambda here, position: all(part(here, position) for part in parts)
    if condition.any_ is not None:
        parts = tuple(compile_condition(inner) for inner in condition.any_)
        return lambda here, position: any(part(here, position) for part in parts)
    if condition.not_ is not None:
        inner = compile_condition(condition.not_)
        return lambda here, position: not inner(here, position)
    if condition.fact is None:  # Condition's validator makes this unreachable
        raise ValueError("a leaf condition without a fact")
    return _compile_leaf(condition, _getter(condition.fact))


def _getter(fact: str) -> Callable[[Here, Position], object]:
    if fact == "position":
        return lambda here, position: position
    read = attrgetter(fact_path(fact))
    return lambda here, position: read(here)


def _compile_leaf(condition: Condition, get: Callable[[Here, Position], object]) -> Predicate:
    if condition.is_ is not None:
        expected = condition.is_
        return lambda here, position: get(here, position) is expected
    if condition.in_ is not None:
        allowed = frozenset(condition.in_)
        return lambda here, position: get(here, position) in allowed
    if condition.not_in is not None:
        refused = frozenset(condition.not_in)
        return lambda here, position: get(here, position) not in refused
    if condition.any_of is not None:
        wanted: frozenset[object] = frozenset(condition.any_of)
        return lambda here, position: not wanted.isdisjoint(_items(get(here, position)))
    if condition.none_of is not None:
        unwanted: frozenset[object] = frozenset(condition.none_of)
        return lambda here, position: unwanted.isdisjoint(_items(get(here, position)))
    if condition.contains is not None:
        item = condition.contains
        return lambda here, position: item in _items(get(here, position))
    if condition.at_least is not None:
        low = condition.at_least
        return lambda here, position: _number(get(here, position), default=-1) >= low
    if condition.at_most is None:  # Condition's validator makes this unreachable
        raise ValueError("a condition without an operator")
    high = condition.at_most
    return lambda here, position: _number(get(here, position), default=high + 1) <= high


def _items(value: object) -> frozenset[object]:
    # Only set-valued facts reach here: the schema allows these operators on nothing else.
    return cast(frozenset[object], value)


def _number(value: object, *, default: int) -> int:
    # An unknown count (null) never satisfies a bound.
    return value if isinstance(value, int) else default


@dataclass(frozen=True, eq=False, slots=True)
class RuleSpec:
    id: str
    test: Predicate
    reason: Words
    weighs: bool
    paths: frozenset[str]  # what the test reads, for memo keys ("position" included)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class ReferralSpec:
    channels: frozenset[ReferralChannel]
    by: Words | None
    can_request: bool
    designated: frozenset[str]  # referrer codes; empty: any referrer of the channels


@dataclass(frozen=True, eq=False, slots=True)
class RouteSpec:
    index: int
    id: str
    country: str
    name: Words
    location: frozenset[Position]
    needs_international_passport: bool
    # Nationalities whose internal passport the catalog says is accepted in this country.
    internal_passport_entry: frozenset[str]
    referral: ReferralSpec
    sponsor_required: bool
    profile_limits: frozenset[Profile]
    nationality_limits: frozenset[str]
    processing_days: tuple[int, int] | None
    fee: Money | None
    capacity: tuple[int, int] | None  # (places, year)
    discretionary: bool
    status: Status
    prior: tuple[int | None, int | None]
    risk_notes: tuple[Message, ...]
    rules: tuple[RuleSpec, ...]
    # A figure or note the facts file marks "(uncertain)" feeds the rank.
    uncertain: bool
    # Facts the catalog states but nobody verified from a source ("status", "processing_days",
    # "fee", "capacity"): their figures are left out above and shown as "check before relying".
    unverified: frozenset[str]
    # True when a rule reads where the person is, so its verdict can differ per transit.
    reads_current_country: bool
    # Whether unmarried and same-sex partners count as family: None where no source says.
    partners: tuple[bool | None, bool | None] = (None, None)

    @property
    def kind(self) -> Kind:
        """Which kind of "open" the route is: a precedent is history; a route that needs a
        referral or a sponsor needs someone else to select the person; a discretionary one
        needs a decision-maker's grace; the rest the person can start."""
        if self.status is Status.PRECEDENT:
            return Kind.PRECEDENT
        if self.referral.channels or self.referral.designated or self.sponsor_required:
            return Kind.SELECTION
        if self.discretionary:
            return Kind.DISCRETIONARY
        return Kind.CAN_APPLY_NOW


@dataclass(frozen=True, slots=True)
class EntrySpec:
    visa_free: bool
    stay_days: int | None
    stay_note: Words | None
    internal_passport: bool
    international_passport: bool
    uncertain: bool
    # False when nobody verified the entry rule from a source: its stay limit is left out
    # (stay_days None) and the leg says to check the rule before relying on it.
    verified: bool


@dataclass(frozen=True, eq=False, slots=True)
class TransitSpec:
    index: int
    id: str
    country: str
    name: Words
    entry: Mapping[str, EntrySpec]
    risk_notes: tuple[Message, ...]
    rules: tuple[RuleSpec, ...]
    # False where UNHCR does not register refugees (Armenia, Turkey); None where not stated.
    unhcr_registration: bool | None
    avoid: Words | None  # why nobody should go there (Belarus); None: nothing against it
    # The structured risks that are dangers (detention, extradition, attack...): what
    # happens, to whom, and the words; a plan through here weighs them for those people.
    dangers: tuple[Danger, ...] = ()


@dataclass(frozen=True, eq=False, slots=True)
class Danger:
    what: RiskKind
    whom: frozenset[RiskGroup]
    text: Message


@dataclass(frozen=True, eq=False, slots=True)
class Catalog:
    routes: tuple[RouteSpec, ...]
    transits: tuple[TransitSpec, ...]
    transit_by_country: Mapping[str, TransitSpec]
    # Facts any declared rule reads, and every country the catalog names: together they
    # say which parts of a person's facts can change an answer (see matching).
    rule_facts: frozenset[str]
    countries: frozenset[str]


def compile_catalog(entries: Iterable[Route | Transit]) -> Catalog:
    """Compile validated entries (in id order, so results never depend on file order)."""
    ordered = sorted(entries, key=lambda entry: entry.id)
    transits = tuple(
        _compile_transit(index, entry)
        for index, entry in enumerate(e for e in ordered if isinstance(e, Transit))
    )
    internal_entry: dict[str, frozenset[str]] = {
        transit.country: frozenset(
            nationality for nationality, rule in transit.entry.items() if rule.internal_passport
        )
        for transit in transits
    }
    routes = tuple(
        _compile_route(index, entry, internal_entry.get(entry.country, frozenset()))
        for index, entry in enumerate(e for e in ordered if isinstance(e, Route))
    )
    rules = [rule for entry in ordered for rule in entry.rules]
    countries = {entry.country for entry in ordered}
    for entry in ordered:
        if isinstance(entry, Route):
            countries.update(entry.nationality_limits)
    for rule in rules:
        countries |= rule.test.countries_mentioned()
    return Catalog(
        routes=routes,
        transits=transits,
        transit_by_country=MappingProxyType({transit.country: transit for transit in transits}),
        rule_facts=frozenset().union(*(rule.test.facts_read() for rule in rules)),
        countries=frozenset(countries),
    )


def words(text: TextModel) -> Words:
    return Words(en=text.en, ru=text.ru)


def _compile_rules(entry: Route | Transit) -> tuple[RuleSpec, ...]:
    return tuple(
        RuleSpec(
            id=f"{entry.id}:{rule.id}",
            test=compile_condition(rule.test),
            reason=words(rule.reason),
            weighs=rule.weighs,
            paths=frozenset(
                "position" if fact == "position" else fact_path(fact)
                for fact in rule.test.facts_read()
            ),
        )
        for rule in entry.rules
    )


def _notes(risks: list[RiskModel], notes: list[NoteModel]) -> tuple[Message, ...]:
    """Risks, then caveats; one marked uncertain, or that nobody verified from a source,
    says so wherever it is shown."""
    every: list[RiskModel | NoteModel] = [*risks, *notes]
    return tuple(_note(note) for note in every)


def _note(note: RiskModel | NoteModel) -> Message:
    text: Message = words(note)
    if isinstance(note, RiskModel) and note.what in WARNING_RISKS:
        text = Words(en=note.en, ru=note.ru, warning=True)
    if note.uncertain:
        text = phrase(PhraseCode.NOTE_UNCERTAIN, note=text)
    if not is_verified(note.source):
        text = phrase(PhraseCode.NOTE_UNVERIFIED, note=text)
    return text


def _compile_route(index: int, route: Route, internal_entry: frozenset[str]) -> RouteSpec:
    # Only figures someone read from a source reach the planner; the others are unknown.
    stated = {
        "processing_days": route.processing_days,
        "fee": route.fees[0] if route.fees else None,
        "capacity": route.capacity_per_year,
    }
    unverified = {
        name for name, fact in stated.items() if fact is not None and not is_verified(fact.source)
    }
    if not is_verified(route.status_source):
        unverified.add("status")
    processing = None if "processing_days" in unverified else route.processing_days
    fee = None if "fee" in unverified else route.fees[0] if route.fees else None
    capacity = None if "capacity" in unverified else route.capacity_per_year
    rules = _compile_rules(route)
    uncertain = (
        any(note.uncertain for note in route.risk_notes)
        or any(note.uncertain for note in route.notes)
        or bool(processing and processing.uncertain)
        or bool(fee and fee.uncertain)
        or bool(capacity and capacity.uncertain)
    )
    return RouteSpec(
        index=index,
        id=route.id,
        country=route.country,
        name=words(route.name),
        location=frozenset(route.location),
        needs_international_passport=Document.INTERNATIONAL_PASSPORT in route.documents,
        internal_passport_entry=internal_entry,
        referral=ReferralSpec(
            channels=frozenset(ReferralChannel(channel) for channel in route.referral.channels),
            by=words(route.referral.by) if route.referral.by else None,
            can_request=route.referral.can_request,
            designated=frozenset(route.referral.designated),
        ),
        sponsor_required=route.sponsor_required,
        profile_limits=frozenset(route.profile_limits),
        nationality_limits=frozenset(route.nationality_limits),
        processing_days=(processing.min, processing.max) if processing else None,
        fee=Money(fee.amount, fee.currency) if fee else None,
        capacity=(capacity.places, capacity.year) if capacity else None,
        discretionary=route.discretionary,
        status=route.status,
        prior=(route.prior.granted, route.prior.denied),
        risk_notes=_notes(route.risk_notes, route.notes),
        rules=rules,
        uncertain=uncertain,
        unverified=frozenset(unverified),
        reads_current_country=any("current_country" in rule.paths for rule in rules),
        partners=(
            (
                route.partners.unmarried.recognised if route.partners.unmarried else None,
                route.partners.same_sex.recognised if route.partners.same_sex else None,
            )
            if route.partners
            else (None, None)
        ),
    )


def _compile_transit(index: int, transit: Transit) -> TransitSpec:
    return TransitSpec(
        index=index,
        id=transit.id,
        country=transit.country,
        name=words(transit.name),
        entry=MappingProxyType(
            {
                rule.nationality: EntrySpec(
                    visa_free=rule.visa_free,
                    stay_days=rule.stay_days if is_verified(rule.source) else None,
                    stay_note=(
                        words(rule.stay_note)
                        if rule.stay_note and is_verified(rule.source)
                        else None
                    ),
                    internal_passport="internal_passport" in rule.documents_accepted,
                    international_passport="international_passport" in rule.documents_accepted,
                    uncertain=rule.uncertain,
                    verified=is_verified(rule.source),
                )
                for rule in transit.entry
            }
        ),
        risk_notes=_notes(transit.risk_notes, transit.notes),
        rules=_compile_rules(transit),
        unhcr_registration=(
            transit.unhcr_registration.possible if transit.unhcr_registration else None
        ),
        avoid=words(transit.avoid) if transit.avoid else None,
        dangers=tuple(
            Danger(what=risk.what, whom=frozenset(risk.whom), text=_note(risk))
            for risk in transit.risk_notes
            if risk.what in WARNING_RISKS
        ),
    )
