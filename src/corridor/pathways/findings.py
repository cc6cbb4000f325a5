"""What checking a route or leg yields: findings with their effect, steps, and the assessed
route or leg, plus the collector the evaluator fills. Pure data and small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum, unique
from typing import cast

from corridor.pathways.rules import ExitState, Money, RouteSpec, RuleSpec, TransitSpec
from corridor.pathways.vocabulary import ExitBarrier, MedicalNeed, Position
from corridor.pathways.words import Message, Phrase, PhraseCode, phrase

# The passport state of someone who holds a valid international passport (see eligibility).
PASSPORT_HELD: tuple[object, ...] = (True,)


@unique
class Effect(StrEnum):
    CLOSES = "closes"  # the route or leg cannot be used
    WEIGHS = "weighs"  # it can, but this counts against it in the decision and the rank
    NOTE = "note"  # worth knowing; no effect on the verdict


@dataclass(frozen=True, eq=False, slots=True)
class Finding:
    rule: str  # which check: "location", "referral", "<entry id>:<rule id>", …
    effect: Effect
    text: Message


@dataclass(frozen=True, eq=False, slots=True)
class Step:
    text: Message
    days: int | None  # None: the sources give no time; else the middle of `days_range`
    cost: Money | None  # None: the sources give no cost
    days_range: tuple[int, int] | None = None  # (low, high); None: no time known
    # Where the range comes from: a source address, CASE_ESTIMATE (the caseworker's
    # estimate in the case's facts) or None (the route's own processing time, or unknown).
    source: str | None = None


@dataclass(frozen=True, slots=True)
class TypicalDays:
    """How long a document step takes by law, where no estimate is in the case's facts."""

    low: int
    high: int
    source: str


# The caseworker's own estimate in the case's facts (passport_obtain_days,
# internal_passport_restore_days): a point, its range is that one day.
CASE_ESTIMATE = "case_estimate"
# The time a document step takes in Russia by law, with its source. Getting to a
# consulate, queues for an appointment and travel legs have no source: unknown, never guessed.
TYPICAL_DAYS: dict[str, TypicalDays] = {
    # Federal Law 114-FZ art. 10: no later than one month from the application at the place
    # of residence, three months at the place of stay.
    "international_passport": TypicalDays(
        30, 90, "https://www.consultant.ru/document/cons_doc_LAW_12826/"
    ),
    # Regulation on the Russian passport (Government decree No. 828, 8 July 1997) and the
    # Interior Ministry's administrative regulation: 10 days where the person is registered,
    # 30 days elsewhere (5 working days since the regulation of 2021 where registered).
    "restore_internal": TypicalDays(
        5, 30, "https://www.consultant.ru/document/cons_doc_LAW_15094/"
    ),
}


def timed_step(text: Message, days: int | None, typical: str) -> Step:
    """A document step: the case's own estimate when it has one, else the typical days by
    law as a range with its source."""
    if days is not None:
        return Step(text, days, None, (days, days), CASE_ESTIMATE)
    found = TYPICAL_DAYS[typical]
    middle = round((found.low + found.high) / 2)
    return Step(text, middle, None, (found.low, found.high), found.source)


@dataclass(frozen=True, eq=False, slots=True)
class Assessment:
    """A route at one position for one person, before ranking."""

    route: RouteSpec
    position: Position
    closes: tuple[Finding, ...]
    notes: tuple[Finding, ...]
    preparation: tuple[Step, ...]  # what must happen before applying
    apply: Step | None  # None when closed
    risk_notes: tuple[Message, ...]
    # A selection route's referral: "in_hand" (a designated referrer or UNHCR has referred),
    # "partner" (a designated partner other than UNHCR can be asked), None otherwise.
    referral: str | None = None

    @property
    def closed(self) -> bool:
        return bool(self.closes)


@dataclass(frozen=True, eq=False, slots=True)
class Leg:
    """Reaching a transit country from where the person is."""

    transit: TransitSpec
    closes: tuple[Finding, ...]
    notes: tuple[Finding, ...]
    steps: tuple[Step, ...]
    risk_notes: tuple[Message, ...]
    obtains_passport: bool
    uncertain: bool  # the entry rule is marked uncertain in the facts file
    stay_days: int | None = None  # the verified visa-free stay; None: not stated

    @property
    def closed(self) -> bool:
        return bool(self.closes)


def passport_steps(state: tuple[object, ...]) -> tuple[Step, ...]:
    """Getting an international passport, from an obtainable passport state
    (False, True, renew, days[, restore]): a renewal when the person has an expired one,
    after restoring the internal passport when it was taken (none is issued without it)."""
    renew, days = state[2], state[3]
    code = PhraseCode.STEP_RENEW_PASSPORT if renew else PhraseCode.STEP_OBTAIN_PASSPORT
    step = timed_step(
        phrase(code), days if isinstance(days, int) else None, "international_passport"
    )
    if len(state) > 4:
        return (restore_step(cast(tuple[object, ...], state[4])), step)
    return (step,)


