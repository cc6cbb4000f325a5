"""The facts about a person that decide which routes fit, and the strict JSON form the CLI reads.

Facts arrive from a caseworker's file today and from a case (through `access_*`)
later; either way they are checked here, so a typo can never silently read as
"no" and close or open a route by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import TypeVar

from corridor.core.exceptions import InvalidInput
from corridor.core.inputs import InputRefused, parse_json
from corridor.pathways.vocabulary import (
    COUNTRY_CODE,
    ExitBarrier,
    GenderIdentity,
    HeldDocument,
    HuntedBy,
    MedicalNeed,
    Position,
    Profile,
    ReferralChannel,
    Relation,
    SexMarker,
    Urgency,
    WantedScope,
)

E = TypeVar("E", bound=StrEnum)

# Bounds a person's facts can have; past them a number is a typo, not a household.
MAX_HOUSEHOLD = 50
# Who is referring the person: none, unhcr, rainbow_railroad, embassy, other_ngo, or a code
# from the organisations directory (the same shape as a route's designated referrers).
REFERRER_CODE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
# Facts added after the JSON form was first published; a document without them keeps its
# meaning (no designated referrer).
OPTIONAL_DEFAULTS: dict[str, object] = {
    "referrer": "none",
    "internal_passport_restore_days": None,
    "medical_detail": [],
    "hunted_by": [],
    "wanted_scope": [],
    "family_filed_case": False,
    "confiscated_documents": None,  # None: both when exit_barriers holds documents_confiscated
    "previous_refusals": [],
    "gender_identity": "unknown",
    "document_sex_marker": "unknown",
    "members": [],
    "relation": "none",
}
# Facts that are sealed: the matcher reads them for risks, no report or export shows them.
SEALED_FACTS = frozenset({"gender_identity", "document_sex_marker"})
MAX_PASSPORT_DAYS = 3650


class FactsInvalid(InvalidInput):
    """A fact is missing, unknown or of the wrong type; `key` names it."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


@dataclass(frozen=True, slots=True)
class Facts:
    """What matching needs to know about one person (or a household's lead person)."""

    nationality: str
    current_country: str
    has_internal_passport: bool
    has_international_passport: bool
    international_passport_expiry: date | None  # None: unknown, treated as valid
    can_obtain_international_passport: bool
    passport_obtain_days: int | None  # None: unknown
    exit_barriers: frozenset[ExitBarrier]
    unhcr_registered: bool
    referral: ReferralChannel
    sponsor_available: bool
    ties: frozenset[str]
    avoid_countries: frozenset[str]
    profile: frozenset[Profile]
    urgency: Urgency
    household_size: int
    medical_needs: bool
    referrer: str = "none"
    # Days to restore a taken internal passport in Russia; None: unknown.
    internal_passport_restore_days: int | None = None
    # What the medical needs are; empty: not said (`medical_needs` alone).
    medical_detail: frozenset[MedicalNeed] = frozenset()
    # Who is hunting the person and where they are wanted.
    hunted_by: frozenset[HuntedBy] = frozenset()
    wanted_scope: frozenset[WantedScope] = frozenset()
    # Relatives filed a theft or missing-person case: detention at any airport or border.
    family_filed_case: bool = False
    # Which passports were taken; None: both when exit_barriers holds documents_confiscated.
    confiscated_documents: frozenset[HeldDocument] | None = None
    previous_refusals: frozenset[str] = frozenset()  # countries that refused a visa
    gender_identity: GenderIdentity = GenderIdentity.UNKNOWN  # sealed
    document_sex_marker: SexMarker = SexMarker.UNKNOWN  # sealed
    # The other people of the household, each with their own facts (no members of their own).
    members: tuple[Facts, ...] = ()
    # A member's relation to the lead person (households only; "none" for the lead).
    relation: Relation = Relation.NONE

    def __post_init__(self) -> None:
        for key in ("nationality", "current_country"):
            _check_country(key, getattr(self, key))
        for key in ("ties", "avoid_countries", "previous_refusals"):
            for code in getattr(self, key):
                _check_country(key, code)
        if not REFERRER_CODE.match(self.referrer):
            raise FactsInvalid("referrer", "expected a referrer code such as rainbow_railroad")
        if not 1 <= self.household_size <= MAX_HOUSEHOLD:
            raise FactsInvalid("household_size", f"must be from 1 to {MAX_HOUSEHOLD}")
        for key in ("passport_obtain_days", "internal_passport_restore_days"):
            days = getattr(self, key)
            if days is not None and not 0 <= days <= MAX_PASSPORT_DAYS:
                raise FactsInvalid(key, f"must be from 0 to {MAX_PASSPORT_DAYS}, or null")
        if any(member.members for member in self.members):
            raise FactsInvalid("members", "a member's facts have no members of their own")
        if len(self.members) >= MAX_HOUSEHOLD:
            raise FactsInvalid("members", f"at most {MAX_HOUSEHOLD - 1} other people")

    @property
    def taken_documents(self) -> frozenset[HeldDocument]:
        """The passports taken from the person (the default reads exit_barriers)."""
        if self.confiscated_documents is not None:
            return self.confiscated_documents
        if ExitBarrier.DOCUMENTS_CONFISCATED in self.exit_barriers:
            return frozenset(HeldDocument)
        return frozenset()

    @property
    def documents_mismatch(self) -> bool:
        """The sex marker on the documents does not match who the person is (trans or
        nonbinary): border guards see it. Sealed; read only for risks."""
        identity, marker = self.gender_identity, self.document_sex_marker
        if identity is GenderIdentity.NONBINARY:
            return True
        return (identity, marker) in {
            (GenderIdentity.WOMAN, SexMarker.M),
            (GenderIdentity.MAN, SexMarker.F),
        }

    def position_for(self, country: str) -> Position:
        """Where this person stands relative to a route in `country`."""
        if self.current_country == self.nationality:
            return Position.NATIONALITY
        if self.current_country == country:
            return Position.DESTINATION
        return Position.THIRD_COUNTRY


