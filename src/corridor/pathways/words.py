"""What matching says, kept as data so the pure modules never need Django's translations.

Catalog text arrives in both languages (`Words`); text the matcher generates is a
`Phrase` (a code and its parameters) that `presentation` words in the reader's
language through gettext.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum, unique
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Words:
    """Reviewed catalog text in English and Russian. `warning` marks a risk that says what
    can happen to a person (detention, extradition, abduction...), shown red; other catalog
    text ("90 days in any 180") is a neutral fact."""

    en: str
    ru: str
    warning: bool = False


@dataclass(frozen=True, slots=True)
class Country:
    """A country code to be shown as the country's name."""

    code: str


Param: TypeAlias = "int | str | Words | Country | StrEnum | Phrase | tuple[Param, ...]"


@unique
class PhraseCode(StrEnum):
    # Why a route or leg is closed.
    STATUS_SUSPENDED = "status.suspended"
    STATUS_REPEALED = "status.repealed"
    STATUS_PAUSED = "status.paused"
    NATIONALITY_ONLY = "nationality.only"
    PROFILE_ONLY = "profile.only"
    LOCATION_OUTSIDE = "location.outside"
    LOCATION_INSIDE = "location.inside"
    LOCATION_DESTINATION = "location.destination"
    LOCATION_NOT_DESTINATION = "location.not_destination"
    PASSPORT_MISSING = "passport.missing"
    JOURNEY_PASSPORT_MISSING = "journey.passport_missing"
    REFERRAL_UNAVAILABLE = "referral.unavailable"
    REFERRAL_UNHCR_OUTSIDE = "referral.unhcr_outside"
    REFERRAL_UNHCR_NOT_HERE = "referral.unhcr_not_here"
    REFERRAL_NO_DESIGNATED = "referral.no_designated"
    SPONSOR_MISSING = "sponsor.missing"
    EXIT_BAN = "exit.exit_ban"
    EXIT_BAN_SUMMONS = "exit.draft_summons"
    AVOID = "avoid"
    TRANSIT_VISA = "transit.visa"
    TRANSIT_DOCUMENTS = "transit.documents"
    LEG_WOULD_OPEN = "transit.would_open"
    # Notes that do not close a route.
    PRECEDENT = "note.precedent"
    DISCRETIONARY = "note.discretionary"
    BORDER_CHECK = "risk.border_check"
    BORDER_ADVICE_FIRST = "note.border_advice_first"
    TRANSIT_DANGER = "note.transit_danger"
    TRANSIT_REACH = "note.transit_reach"
    STAY_RUNS_OUT = "note.stay_runs_out"
    STAY_MAY_RUN_OUT = "note.stay_may_run_out"
    ENTRY_UNCERTAIN = "risk.entry_uncertain"
    ENTRY_UNVERIFIED = "risk.entry_unverified"
    IN_COUNTRY = "risk.in_country"
    NOTE_UNCERTAIN = "note.uncertain"
    NOTE_UNVERIFIED = "note.unverified"
    # Steps.
    STEP_MEDICAL_FIRST = "step.medical_first"
    STEP_TREATMENT = "step.treatment"
    STEP_PSYCHOLOGICAL = "step.psychological"
    UNFIT_TO_TRAVEL = "note.unfit_to_travel"
    FAMILY_CASE_FIRST = "note.family_case_first"
    BORDER_SEX_MARKER = "risk.sex_marker"
    BORDER_INTERPOL = "risk.interpol"
    REFUSED_BEFORE = "note.refused_before"
    STEP_FAMILY_CASE = "step.family_case"
    REFERRAL_PARTNER = "note.referral_partner"
    HOUSEHOLD_LEFT_OUT = "household.left_out"
    HOUSEHOLD_NO_PLAN = "household.no_plan"
    HOUSEHOLD_PARTNERS = "household.partners"
    HOUSEHOLD_NOT_RECOGNISED = "household.not_recognised"
    HOUSEHOLD_RECOGNISED = "household.recognised"
    HOUSEHOLD_RECOGNITION_UNKNOWN = "household.recognition_unknown"
    STEP_LEGAL_ADVICE = "step.legal_advice"
    STEP_RESTORE_INTERNAL = "step.restore_internal"
    STEP_OBTAIN_PASSPORT = "step.obtain_passport"
    STEP_RENEW_PASSPORT = "step.renew_passport"
    STEP_REGISTER_UNHCR = "step.register_unhcr"
    STEP_REFERRAL = "step.referral"
    STEP_TRAVEL = "step.travel"
    STEP_TRAVEL_STAY = "step.travel_stay"
    STEP_APPLY = "step.apply"
    # The one-sentence explanation of a rank, built from parts.
    RANK_SENTENCE = "rank.sentence"
    RANK_OPEN_NOW = "rank.open_now"
    RANK_OPEN_AFTER = "rank.open_after"
    RANK_CLOSED = "rank.closed"
    # A number of days, worded with its plural form, to stand inside another phrase.
    SPAN_DAYS = "span.days"
    SPAN_RANGE = "span.range"
    RANK_DAYS = "rank.days"
    RANK_DAYS_PARTIAL = "rank.days_partial"
    RANK_DAYS_UNKNOWN = "rank.days_unknown"
    RANK_DAYS_UNVERIFIED = "rank.days_unverified"
    RANK_STATUS_UNVERIFIED = "rank.status_unverified"
    RANK_OURS = "rank.ours"
    RANK_OURS_NONE = "rank.ours_none"
    RANK_PRIOR = "rank.prior"
    RANK_PRIOR_GRANTED = "rank.prior_granted"
    RANK_PRIOR_NONE = "rank.prior_none"
    RANK_CAPACITY_FITS = "rank.capacity_fits"
    RANK_CAPACITY_SHORT = "rank.capacity_short"
    RANK_CAPACITY_UNKNOWN = "rank.capacity_unknown"
    RANK_CAPACITY_UNVERIFIED = "rank.capacity_unverified"
    RANK_COST = "rank.cost"
    RANK_COST_NONE = "rank.cost_none"
    RANK_COST_UNKNOWN = "rank.cost_unknown"
    RANK_COST_UNVERIFIED = "rank.cost_unverified"
    RANK_DISCRETIONARY = "rank.discretionary"
    RANK_SELECTION = "rank.selection"
    RANK_CAN_APPLY = "rank.can_apply"
    RANK_PRECEDENT = "rank.precedent"
    RANK_UNCERTAIN = "rank.uncertain"
    RANK_WEIGHS = "rank.weighs"
    RANK_DANGERS = "rank.dangers"