def restore_step(state: tuple[object, ...]) -> Step:
    """Restoring a taken internal passport, from ("restore", days or None)."""
    days = state[1]
    return timed_step(
        phrase(PhraseCode.STEP_RESTORE_INTERNAL),
        days if isinstance(days, int) else None,
        "restore_internal",
    )


class Collector:
    """Findings, steps and risks gathered while one route or leg is assessed."""

    __slots__ = ("closes", "notes", "risks", "steps")

    def __init__(self, risks: tuple[Message, ...]) -> None:
        self.closes: list[Finding] = []
        self.notes: list[Finding] = []
        self.steps: list[Step] = []
        self.risks: list[Message] = list(risks)

    def close(self, rule: str, text: Message) -> None:
        self.closes.append(Finding(rule, Effect.CLOSES, text))

    def note(self, rule: str, text: Message, effect: Effect = Effect.NOTE) -> None:
        self.notes.append(Finding(rule, effect, text))

    def rules(self, rules: tuple[RuleSpec, ...], outcomes: object) -> None:
        for rule, passed in zip(rules, outcomes, strict=True):  # type: ignore[call-overload]
            if passed:
                continue
            if rule.weighs:
                self.note(rule.id, rule.reason, Effect.WEIGHS)
            else:
                self.close(rule.id, rule.reason)

    def passport(self, state: object, rule: str, reason: Phrase) -> None:
        """A passport the person lacks: the step to get it, or the reason it closes."""
        if state == PASSPORT_HELD or not isinstance(state, tuple):
            return
        if len(state) < 4:  # (False, False): cannot be obtained
            self.close(rule, reason)
            return
        self.steps.extend(passport_steps(state))

    def care(self, needs: frozenset[MedicalNeed]) -> None:
        """Medical steps before any journey: stabilising and documenting injuries (also when
        the needs are not said), continuing treatment, psychological support; a person not
        fit to travel yet weighs every plan out."""
        if not needs or needs & {MedicalNeed.URGENT_CARE, MedicalNeed.INJURIES_TO_DOCUMENT}:
            self.steps.append(Step(phrase(PhraseCode.STEP_MEDICAL_FIRST), None, None))
        if needs & {MedicalNeed.ONGOING_TREATMENT, MedicalNeed.HORMONE_THERAPY}:
            self.steps.append(Step(phrase(PhraseCode.STEP_TREATMENT), None, None))
        if MedicalNeed.PSYCHOLOGICAL_SUPPORT in needs:
            self.steps.append(Step(phrase(PhraseCode.STEP_PSYCHOLOGICAL), None, None))
        if MedicalNeed.UNFIT_TO_TRAVEL in needs:
            self.note("medical.unfit", phrase(PhraseCode.UNFIT_TO_TRAVEL), Effect.WEIGHS)

    def leaving(self, state: ExitState) -> None:
        """The checks on leaving the country of nationality: medical care comes first; an
        exit ban or a served draft summons closes the official border; being wanted or
        prosecuted makes it dangerous, so legal advice comes before it and the plan weighs."""
        exit_ban, risky, medical, dangers = state
        if medical is not None:
            self.care(medical)
        if "family_case" in dangers:  # before any airport: the case is checked first
            self.steps.append(Step(phrase(PhraseCode.STEP_FAMILY_CASE), None, None))
            self.note("exit.family_case", phrase(PhraseCode.FAMILY_CASE_FIRST), Effect.WEIGHS)
        if "sex_marker" in dangers:
            self.risks.append(phrase(PhraseCode.BORDER_SEX_MARKER))
        if "interpol" in dangers:
            self.risks.append(phrase(PhraseCode.BORDER_INTERPOL))
        if exit_ban:
            self.close("exit.exit_ban", phrase(PhraseCode.EXIT_BAN))
        if ExitBarrier.DRAFT_SUMMONS in risky:
            self.close("exit.draft_summons", phrase(PhraseCode.EXIT_BAN_SUMMONS))
        hunted = risky - {ExitBarrier.DRAFT_SUMMONS}
        if hunted:
            barriers = tuple(sorted(hunted))
            self.risks.append(phrase(PhraseCode.BORDER_CHECK, barriers=barriers))
            self.note("exit.border_check", phrase(PhraseCode.BORDER_ADVICE_FIRST), Effect.WEIGHS)
            self.steps.append(Step(phrase(PhraseCode.STEP_LEGAL_ADVICE), None, None))
