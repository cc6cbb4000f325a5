"""Checks on the catalog files beyond the schema, run by `corridor pathways lint` in CI.

An entry without sources fails (a claim nobody can check must not reach a
caseworker); one not reviewed for twelve months warns, because fees, quotas and
processing times change (Sweden's quota fell from 5,000 to 900).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from corridor.pathways.catalog_files import CatalogFile
from corridor.pathways.schema import Route, Transit


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class LintFinding:
    level: Level
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.value.upper()} {self.file}: {self.message}"


def lint_catalog(files: list[CatalogFile], *, today: date) -> list[LintFinding]:
    """Every finding, errors first; `files` have passed the schema already."""
    findings: list[LintFinding] = []
    stale_before = _a_year_before(today)
    for item in files:
        entry, name = item.entry, item.path.name
        if not entry.sources:
            findings.append(LintFinding(Level.ERROR, name, "has no sources"))
        if entry.last_reviewed > today:
            findings.append(
                LintFinding(
                    Level.ERROR, name, f"last_reviewed {entry.last_reviewed} is in the future"
                )
            )
        elif entry.last_reviewed < stale_before:
            findings.append(
                LintFinding(
                    Level.WARNING,
                    name,
                    f"last reviewed {entry.last_reviewed}, more than 12 months ago",
                )
            )
    kinds = {type(item.entry) for item in files}
    for kind, label in ((Route, "route"), (Transit, "transit")):
        if kind not in kinds:
            findings.append(LintFinding(Level.ERROR, "(catalog)", f"has no {label} entry"))
    return sorted(findings, key=lambda finding: (finding.level != Level.ERROR, finding.file))


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
