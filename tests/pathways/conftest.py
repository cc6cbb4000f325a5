"""Fixtures for the pathway tests: the packaged catalog, compiled once, and facts builders."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils.translation import override

from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.facts import OPTIONAL_DEFAULTS, Facts, facts_from_mapping
from corridor.pathways.matching import Matcher
from corridor.pathways.presentation import word
from corridor.pathways.ranking import RankingInputs
from corridor.pathways.results import MatchResult
from corridor.pathways.rules import Catalog, compile_catalog
from corridor.pathways.schema import NOT_VERIFIED, entry_content, parse_entry

TODAY = date(2026, 11, 25)

# A man from Chechnya hiding elsewhere in Russia in 2017: internal passport only, no way to
# get an international one, no referral, no sponsor, no ties abroad.
INSIDE_RUSSIA: dict[str, object] = {
    "nationality": "RU",
    "current_country": "RU",
    "has_internal_passport": True,
    "has_international_passport": False,
    "international_passport_expiry": None,
    "can_obtain_international_passport": False,
    "passport_obtain_days": None,
    "exit_barriers": [],
    "unhcr_registered": False,
    "referral": "none",
    "sponsor_available": False,
    "ties": [],
    "avoid_countries": [],
    "profile": ["lgbt"],
    "urgency": "urgent",
    "household_size": 1,
    "medical_needs": False,
}


def make_facts(**changes: object) -> Facts:
    """INSIDE_RUSSIA with `changes`, read through the same strict parser as the CLI."""
    # Optional facts: the referrer, the restore days and the medical detail.
    unknown = set(changes) - set(INSIDE_RUSSIA) - set(OPTIONAL_DEFAULTS)
    assert not unknown, unknown
    return facts_from_mapping({**INSIDE_RUSSIA, **changes})


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return compile_catalog([item.entry for item in read_catalog()])


# What a fact nobody verified is given in `catalog_as_if_verified`: a named document, dated.
_AS_IF_READ = {
    "source": "Test fixture: as if read on 1 November 2026",
    "speaks_for": "2026-11-01",
    "verified": "2026-11-01",
    "excerpt": "(test)",
}


def _as_if_verified(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: _AS_IF_READ
            if key in ("source", "status_source") and item == NOT_VERIFIED
            else _as_if_verified(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_as_if_verified(item) for item in value]
    return value


@pytest.fixture(scope="session")
def catalog_as_if_verified() -> Catalog:
    """The packaged catalog with every `not_verified` fact treated as read from a source:
    for tests of how the planner uses figures (days, fees, places), whichever of the
    catalog's figures happen to be verified today. The real catalog leaves the others out."""
    return compile_catalog(
        [parse_entry(_as_if_verified(entry_content(item.entry))) for item in read_catalog()]
    )


def match(catalog: Catalog, inputs: RankingInputs | None = None, **changes: object):
    return Matcher(catalog, today=TODAY, inputs=inputs).match(make_facts(**changes))


def find(results, *route_ids: str) -> MatchResult:
    """The one result for exactly these route ids (a plan lists its transit first)."""
    found = [result for result in results if result.route_ids == route_ids]
    assert len(found) == 1, f"{route_ids}: {len(found)} results"
    return found[0]


def absent(results, *route_ids: str) -> bool:
    return all(result.route_ids != route_ids for result in results)


def english(message) -> str:
    with override("en"):
        return word(message, "en")


def reasons(result: MatchResult) -> list[str]:
    return [english(reason) for reason in result.reasons]


def steps(result: MatchResult) -> list[str]:
    return [english(step.text) for step in result.steps]


def risks(result: MatchResult) -> list[str]:
    return [english(note) for note in result.risk_notes]
