"""Ordering cases by danger, with the reasons for each place in the order (pure).

First whatever may mean a person is in danger now: an open incident (a duress word
above all), an overdue check-in, a detained or missing flag. Then cases past the
targets of their risk level (days to out of the danger region, days to out of the
country), then overdue next actions, then the rest by risk level. Each row carries
every reason that applies, so the screen can say why it is where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum

from corridor.cases.models import Flag, IncidentKind, RiskLevel
from corridor.cases.risk import targets as risk_targets


class Signal(StrEnum):
    DURESS = "duress"
    INCIDENT = "incident"
    CHECK_IN_OVERDUE = "check_in_overdue"
    DETAINED = "detained"
    MISSING = "missing"
    PAST_REGION_TARGET = "past_region_target"
    PAST_COUNTRY_TARGET = "past_country_target"
    TASKS_OVERDUE = "tasks_overdue"


class Tier(IntEnum):
    """Lower is more urgent."""

    DURESS = 0
    INCIDENT = 1
    CHECK_IN = 2
    DETAINED_OR_MISSING = 3
    PAST_TARGET = 4
    TASKS = 5
    CALM = 6


_RISK_RANK: dict[str, int] = {
    RiskLevel.CRITICAL: 0,
    RiskLevel.HIGH: 1,
    RiskLevel.MEDIUM: 2,
    RiskLevel.LOW: 3,
}
_UNASSESSED_RANK = 4


@dataclass(frozen=True)
class Reason:
    """One reason a case ranks where it does: a code and the figures the sentence needs."""

    signal: Signal
    count: int = 0
    days: int = 0
    target: int = 0
    since: datetime | None = None


@dataclass(frozen=True)
class CaseSignals:
    """The plain facts about one case that the order looks at (no personal data)."""

    ref: str
    phase: str
    risk_level: str
    opened_on: date
    incidents: tuple[str, ...] = ()
    overdue_check_ins: int = 0
    check_in_due_since: datetime | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    members: int = 0
    out_of_region: int = 0
    left_country: int = 0
    overdue_tasks: int = 0
    oldest_task_due: date | None = None
    next_task_due: date | None = None


@dataclass(frozen=True)
class Ranked:
    signals: CaseSignals
    tier: Tier
    reasons: tuple[Reason, ...]
    sort_key: tuple[int, int, int, int, str]


Targets = Callable[[str], tuple[int, int]]


def reasons_for(
    signals: CaseSignals, *, today: date, targets: Targets = risk_targets
) -> list[Reason]:
    """Every reason that applies to the case, most urgent first."""
    reasons: list[Reason] = []
    duress = signals.incidents.count(IncidentKind.DURESS)
    if duress:
        reasons.append(Reason(Signal.DURESS, count=duress))
    others = len(signals.incidents) - duress
    if others:
        reasons.append(Reason(Signal.INCIDENT, count=others))
    if signals.overdue_check_ins:
        reasons.append(
            Reason(
                Signal.CHECK_IN_OVERDUE,
                count=signals.overdue_check_ins,
                since=signals.check_in_due_since,
            )
        )
    if Flag.DETAINED in signals.flags:
        reasons.append(Reason(Signal.DETAINED))
    if Flag.MISSING in signals.flags:
        reasons.append(Reason(Signal.MISSING))
    if signals.risk_level in _RISK_RANK:
        days_open = (today - signals.opened_on).days
        to_region, to_country = targets(signals.risk_level)
        still_in_region = signals.members == 0 or signals.out_of_region < signals.members
        still_in_country = signals.members == 0 or signals.left_country < signals.members
        if still_in_region and days_open > to_region:
            reasons.append(
                Reason(Signal.PAST_REGION_TARGET, days=days_open - to_region, target=to_region)
            )
        if still_in_country and days_open > to_country:
            reasons.append(
                Reason(Signal.PAST_COUNTRY_TARGET, days=days_open - to_country, target=to_country)
            )
    if signals.overdue_tasks:
        oldest = signals.oldest_task_due or today
        reasons.append(
            Reason(Signal.TASKS_OVERDUE, count=signals.overdue_tasks, days=(today - oldest).days)
        )
    return reasons


_TIER_OF = {
    Signal.DURESS: Tier.DURESS,
    Signal.INCIDENT: Tier.INCIDENT,
    Signal.CHECK_IN_OVERDUE: Tier.CHECK_IN,
    Signal.DETAINED: Tier.DETAINED_OR_MISSING,
    Signal.MISSING: Tier.DETAINED_OR_MISSING,
    Signal.PAST_REGION_TARGET: Tier.PAST_TARGET,
    Signal.PAST_COUNTRY_TARGET: Tier.PAST_TARGET,
    Signal.TASKS_OVERDUE: Tier.TASKS,
}


def rank(signals: CaseSignals, *, today: date, targets: Targets = risk_targets) -> Ranked:
    """The case's tier, reasons and sort key: within a tier, the bigger figure first (more
    incidents, the check-in overdue longest, more days past a target), then the higher
    risk level, then the nearest next action."""
    reasons = reasons_for(signals, today=today, targets=targets)
    tier = min((_TIER_OF[reason.signal] for reason in reasons), default=Tier.CALM)
    magnitude = _magnitude(tier, reasons)
    risk_rank = _RISK_RANK.get(signals.risk_level, _UNASSESSED_RANK)
    next_due = signals.next_task_due.toordinal() if signals.next_task_due else date.max.toordinal()
    return Ranked(
        signals=signals,
        tier=tier,
        reasons=tuple(reasons),
        sort_key=(int(tier), -magnitude, risk_rank, next_due, signals.ref),
    )


def order_by_danger(
    cases: Iterable[CaseSignals], *, today: date, targets: Targets = risk_targets
) -> list[Ranked]:
    """The cases, most dangerous first."""
    ranked = [rank(signals, today=today, targets=targets) for signals in cases]
    return sorted(ranked, key=lambda row: row.sort_key)


def _magnitude(tier: Tier, reasons: list[Reason]) -> int:
    """The figure that orders cases within a tier (bigger is more urgent)."""
    in_tier = [reason for reason in reasons if _TIER_OF[reason.signal] is tier]
    if tier is Tier.CHECK_IN:
        # The check-in overdue longest first: an earlier due time is a bigger figure.
        since = in_tier[0].since
        return -int(since.timestamp()) if since is not None else 0
    if tier in (Tier.DURESS, Tier.INCIDENT, Tier.DETAINED_OR_MISSING):
        return sum(reason.count for reason in in_tier)
    return max((reason.days for reason in in_tier), default=0)
