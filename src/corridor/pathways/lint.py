"""Checks on the catalog files beyond the schema, run by `corridor pathways lint` in CI.

Every fact a caseworker relies on carries its own source, the date the source speaks
for, the date someone verified it and the words that support it. Ages are
judged against the catalog's own `as_of` date, so CI never turns red by the calendar
alone; `pathways lint --today` judges them against today, which is what an operator runs.

Errors: an open route whose status was verified more than 6 months before the date, any
fact verified more than 12 months before it, a source that is neither a full URL nor a
named document, a verified fact without an excerpt or dates, a risk without a source.
A fact marked `not_verified` is allowed (it says so wherever it is shown); an open route
whose status nobody verified is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from corridor.pathways.catalog_files import META_FILE, CatalogFile
from corridor.pathways.schema import (
    NOT_VERIFIED,
    CatalogMeta,
    Evidence,
    Route,
    Sourced,
    Transit,
)
from corridor.pathways.vocabulary import Status
from corridor.people.models import DocumentKind

STATUS_MAX_MONTHS = 6
FACT_MAX_MONTHS = 12
# A full address: scheme, a host with a dot, and a path that is more than "/".
_FULL_URL = re.compile(r"^https?://[a-z0-9.-]+\.[a-z]{2,}(:\d+)?/\S+$", re.IGNORECASE)
# What a bare domain or a shortened address looks like (the 2026 catalog had 19 and 7).
_DOMAIN_LIKE = re.compile(r"^(https?://)?[a-z0-9.-]+\.[a-z]{2,}/?$", re.IGNORECASE)


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


@dataclass(frozen=True)
class Fact:
    """One sourced fact of an entry: its name as lint and `pathways list` show it."""

    name: str
    source: Sourced
    is_risk: bool = False


def entry_facts(entry: Route | Transit) -> Iterator[Fact]:
    """Every fact of `entry` that carries a source, in reading order."""
    if isinstance(entry, Route):
        yield Fact("status", entry.status_source)
        if entry.processing_days is not None:
            yield Fact("processing_days", entry.processing_days.source)
        for number, fee in enumerate(entry.fees):
            yield Fact(f"fees.{number}", fee.source)
        if entry.capacity_per_year is not None:
            yield Fact("capacity_per_year", entry.capacity_per_year.source)
        if entry.partners is not None:
            for name in ("unmarried", "same_sex"):
                recognition = getattr(entry.partners, name)
                if recognition is not None:
                    yield Fact(f"partners.{name}", recognition.source)
        if entry.checklist is not None:
            yield Fact("checklist", entry.checklist.source)
    else:
        for entry_rule in entry.entry:
            yield Fact(f"entry.{entry_rule.nationality}", entry_rule.source)
        if entry.unhcr_registration is not None:
            yield Fact("unhcr_registration", entry.unhcr_registration.source)
        if entry.avoid is not None:
            yield Fact("avoid", entry.avoid.source, is_risk=True)
    for rule in entry.rules:
        yield Fact(f"rules.{rule.id}", rule.source)
    for number, risk in enumerate(entry.risk_notes):
        yield Fact(f"risk_notes.{number}", risk.source, is_risk=True)
    for number, note in enumerate(entry.notes):
        yield Fact(f"notes.{number}", note.source)


def meta_facts(meta: CatalogMeta) -> Iterator[Fact]:
    for number, risk in enumerate(meta.exit_risks):
        yield Fact(f"exit_risks.{number}", risk.source, is_risk=True)


def source_problem(source: str) -> str | None:
    """Why `source` cannot be checked by a reader, or None when it can."""
    if "…" in source or "..." in source:
        return f"source {source!r} is cut off"
    if source.lower().startswith(("http://", "https://")):
        return None if _FULL_URL.match(source) else f"source {source!r} is not a full URL"
    if _DOMAIN_LIKE.match(source) or "/" in source.split(" ")[0]:
        return f"source {source!r} is a bare domain, not a full URL"
    # A named document: words, with a number or a date that identifies it.
    if " " not in source.strip() or not re.search(r"\d", source):
        return f"source {source!r} is neither a full URL nor a named document"
    return None


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the last day of a shorter month)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def fact_problems(fact: Fact, *, on: date, open_status: bool) -> Iterator[tuple[Level, str]]:
    """What is wrong with one fact's source, judged on the day `on`."""
    source = fact.source
    if source == NOT_VERIFIED or not isinstance(source, Evidence):
        if fact.is_risk:
            yield Level.ERROR, f"{fact.name}: a risk without a source"
        elif open_status:
            yield Level.WARNING, f"{fact.name}: an open route whose status is not verified"
        return
    problem = source_problem(source.source)
    if problem:
        yield Level.ERROR, f"{fact.name}: {problem}"
    if source.excerpt is None:
        yield Level.ERROR, f"{fact.name}: a verified fact without an excerpt from its source"
    if source.speaks_for is None:
        yield Level.ERROR, f"{fact.name}: no date the source speaks for (speaks_for)"
    if source.verified is None:
        yield Level.ERROR, f"{fact.name}: no date it was verified (verified)"
        return
    if source.verified > on:
        yield Level.ERROR, f"{fact.name}: verified {source.verified}, after {on}"
    elif open_status and source.verified < months_before(on, STATUS_MAX_MONTHS):
        yield (
            Level.ERROR,
            (
                f"{fact.name}: an open route whose status was verified {source.verified}, "
                f"more than {STATUS_MAX_MONTHS} months before {on}"
            ),
        )
    elif source.verified < months_before(on, FACT_MAX_MONTHS):
        yield (
            Level.ERROR,
            (
                f"{fact.name}: verified {source.verified}, "
                f"more than {FACT_MAX_MONTHS} months before {on}"
            ),
        )
    if source.speaks_for is not None and source.speaks_for > source.verified:
        yield Level.ERROR, f"{fact.name}: speaks for {source.speaks_for}, after it was verified"


