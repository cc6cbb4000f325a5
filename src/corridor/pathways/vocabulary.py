"""The closed vocabularies that facts, the catalog and the rules share."""

from __future__ import annotations

import re
from enum import StrEnum, unique

# ISO 3166-1 alpha-2 shape; the catalog adds "EU" for the one Schengen Visa Code route.
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
EU = "EU"
# The Schengen states (2025): a visa refused by one is seen by every other's consulate.
SCHENGEN = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CH",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


@unique
class Position(StrEnum):
    """Where a person stands relative to a route's country."""

    NATIONALITY = "nationality"  # still inside their country of nationality
    THIRD_COUNTRY = "third_country"  # outside it, but not in the route's country
    DESTINATION = "destination"  # already in the route's country


@unique
class ReferralChannel(StrEnum):
    NONE = "none"
    NGO = "ngo"
    UNHCR = "unhcr"
    EMBASSY = "embassy"


@unique
class Profile(StrEnum):
    LGBT = "lgbt"
    HUMAN_RIGHTS_DEFENDER = "human_rights_defender"
    JOURNALIST = "journalist"
    POLITICAL_OPPOSITION = "political_opposition"
    RELIGIOUS_MINORITY = "religious_minority"
    GENDER_BASED_PERSECUTION = "gender_based_persecution"  # forced marriage, "honour" violence


@unique
class HuntedBy(StrEnum):
    """Who the danger is from (`hunted_by`; intake's "who the danger is from")."""

    FAMILY = "family"
    REGIONAL_POLICE = "regional_police"
    FEDERAL_SERVICES = "federal_services"
    COMMUNITY = "community"
    OTHER = "other"


@unique
class Relation(StrEnum):
    """A household member's relation to the lead person (`relation`; "none" for the lead).
    Partners are read against what each legal pathway recognises as family."""

    NONE = "none"
    SPOUSE = "spouse"
    UNMARRIED_PARTNER = "unmarried_partner"
    SAME_SEX_SPOUSE = "same_sex_spouse"  # married abroad: Russia recognises no such marriage
    SAME_SEX_PARTNER = "same_sex_partner"  # unmarried
    CHILD = "child"
    OTHER_RELATIVE = "other_relative"


# The relations a route may or may not recognise, and which of its facts each needs:
# (unmarried partners, same-sex partners); both must be recognised for an unmarried
# same-sex partner.
PARTNER_NEEDS: dict[Relation, tuple[bool, bool]] = {
    Relation.UNMARRIED_PARTNER: (True, False),
    Relation.SAME_SEX_SPOUSE: (False, True),
    Relation.SAME_SEX_PARTNER: (True, True),
}


@unique
class WantedScope(StrEnum):
    """Where the person is listed as wanted (`wanted_scope`)."""

    REGIONAL = "regional"
    FEDERAL = "federal"
    CIS = "cis"
    INTERPOL = "interpol"


@unique
class HeldDocument(StrEnum):
    """The passports that can be taken from a person (`confiscated_documents`)."""

    INTERNAL_PASSPORT = "internal_passport"
    INTERNATIONAL_PASSPORT = "international_passport"


@unique
class GenderIdentity(StrEnum):
    """Sealed: used by the matcher for risks, never shown in a report."""

    MAN = "man"
    WOMAN = "woman"
    NONBINARY = "nonbinary"
    UNKNOWN = "unknown"


@unique
class SexMarker(StrEnum):
    """The sex on the person's documents (Russia allows no change since July 2023)."""

    M = "M"
    F = "F"
    UNKNOWN = "unknown"


@unique
class ExitBarrier(StrEnum):
    WANTED = "wanted"
    CRIMINAL_CASE = "criminal_case"
    DRAFT_SUMMONS = "draft_summons"
    DOCUMENTS_CONFISCATED = "documents_confiscated"
    EXIT_BAN = "exit_ban"


@unique
class MedicalNeed(StrEnum):
    """What a person's medical needs are (`medical_detail`)."""

    URGENT_CARE = "urgent_care"
    ONGOING_TREATMENT = "ongoing_treatment"
    INJURIES_TO_DOCUMENT = "injuries_to_document"
    UNFIT_TO_TRAVEL = "unfit_to_travel"
    HORMONE_THERAPY = "hormone_therapy"
    PSYCHOLOGICAL_SUPPORT = "psychological_support"


