"""The catalog's schema: what one YAML file may say about a route or a transit country.

Validated when files are read, when the database versions are read back and by
`corridor pathways lint` in CI, so a typo in a rule or an unsourced claim cannot
reach a caseworker as if it were a reviewed fact.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    field_validator,
    model_serializer,
    model_validator,
)

from corridor.pathways.vocabulary import (
    COUNTRY_CODE,
    EU,
    Document,
    ExitBarrier,
    Position,
    Profile,
    ReferralChannel,
    RiskGroup,
    RiskKind,
    Status,
    Urgency,
)

CountryCode = Annotated[str, Field(pattern=COUNTRY_CODE.pattern)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
# An organisation that can refer a person (a facts value and a route's designated list):
# none, unhcr, rainbow_railroad, embassy, other_ngo, or an organisations-directory code.
ReferrerCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,39}$")]
NOT_VERIFIED: Literal["not_verified"] = "not_verified"
_CYRILLIC = re.compile("[\u0410-\u044f\u0401\u0451]")  # the Russian alphabet
VISA_CODE_REGULATION = "810/2009"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Words a caseworker reads, in both languages of the interface."""

    en: Annotated[str, Field(min_length=1, max_length=600)]
    ru: Annotated[str, Field(min_length=1, max_length=600)]

    @field_validator("ru")
    @classmethod
    def _russian(cls, value: str) -> str:
        if not _CYRILLIC.search(value):
            raise ValueError("the Russian text has no Cyrillic letters")
        return value


class Evidence(Strict):
    """Where one fact comes from: the source, the date it speaks for, when someone read it,
    and the words that support the fact. The schema takes what a reviewer wrote; `pathways
    lint` judges it (a bare domain, a missing excerpt or an old date is a lint error naming
    the entry and the fact, not a file that cannot be read)."""

    source: Annotated[str, Field(min_length=1, max_length=400)]  # a full URL or a named document
    speaks_for: date | None = None
    verified: date | None = None
    excerpt: Annotated[str, Field(min_length=1, max_length=600)] | None = None


# A fact nobody has read from a source says so, instead of carrying an old number as if checked.
Sourced = Evidence | Literal["not_verified"]


def is_verified(source: Sourced) -> bool:
    """True when someone read the fact from a source; the planner uses only such figures
    (a `not_verified` number is shown as "not verified: check before relying", never used)."""
    return isinstance(source, Evidence)


class Note(Text):
    """A caveat about a route or a country; `uncertain` carries "(uncertain)" marks."""

    uncertain: bool = False
    source: Sourced = NOT_VERIFIED


class Risk(Text):
    """What can happen to whom, where and since when; every risk names its source."""

    country: CountryCode
    what: RiskKind
    whom: list[RiskGroup]
    since: date | None = None
    uncertain: bool = False
    source: Sourced = NOT_VERIFIED

    @field_validator("whom")
    @classmethod
    def _someone(cls, value: list[RiskGroup]) -> list[RiskGroup]:
        if not value or len(set(value)) != len(value):
            raise ValueError("name each group at risk once, at least one (anyone for all)")
        return value


class DayRange(Strict):
    """Typical processing time in days (months converted at 30.44 days)."""

    min: Annotated[int, Field(ge=0)]
    max: Annotated[int, Field(ge=0)]
    note: Text | None = None
    uncertain: bool = False
    source: Sourced = NOT_VERIFIED

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max < self.min:
            raise ValueError("max is smaller than min")
        return self


class Fee(Strict):
    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    note: Text | None = None
    uncertain: bool = False
    source: Sourced = NOT_VERIFIED


class Capacity(Strict):
    """Places a year as last published, with the year it was published for."""

    places: Annotated[int, Field(ge=0)]
    year: Annotated[int, Field(ge=1950, le=2100)]
    note: Text | None = None
    uncertain: bool = False
    source: Sourced = NOT_VERIFIED


class Prior(Strict):
    """Outcomes the sources report; None where they do not say (never a guess)."""

    granted: Annotated[int, Field(ge=0)] | None
    denied: Annotated[int, Field(ge=0)] | None
    note: Text | None = None