FACT_KEYS: tuple[str, ...] = tuple(field.name for field in fields(Facts))


def facts_from_json_text(text: str) -> Facts:
    """Facts from a JSON document; FactsInvalid names the first key that is wrong."""
    try:
        data = parse_json(text)
    except InputRefused as error:
        raise FactsInvalid("(document)", error.problem) from None
    return facts_from_mapping(data)


def facts_from_mapping(data: object) -> Facts:
    """Facts from a decoded JSON object with exactly FACT_KEYS, every one required."""
    if not isinstance(data, dict):
        raise FactsInvalid("(document)", "expected one JSON object with the facts as keys")
    unknown = sorted(str(key) for key in data if key not in FACT_KEYS)
    if unknown:
        raise FactsInvalid(unknown[0], "unknown key")
    data = {**OPTIONAL_DEFAULTS, **data}
    missing = [key for key in FACT_KEYS if key not in data]
    if missing:
        raise FactsInvalid(missing[0], "missing; every fact is required (null where allowed)")
    return Facts(
        nationality=_country(data, "nationality"),
        current_country=_country(data, "current_country"),
        has_internal_passport=_bool(data, "has_internal_passport"),
        has_international_passport=_bool(data, "has_international_passport"),
        international_passport_expiry=_optional_date(data, "international_passport_expiry"),
        can_obtain_international_passport=_bool(data, "can_obtain_international_passport"),
        passport_obtain_days=_optional_count(data, "passport_obtain_days"),
        # Listed as wanted anywhere is being wanted: every rule about wanted people applies.
        exit_barriers=_choices(data, "exit_barriers", ExitBarrier)
        | ({ExitBarrier.WANTED} if data["wanted_scope"] else set()),
        unhcr_registered=_bool(data, "unhcr_registered"),
        referral=_choice(data, "referral", ReferralChannel),
        sponsor_available=_bool(data, "sponsor_available"),
        ties=_countries(data, "ties"),
        avoid_countries=_countries(data, "avoid_countries"),
        profile=_choices(data, "profile", Profile),
        urgency=_choice(data, "urgency", Urgency),
        household_size=_household_size(data),
        medical_needs=_bool(data, "medical_needs"),
        referrer=_referrer(data),
        internal_passport_restore_days=_optional_count(data, "internal_passport_restore_days"),
        medical_detail=_choices(data, "medical_detail", MedicalNeed),
        hunted_by=_choices(data, "hunted_by", HuntedBy),
        wanted_scope=_choices(data, "wanted_scope", WantedScope),
        family_filed_case=_bool(data, "family_filed_case"),
        confiscated_documents=None
        if data["confiscated_documents"] is None
        else _choices(data, "confiscated_documents", HeldDocument),
        previous_refusals=_countries(data, "previous_refusals"),
        gender_identity=_choice(data, "gender_identity", GenderIdentity),
        document_sex_marker=_choice(data, "document_sex_marker", SexMarker),
        members=_members(data),
        relation=_choice(data, "relation", Relation),
    )


