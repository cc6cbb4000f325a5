"""A match result: one route or one plan for one person, ranked, and how results are built.

Pure: from assessments (eligibility) and ranks (ranking) to the dataclass the
CLI and, later, the web pages show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from operator import attrgetter

from corridor.pathways.findings import Assessment, Effect, Finding, Leg, Step
from corridor.pathways.ranking import (
    Basis,
    GrantCounts,
    Rank,
    RankingInputs,
    explain,
    rank_closed,
    rank_open,
    steps_range,
)
from corridor.pathways.vocabulary import PARTNER_NEEDS, Relation, Urgency, Verdict
from corridor.pathways.words import Country, Message, Phrase, PhraseCode, Words, phrase


@dataclass(frozen=True, eq=False, slots=True)
class MatchResult:
    """One route, or one plan (transit first), for one person."""

    route_ids: tuple[str, ...]
    countries: tuple[str, ...]
    names: tuple[Words, ...]
    verdict: Verdict
    basis: Basis  # what the rank rests on; `explanation` words it
    findings: tuple[Finding, ...]  # what closes it first, then what weighs, then notes
    steps: tuple[Step, ...]  # preparation, then the application; empty when closed
    risk_notes: tuple[Message, ...]
    grant_counts: GrantCounts
    grant_rate: float
    score: float
    order: tuple[int, float, int, tuple[str, ...]]  # open first, best score, fewest failures

    @property
    def explanation(self) -> Phrase:
        """The rank in one sentence (built when read: most results are never shown)."""
        return explain(self.basis)

    @property
    def reasons(self) -> tuple[Message, ...]:
        return (self.explanation, *(finding.text for finding in self.findings))

    @property
    def expected_days(self) -> int | None:
        return self.basis.expected_days

    @property
    def failed_rules(self) -> tuple[str, ...]:
        return tuple(f.rule for f in self.findings if f.effect is Effect.CLOSES)

    @property
    def is_open(self) -> bool:
        return self.verdict is not Verdict.INELIGIBLE


_order = attrgetter("order")


# Open first, then the best score, then the fewest failing rules, then by id.
ORDER = attrgetter("order")


def closed_leg_result(
    leg: Leg, behind: tuple[Assessment, ...], inputs: RankingInputs
) -> MatchResult:
    """One result for a leg that cannot be taken, naming the routes it would have opened."""
    transit = leg.transit
    would_open = Finding(
        "transit.would_open",
        Effect.NOTE,
        phrase(
            PhraseCode.LEG_WOULD_OPEN,
            country=Country(transit.country),
            names=tuple(assessment.route.name for assessment in behind),
        ),
    )
    return _result(
        route_ids=(transit.id,),
        countries=(transit.country,),
        names=(transit.name,),
        verdict=Verdict.INELIGIBLE,
        rank=rank_closed(route=None, failing=len(leg.closes), inputs=inputs),
        findings=(*leg.closes, *leg.notes, would_open),
        steps=(),
        risk_notes=leg.risk_notes,
    )


def single_result(
    assessment: Assessment, urgency: Urgency, household_size: int | None, inputs: RankingInputs
) -> MatchResult:
    """A route on its own, ranked if open."""
    route = assessment.route
    if assessment.apply is None:
        rank = rank_closed(route=route, failing=len(assessment.closes), inputs=inputs)
        verdict = Verdict.INELIGIBLE
        steps: tuple[Step, ...] = ()
    else:
        rank = rank_open(
            route=route,
            preparation=assessment.preparation,
            apply=assessment.apply,
            weighing=_weighing(assessment.notes),
            uncertain=route.uncertain,
            urgency=urgency,
            household_size=household_size,
            inputs=inputs,
            referral=assessment.referral,
        )
        verdict = Verdict.AFTER_STEPS if assessment.preparation else Verdict.ELIGIBLE
        steps = (*assessment.preparation, assessment.apply)
    return _result(
        route_ids=(route.id,),
        countries=(route.country,),
        names=(route.name,),
        verdict=verdict,
        rank=rank,
        findings=(*assessment.closes, *assessment.notes),
        steps=steps,
        risk_notes=assessment.risk_notes,
    )


def plan_result(
    leg: Leg,
    assessment: Assessment,
    urgency: Urgency,
    household_size: int | None,
    inputs: RankingInputs,
) -> MatchResult:
    """An open plan: the leg's steps, then the route's (both open by construction)."""
    route, transit = assessment.route, leg.transit
    if assessment.apply is None:
        raise ValueError("a plan needs an open route")
    notes = (*leg.notes, *assessment.notes, *_stay(leg, assessment))
    preparation = (*leg.steps, *assessment.preparation)
    rank = rank_open(
        route=route,
        preparation=preparation,
        apply=assessment.apply,
        weighing=_weighing(notes),
        uncertain=route.uncertain or leg.uncertain,
        urgency=urgency,
        household_size=household_size,
        inputs=inputs,
        dangers=_dangers(notes),
        referral=assessment.referral,
    )
    return _result(
        route_ids=(transit.id, route.id),
        countries=(transit.country, route.country),
        names=(transit.name, route.name),
        verdict=Verdict.AFTER_STEPS,
        rank=rank,
        findings=notes,
        steps=(*preparation, assessment.apply),
        risk_notes=(*leg.risk_notes, *assessment.risk_notes),
    )


def _result(
    *,
    route_ids: tuple[str, ...],
    countries: tuple[str, ...],
    names: tuple[Words, ...],
    verdict: Verdict,
    rank: Rank,
    findings: tuple[Finding, ...],
    steps: tuple[Step, ...],
    risk_notes: tuple[Message, ...],
) -> MatchResult:
    # Closing findings first, then what weighs, then plain notes: the order people read them.
    ordered = tuple(sorted(findings, key=lambda f: _EFFECT_ORDER[f.effect]))
    failing = sum(1 for finding in findings if finding.effect is Effect.CLOSES)
    closed = verdict is Verdict.INELIGIBLE
    return MatchResult(
        route_ids=route_ids,
        countries=countries,
        names=names,
        verdict=verdict,
        basis=rank.basis,
        findings=ordered,
        steps=steps,
        risk_notes=risk_notes,
        grant_counts=rank.grant_counts,
        grant_rate=rank.grant_rate,
        score=rank.score,
        order=(int(closed), -rank.score, failing, route_ids),
    )


def _stay(leg: Leg, assessment: Assessment) -> tuple[Finding, ...]:
    """A warning that weighs when the visa-free stay in the transit country runs out before
    the route's own steps are done (known days only; a claim in that country is a stay)."""
    stay, apply = leg.stay_days, assessment.apply
    if stay is None or apply is None or assessment.route.country == leg.transit.country:
        return ()
    days_range = steps_range((*assessment.preparation, apply))
    if days_range is None:
        return ()
    low, high = days_range
    if high <= stay:
        return ()
    if low > stay:  # it runs out even at the shortest: a warning that weighs
        text = phrase(
            PhraseCode.STAY_RUNS_OUT,
            country=Country(leg.transit.country),
            stay=stay,
            time=phrase(PhraseCode.SPAN_DAYS, days=low),  # its own plural form
        )
        return (Finding("transit.stay", Effect.WEIGHS, text),)
    text = phrase(  # it runs out only if the steps take longer than the shortest time
        PhraseCode.STAY_MAY_RUN_OUT,
        country=Country(leg.transit.country),
        stay=stay,
        time=phrase(PhraseCode.SPAN_DAYS, days=high),
    )
    return (Finding("transit.stay", Effect.NOTE, text),)