@dataclass(frozen=True, slots=True)
class Phrase:
    """Generated text: a code and named parameters, worded at presentation."""

    code: PhraseCode
    params: tuple[tuple[str, Param], ...] = ()

    def param(self, name: str) -> Param:
        return dict(self.params)[name]


Message = Words | Phrase


def phrase(code: PhraseCode, **params: Param) -> Phrase:
    return Phrase(code, tuple(sorted(params.items())))


# Generated risk notes that are warnings in themselves, and those that wrap a catalog note
# (under its "note" parameter) and are a warning when that note is one.
WARNING_PHRASES = frozenset({PhraseCode.BORDER_CHECK})
WRAPPING_PHRASES = frozenset(
    {PhraseCode.IN_COUNTRY, PhraseCode.NOTE_UNCERTAIN, PhraseCode.NOTE_UNVERIFIED}
)


def is_warning(message: Message) -> bool:
    """True for a risk note that warns of harm to the person (shown red); False for a
    neutral fact or caveat (how long one may stay, an entry rule nobody verified)."""
    if isinstance(message, Words):
        return message.warning
    if message.code in WARNING_PHRASES:
        return True
    if message.code in WRAPPING_PHRASES:
        note = dict(message.params).get("note")
        return isinstance(note, Words | Phrase) and is_warning(note)
    return False