def facts_to_mapping(facts: Facts) -> dict[str, object]:
    """The JSON form of `facts`, the inverse of facts_from_mapping (lists sorted)."""
    result: dict[str, object] = {}
    for key in FACT_KEYS:
        value = getattr(facts, key)
        if key == "members":
            value = [facts_to_mapping(member) for member in facts.members]
        elif isinstance(value, frozenset):
            value = sorted(str(item) for item in value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, StrEnum):
            value = value.value
        result[key] = value
    return result


def _check_country(key: str, value: str) -> None:
    if not COUNTRY_CODE.match(value) or value == "EU":
        raise FactsInvalid(key, "expected a two-letter country code such as RU")


def _bool(data: dict[str, object], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise FactsInvalid(key, "expected true or false")
    return value


def _country(data: dict[str, object], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise FactsInvalid(key, "expected a two-letter country code such as RU")
    _check_country(key, value)
    return value


def _countries(data: dict[str, object], key: str) -> frozenset[str]:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FactsInvalid(key, "expected a list of two-letter country codes")
    for item in value:
        _check_country(key, item)
    return frozenset(value)


def _choice(data: dict[str, object], key: str, enum: type[E]) -> E:
    value = data[key]
    allowed = ", ".join(member.value for member in enum)
    if not isinstance(value, str) or value not in enum._value2member_map_:
        raise FactsInvalid(key, f"expected one of: {allowed}")
    return enum(value)


def _choices(data: dict[str, object], key: str, enum: type[E]) -> frozenset[E]:
    value = data[key]
    allowed = ", ".join(member.value for member in enum)
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item in enum._value2member_map_ for item in value
    ):
        raise FactsInvalid(key, f"expected a list of: {allowed}")
    return frozenset(enum(item) for item in value)


def _optional_date(data: dict[str, object], key: str) -> date | None:
    value = data[key]
    if value is None:
        return None
    if not isinstance(value, str):
        raise FactsInvalid(key, "expected a date YYYY-MM-DD, or null when unknown")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FactsInvalid(key, "expected a date YYYY-MM-DD, or null when unknown") from None


def _optional_count(data: dict[str, object], key: str) -> int | None:
    value = data[key]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PASSPORT_DAYS:
        raise FactsInvalid(
            key, f"expected a whole number of days from 0 to {MAX_PASSPORT_DAYS}, or null"
        )
    return value


def _referrer(data: dict[str, object]) -> str:
    value = data["referrer"]
    if not isinstance(value, str) or not REFERRER_CODE.match(value):
        raise FactsInvalid(
            "referrer",
            "expected none, unhcr, rainbow_railroad, embassy, other_ngo or an organisation code",
        )
    return value


def _members(data: dict[str, object]) -> tuple[Facts, ...]:
    value = data["members"]
    if not isinstance(value, list) or len(value) >= MAX_HOUSEHOLD:
        raise FactsInvalid("members", f"expected a list of up to {MAX_HOUSEHOLD - 1} facts objects")
    members = []
    for number, item in enumerate(value, start=1):
        if isinstance(item, dict) and item.get("members"):
            raise FactsInvalid("members", "a member's facts have no members of their own")
        try:
            members.append(facts_from_mapping(item))
        except FactsInvalid as error:
            raise FactsInvalid(f"members[{number}].{error.key}", error.problem) from None
    return tuple(members)


def _household_size(data: dict[str, object]) -> int:
    value = data["household_size"]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_HOUSEHOLD:
        raise FactsInvalid("household_size", f"expected a whole number from 1 to {MAX_HOUSEHOLD}")
    return value