class Referral(Strict):
    """Who must refer the person; no channels means none is needed."""

    channels: list[Literal["ngo", "unhcr", "embassy"]]
    by: Text | None = None
    # False where the referrer selects cases itself and a person cannot ask (UK resettlement).
    can_request: bool
    # Only these organisations can refer (Canada's GAR: UNHCR and its designated partners);
    # empty: any referrer of the channels will do. `referral: ngo` alone never opens such a route.
    designated: list[ReferrerCode] = []

    @model_validator(mode="after")
    def _named(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("a referral channel is listed twice")
        if self.channels and self.by is None:
            raise ValueError("say who refers (`by`) when a referral is required")
        if self.designated and not self.channels:
            raise ValueError("designated referrers need the channels they refer through")
        if len(set(self.designated)) != len(self.designated):
            raise ValueError("a designated referrer is listed twice")
        return self


class Recognition(Strict):
    """Whether a route counts one kind of partner as family, read from a source. A route
    whose sources do not say leaves the fact out: unknown, never guessed."""

    recognised: bool
    source: Evidence


class Partners(Strict):
    """Which partners a route recognises as family members (derivative status, reunion)."""

    unmarried: Recognition | None = None
    same_sex: Recognition | None = None


class Checklist(Strict):
    """The documents an application on the route needs from each person it is for, as
    its source says. Each is a kind of the document register (people.models.DocumentKind;
    `pathways lint` names an unknown one). A route without a checklist says nothing about
    its documents: unknown, never "nothing needed"."""

    documents: list[Annotated[str, Field(pattern=r"^[a-z][a-z_]{1,39}$")]]
    source: Evidence

    @field_validator("documents")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("list each needed document once, at least one")
        return value


# What a condition may read: every fact, plus what is derived per route.
_FACT_KINDS: dict[str, tuple[str, type[StrEnum] | None]] = {
    "nationality": ("country", None),
    "current_country": ("country", None),
    "has_internal_passport": ("bool", None),
    "has_international_passport": ("bool", None),
    "can_obtain_international_passport": ("bool", None),
    "passport_obtain_days": ("count", None),
    "exit_barriers": ("set", ExitBarrier),
    "unhcr_registered": ("bool", None),
    "referral": ("choice", ReferralChannel),
    "sponsor_available": ("bool", None),
    "ties": ("countries", None),
    "avoid_countries": ("countries", None),
    "profile": ("set", Profile),
    "urgency": ("choice", Urgency),
    "household_size": ("count", None),
    "medical_needs": ("bool", None),
    "position": ("choice", Position),
    "holds_international_passport": ("bool", None),
    "holds_internal_passport": ("bool", None),
}
CONDITION_FACTS = frozenset(_FACT_KINDS)
_OPERATORS_BY_KIND = {
    "bool": {"is_"},
    "country": {"in_", "not_in"},
    "choice": {"in_", "not_in"},
    "countries": {"any_of", "none_of", "contains"},
    "set": {"any_of", "none_of", "contains"},
    "count": {"at_least", "at_most"},
}
_LEAF_OPERATORS = ("is_", "in_", "not_in", "any_of", "none_of", "contains", "at_least", "at_most")
_COMBINATORS = ("all_", "any_", "not_")


class Condition(Strict):
    """One test over the facts: a leaf (`fact` with one operator) or all/any/not of others."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    fact: str | None = None
    is_: bool | None = Field(None, alias="is")
    in_: list[str] | None = Field(None, alias="in")
    not_in: list[str] | None = None
    any_of: list[str] | None = None
    none_of: list[str] | None = None
    contains: str | None = None
    at_least: int | None = None
    at_most: int | None = None
    all_: list[Condition] | None = Field(None, alias="all")
    any_: list[Condition] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_operator(self) -> Self:
        used = [
            name for name in (*_LEAF_OPERATORS, *_COMBINATORS) if getattr(self, name) is not None
        ]
        if len(used) != 1:
            raise ValueError(
                "a condition needs exactly one of: is, in, not_in, any_of, none_of, contains, "
                f"at_least, at_most, all, any, not (found {len(used)})"
            )
        operator = used[0]
        if operator in _COMBINATORS:
            if self.fact is not None:
                raise ValueError("`fact` belongs on a leaf condition, not on all/any/not")
            if operator != "not_" and not getattr(self, operator):
                raise ValueError(f"`{operator.rstrip('_')}` needs at least one condition")
            return self
        if self.fact not in _FACT_KINDS:
            known = ", ".join(sorted(_FACT_KINDS))
            raise ValueError(f"unknown fact {self.fact!r}; known: {known}")
        kind, enum = _FACT_KINDS[self.fact]
        if operator not in _OPERATORS_BY_KIND[kind]:
            allowed = ", ".join(sorted(op.rstrip("_") for op in _OPERATORS_BY_KIND[kind]))
            raise ValueError(f"{self.fact} is tested with: {allowed}")
        value = getattr(self, operator)
        for item in value if isinstance(value, list) else [value]:
            _check_value(self.fact, kind, enum, item)
        return self

    @model_serializer(mode="wrap")
    def _without_unused(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        return {key: value for key, value in data.items() if value is not None}

    def countries_mentioned(self) -> frozenset[str]:
        """Every country code this condition (and those inside it) compares with."""
        if self.fact is not None:
            if _FACT_KINDS[self.fact][0] not in ("country", "countries"):
                return frozenset()
            values = [
                getattr(self, name) for name in ("in_", "not_in", "any_of", "none_of", "contains")
            ]
            found: set[str] = set()
            for value in values:
                if isinstance(value, list):
                    found.update(value)
                elif isinstance(value, str):
                    found.add(value)
            return frozenset(found)
        inner = [*(self.all_ or []), *(self.any_ or []), *([self.not_] if self.not_ else [])]
        return frozenset().union(*(condition.countries_mentioned() for condition in inner))

    def facts_read(self) -> frozenset[str]:
        """Every fact this condition (and those inside it) reads."""
        if self.fact is not None:
            return frozenset({self.fact})
        inner = [*(self.all_ or []), *(self.any_ or []), *([self.not_] if self.not_ else [])]
        return frozenset().union(*(condition.facts_read() for condition in inner))


def _check_value(fact: str, kind: str, enum: type[StrEnum] | None, item: object) -> None:
    if kind == "count":
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValueError(f"{fact} is compared with a whole number")
    elif kind in ("country", "countries"):
        if not isinstance(item, str) or not COUNTRY_CODE.match(item):
            raise ValueError(f"{fact} is compared with two-letter country codes, not {item!r}")
    elif enum is not None and item not in enum._value2member_map_:
        allowed = ", ".join(enum._value2member_map_)
        raise ValueError(f"{fact} takes one of: {allowed}; not {item!r}")


class Rule(Strict):
    """A route's own condition: it closes the route when it fails, or lowers its rank (weighs)."""

    id: Slug
    test: Condition
    reason: Text
    weighs: bool = False
    source: Sourced = NOT_VERIFIED


class Entry(Strict):
    """What every catalog entry has: an id, reviewed sources and risks."""

    id: str
    country: CountryCode
    name: Text
    risk_notes: list[Risk] = []
    notes: list[Note] = []
    rules: list[Rule]
    last_reviewed: date

    @model_validator(mode="after")
    def _unique_parts(self) -> Self:
        rule_ids = [rule.id for rule in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("two rules share an id")
        return self


class Route(Entry):
    """A legal route to protection in one country (or the Schengen area for the Visa Code)."""

    id: Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
    kind: Literal["route"]
    legal_basis: Annotated[str, Field(min_length=1, max_length=300)]
    location: list[Position]
    documents: list[Document]
    checklist: Checklist | None = None
    referral: Referral
    sponsor_required: bool
    partners: Partners | None = None
    profile_limits: list[Profile]
    nationality_limits: list[CountryCode]
    processing_days: DayRange | None
    fees: list[Fee]
    capacity_per_year: Capacity | None
    discretionary: bool
    status: Status
    status_source: Sourced = NOT_VERIFIED
    prior: Prior

    @field_validator("status")
    @classmethod
    def _not_paused(cls, value: Status) -> Status:
        # The organisation pauses a route with a reason (pathways.routes), not in the entry.
        if value is Status.PAUSED:
            raise ValueError("'paused' is set with Pause on the route's page, not in the entry")
        return value

    @field_validator("location")
    @classmethod
    def _positions(cls, value: list[Position]) -> list[Position]:
        if not value or len(set(value)) != len(value):
            raise ValueError("list each accepted position once, at least one")
        return sorted(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.id.startswith(self.country.lower() + "-"):
            raise ValueError(f"a route id starts with its country code: {self.country.lower()}-…")
        if self.country == EU and VISA_CODE_REGULATION not in self.legal_basis:
            raise ValueError("EU is only for the Schengen Visa Code route (Regulation 810/2009)")
        for name in ("documents", "profile_limits", "nationality_limits"):
            items = getattr(self, name)
            if len(set(items)) != len(items):
                raise ValueError(f"{name} lists an item twice")
        return self


class EntryRule(Strict):
    """How nationals of one country enter a transit country."""

    nationality: CountryCode
    visa_free: bool
    stay_days: Annotated[int, Field(ge=1)] | None
    stay_note: Text | None = None
    documents_accepted: list[Literal["internal_passport", "international_passport"]]
    uncertain: bool = False
    # The source of the stay limit and the documents accepted.
    source: Sourced = NOT_VERIFIED

    @field_validator("documents_accepted")
    @classmethod
    def _documents(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError("list each accepted document once, at least one")
        return value


class UnhcrRegistration(Strict):
    """Whether UNHCR registers refugees in a country (it does not in Armenia, nor in Turkey
    since 10 September 2018): a plan never asks a person to register where it cannot be done."""

    possible: bool
    note: Text | None = None
    source: Sourced = NOT_VERIFIED


class Avoid(Text):
    """Why Corridor tells people not to go to a country at all (Belarus)."""

    source: Sourced = NOT_VERIFIED


class Transit(Entry):
    """A first country to reach, with the documents held, before a route that needs the
    person outside their country of nationality."""

    id: Annotated[str, Field(pattern=r"^transit-[a-z]{2}$")]
    kind: Literal["transit"]
    entry: list[EntryRule]
    unhcr_registration: UnhcrRegistration | None = None
    avoid: Avoid | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.id != f"transit-{self.country.lower()}":
            raise ValueError(f"a transit id is transit-<country>: transit-{self.country.lower()}")
        if self.country == EU:
            raise ValueError("a transit entry names one country, not EU")
        nationalities = [rule.nationality for rule in self.entry]
        if not nationalities or len(set(nationalities)) != len(nationalities):
            raise ValueError("give one entry rule per nationality, at least one")
        return self


class CatalogMeta(Strict):
    """`_catalog.yaml`: the date the catalog speaks for, and the risks of leaving Russia
    itself (they belong to no route: a wanted list or a draft summons stops any way out)."""

    as_of: date
    exit_risks: list[Risk] = []


CatalogEntry = Annotated[Route | Transit, Field(discriminator="kind")]
ENTRY_ADAPTER: TypeAdapter[Route | Transit] = TypeAdapter(CatalogEntry)


def parse_entry(data: object) -> Route | Transit:
    """Validate one entry's decoded content; raises pydantic.ValidationError."""
    return ENTRY_ADAPTER.validate_python(data)


# The order a reviewer reads an entry in (the order), kept in stored and exported files.
ROUTE_KEYS = (
    "id", "kind", "country", "name", "legal_basis", "location", "documents", "checklist",
    "referral", "sponsor_required", "partners", "profile_limits", "nationality_limits",
    "processing_days",
    "fees", "capacity_per_year", "discretionary", "status", "status_source", "prior",
    "risk_notes", "notes", "rules", "last_reviewed",
)  # fmt: skip
TRANSIT_KEYS = (
    "id", "kind", "country", "name", "entry", "unhcr_registration", "avoid", "risk_notes",
    "notes", "rules", "last_reviewed",
)  # fmt: skip


def entry_content(entry: Route | Transit) -> dict[str, object]:
    """The entry as plain JSON-compatible data in reading order (the form stored and exported)."""
    data: dict[str, object] = entry.model_dump(mode="json", by_alias=True)
    order = ROUTE_KEYS if isinstance(entry, Route) else TRANSIT_KEYS
    # An entry that says nothing about partners or its checklist keeps the form (and hash)
    # it had before either existed.
    return {
        key: data[key]
        for key in order
        if key not in ("partners", "checklist") or data[key] is not None
    }
