"""The closed vocabularies that facts, the catalog and the rules share."""

from __future__ import annotations

import re
from enum import StrEnum, unique

# ISO 3166-1 alpha-2 shape; the catalog adds "EU" for the one Schengen Visa Code route.
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
EU = "EU"


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


@unique
class ExitBarrier(StrEnum):
    WANTED = "wanted"
    CRIMINAL_CASE = "criminal_case"
    DRAFT_SUMMONS = "draft_summons"
    DOCUMENTS_CONFISCATED = "documents_confiscated"
    EXIT_BAN = "exit_ban"


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
