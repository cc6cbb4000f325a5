"""Risk triage: a questionnaire in, a score, a level and the reasons out (pure).

The weights follow what made the 2017 cases urgent: people hunted by the state
or by their family, already detained once, whose hiding place was known, whose
papers had been taken. Each level has two targets (days to out of the danger
region, days to out of the country) that dashboards measure a case against.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.conf import settings

from corridor.cases.models import RiskLevel

# (answer, points, reason code)
WEIGHTS: tuple[tuple[str, int, str], ...] = (
    ("threat_from_state", 30, "threat_from_state"),
    ("threat_from_family", 25, "threat_from_family"),
    ("threat_from_community", 10, "threat_from_community"),
    ("detained_before", 20, "detained_before"),
    ("location_known", 25, "location_known_to_persecutors"),
    ("documents_confiscated", 10, "documents_confiscated"),
    ("wanted_or_criminal_case", 20, "wanted_or_criminal_case"),
    ("health_needs", 5, "health_needs"),
    ("dependants", 5, "dependants"),
    ("online_exposure", 10, "online_exposure"),
)
LEVEL_FLOORS: tuple[tuple[int, RiskLevel], ...] = (
    (60, RiskLevel.CRITICAL),
    (35, RiskLevel.HIGH),
    (15, RiskLevel.MEDIUM),
    (0, RiskLevel.LOW),
)
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    RiskLevel.CRITICAL: (2, 60),
    RiskLevel.HIGH: (7, 90),
    RiskLevel.MEDIUM: (30, 180),
    RiskLevel.LOW: (90, 365),
}


@dataclass(frozen=True)
class RiskAnswers:
    threat_from_state: bool = False
    threat_from_family: bool = False
    threat_from_community: bool = False
    detained_before: bool = False
    location_known: bool = False
    documents_confiscated: bool = False
    wanted_or_criminal_case: bool = False
    health_needs: bool = False
    dependants: bool = False
    online_exposure: bool = False

    @classmethod
    def names(cls) -> list[str]:
        return [item.name for item in fields(cls)]


@dataclass(frozen=True)
class RiskResult:
    score: int
    level: RiskLevel
    reasons: tuple[str, ...]


def assess(answers: RiskAnswers) -> RiskResult:
    """Score the answers. A detention on top of a state threat is critical by itself."""
    score = sum(points for name, points, _ in WEIGHTS if getattr(answers, name))
    reasons = tuple(code for name, _, code in WEIGHTS if getattr(answers, name))
    level = next(level for floor, level in LEVEL_FLOORS if score >= floor)
    if answers.threat_from_state and answers.detained_before:
        level = RiskLevel.CRITICAL
    return RiskResult(score=score, level=level, reasons=reasons)


def targets(level: RiskLevel | str) -> tuple[int, int]:
    """(days to out of the danger region, days to out of the country) for a level."""
    configured = getattr(settings, "CORRIDOR_RISK_TARGETS", None) or DEFAULT_TARGETS
    days_out_of_region, days_out_of_country = configured[RiskLevel(level)]
    return int(days_out_of_region), int(days_out_of_country)