_EFFECT_ORDER = {Effect.CLOSES: 0, Effect.WEIGHS: 1, Effect.NOTE: 2}


def _sorted_findings(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: _EFFECT_ORDER[f.effect]))


# A transit country's danger for this person: it weighs more than a condition (ranking).
DANGER_RULE = "transit.danger"


def _weighing(findings: Iterable[Finding]) -> int:
    return sum(
        1 for finding in findings if finding.effect is Effect.WEIGHS and finding.rule != DANGER_RULE
    )


def _dangers(findings: Iterable[Finding]) -> int:
    return sum(1 for finding in findings if finding.rule == DANGER_RULE)


def recognition(partners: tuple[bool | None, bool | None], relation: Relation) -> bool | None:
    """Whether a route with `partners` (unmarried, same-sex: True, False or None when no
    source says) counts a member of `relation` as family; True for relations it does not
    judge (a spouse, a child). False wins over unknown: one refusal is enough."""
    needs = PARTNER_NEEDS.get(relation)
    if needs is None:
        return True
    said = [fact for fact, needed in zip(partners, needs, strict=True) if needed]
    if False in said:
        return False
    return None if None in said else True


def household_results(
    lead: tuple[MatchResult, ...],
    members: tuple[tuple[MatchResult, ...], ...],
    relations: tuple[Relation, ...] = (),
    partners: Mapping[str, tuple[bool | None, bool | None]] | None = None,
) -> tuple[MatchResult, ...]:
    """The lead person's results for the whole household: a result is open only
    when it is open for each member, else it is closed naming who is left out and why.
    A partner the route does not recognise as family (`partners` by route id, from the
    catalog) cannot come on the lead's case: the result warns and plans that member
    separately, naming their own best plan; where no source says, it says to check."""
    indexed = [{result.route_ids: result for result in found} for found in members]
    relations = relations or tuple(Relation.NONE for _ in members)
    own_best = [next((r for r in found if r.is_open), None) for found in members]
    answer = []
    for result in lead:
        if not result.is_open:
            answer.append(result)
            continue
        left_out = []
        notes = []
        said = (partners or {}).get(result.route_ids[-1], (None, None))
        for number, theirs in enumerate(indexed, start=2):
            relation = relations[number - 2]
            recognised = recognition(said, relation)
            if relation in PARTNER_NEEDS:
                route = result.names[-1]
                if recognised is False:
                    best = own_best[number - 2]
                    text = phrase(
                        PhraseCode.HOUSEHOLD_NOT_RECOGNISED,
                        member=number,
                        relation=relation,
                        route=route,
                        plan=best.names
                        if best is not None
                        else phrase(PhraseCode.HOUSEHOLD_NO_PLAN),
                    )
                    notes.append(Finding("household.not_recognised", Effect.WEIGHS, text))
                    continue  # planned separately: their own results, not this one's
                code = (
                    PhraseCode.HOUSEHOLD_RECOGNISED
                    if recognised
                    else PhraseCode.HOUSEHOLD_RECOGNITION_UNKNOWN
                )
                notes.append(
                    Finding(
                        "household.recognition",
                        Effect.NOTE,
                        phrase(code, member=number, relation=relation, route=route),
                    )
                )
            own = theirs.get(result.route_ids)
            if own is not None and own.is_open:
                continue
            if own is None:
                own = theirs.get(result.route_ids[:1])
            closes = [f.text for f in own.findings if f.effect is Effect.CLOSES] if own else []
            reason = closes[0] if closes else phrase(PhraseCode.HOUSEHOLD_NO_PLAN)
            left_out.append(
                Finding(
                    "household.member",
                    Effect.CLOSES,
                    phrase(PhraseCode.HOUSEHOLD_LEFT_OUT, member=number, reason=reason),
                )
            )
        if not left_out:
            if not notes:
                notes.append(
                    Finding(
                        "household.partners", Effect.NOTE, phrase(PhraseCode.HOUSEHOLD_PARTNERS)
                    )
                )
            answer.append(replace(result, findings=_sorted_findings((*result.findings, *notes))))
            continue
        findings = (*left_out, *result.findings, *notes)
        answer.append(
            replace(
                result,
                verdict=Verdict.INELIGIBLE,
                basis=replace(result.basis, failing=len(left_out)),
                findings=findings,
                steps=(),
                score=0.0,
                order=(1, -0.0, len(left_out), result.route_ids),
            )
        )
    return tuple(sorted(answer, key=ORDER))