@unique
class RiskKind(StrEnum):
    """What happens to a person (risks that match who is hunting)."""

    DETENTION_ON_REQUEST = "detention_on_request"  # held on a Russian request or wanted notice
    EXTRADITION = "extradition"
    ABDUCTION_BY_RELATIVES = "abduction_by_relatives"
    ENTRY_REFUSAL = "entry_refusal"
    SURVEILLANCE = "surveillance"
    ATTACK = "attack"  # killed or attacked by agents of the persecutor
    DEPORTATION = "deportation"
    PROSECUTION = "prosecution"  # a criminal case for who the person is (LGBT "extremism")
    EXIT_BAN = "exit_ban"  # stopped at Russia's own border
    DOCUMENT_MISMATCH = "document_mismatch"


# What happens to a person that the routes panel shows as a warning (red); the others
# (being watched, papers that do not match) are facts to know, shown muted.
WARNING_RISKS: frozenset[RiskKind] = frozenset(RiskKind) - {
    RiskKind.SURVEILLANCE,
    RiskKind.DOCUMENT_MISMATCH,
}


@unique
class RiskGroup(StrEnum):
    """To whom it happens."""

    ANYONE = "anyone"
    WANTED_PERSONS = "wanted_persons"
    NORTH_CAUCASIANS = "north_caucasians"
    WOMEN_FLEEING_FAMILY = "women_fleeing_family"
    LGBT_PEOPLE = "lgbt_people"
    TRANS_PEOPLE = "trans_people"
    CRITICS = "critics"  # opposition, activists, journalists, critics of Kadyrov
    MEN_OF_DRAFT_AGE = "men_of_draft_age"
    # Whom the hunters reach abroad (`hunted_by`): relatives and their community through
    # the diaspora; Chechen police and Russian services through agents and extradition requests.
    HUNTED_BY_FAMILY = "hunted_by_family"
    HUNTED_BY_SECURITY_SERVICES = "hunted_by_security_services"


# The groups that say who is hunting the person (a woman fleeing her family is hunted by
# it): a danger for them is the hunters' reach.
REACH_GROUPS = frozenset(
    {
        RiskGroup.HUNTED_BY_FAMILY,
        RiskGroup.HUNTED_BY_SECURITY_SERVICES,
        RiskGroup.WOMEN_FLEEING_FAMILY,
    }
)


@unique
class Kind(StrEnum):
    """Which kind of "open" a result is."""

    CAN_APPLY_NOW = "can_apply_now"  # an entitlement or a procedure the person can start
    DISCRETIONARY = "discretionary"  # a decision-maker may grant it
    SELECTION = "selection"  # needs selection, referral or a sponsor: nobody is entitled
    PRECEDENT = "precedent"  # used once; history with its source, never open


@unique
class Urgency(StrEnum):
    EMERGENCY = "emergency"
    URGENT = "urgent"
    NORMAL = "normal"


@unique
class Status(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    REPEALED = "repealed"
    PRECEDENT = "precedent"  # used once, with no standing programme behind it
    PAUSED = "paused"  # paused by the organisation itself (never in the reviewed files)


@unique
class Document(StrEnum):
    """Documents a route asks for. Only the two passports are checked against facts;
    the rest name what the documents checklist will ask for."""

    INTERNAL_PASSPORT = "internal_passport"
    INTERNATIONAL_PASSPORT = "international_passport"
    UNHCR_REFERRAL = "unhcr_referral"
    SPONSOR_UNDERTAKING = "sponsor_undertaking"
    EVIDENCE_OF_TIES = "evidence_of_ties"
    EVIDENCE_OF_PERSECUTION = "evidence_of_persecution"
    IDENTITY_DOCUMENTS = "identity_documents"
    EMBASSY_INTERVIEW = "embassy_interview"


@unique
class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    AFTER_STEPS = "after_steps"
    INELIGIBLE = "ineligible"


@unique
class EntryKind(StrEnum):
    ROUTE = "route"
    TRANSIT = "transit"