def lint_catalog(
    files: list[CatalogFile], *, meta: CatalogMeta, today: date | None = None
) -> list[LintFinding]:
    """Every finding, errors first; `files` have passed the schema already. Ages are judged
    against `meta.as_of`, or against `today` when it is given (`--today`)."""
    on = today or meta.as_of
    findings: list[LintFinding] = []
    for item in files:
        entry, name = item.entry, item.path.name
        facts = list(entry_facts(entry))
        if all(fact.source == NOT_VERIFIED for fact in facts):
            findings.append(LintFinding(Level.WARNING, name, "has no verified fact at all"))
        open_route = isinstance(entry, Route) and entry.status is Status.OPEN
        for fact in facts:
            is_status = fact.name == "status" and open_route
            for level, message in fact_problems(fact, on=on, open_status=is_status):
                findings.append(LintFinding(level, name, message))
        for unknown in checklist_unknown_kinds(entry):
            findings.append(
                LintFinding(Level.ERROR, name, f"checklist: {unknown!r} is not a register kind")
            )
        if entry.last_reviewed > on:
            findings.append(
                LintFinding(Level.ERROR, name, f"last_reviewed {entry.last_reviewed} is after {on}")
            )
    for fact in meta_facts(meta):
        for level, message in fact_problems(fact, on=on, open_status=False):
            findings.append(LintFinding(level, META_FILE, message))
    kinds = {type(item.entry) for item in files}
    for kind, label in ((Route, "route"), (Transit, "transit")):
        if kind not in kinds:
            findings.append(LintFinding(Level.ERROR, "(catalog)", f"has no {label} entry"))
    return sorted(findings, key=lambda finding: (finding.level != Level.ERROR, finding.file))


def checklist_unknown_kinds(entry: Route | Transit) -> list[str]:
    """The checklist's documents that the document register does not know (a typo would
    otherwise show every person as missing a document nobody can record)."""
    if not isinstance(entry, Route) or entry.checklist is None:
        return []
    known = set(DocumentKind.values)
    return [kind for kind in entry.checklist.documents if kind not in known]


def fact_age_days(source: Sourced, *, on: date) -> int | None:
    """Days since the fact was verified, or None when nobody verified it."""
    if isinstance(source, Evidence) and source.verified is not None:
        return (on - source.verified).days
    return None
