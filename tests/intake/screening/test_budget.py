"""The blind-index budget (docs/security.md C12): at the planned population every field gives
at least two candidates per value."""

from __future__ import annotations

import pytest
from django.conf import settings

from corridor.config.env import read_env
from corridor.intake.screening.budget import (
    FIELD_ENTROPY,
    INDEXES,
    candidates_per_value,
    index_bits,
)

pytestmark = pytest.mark.pure


@pytest.mark.parametrize("population", [10_000, 100_000, 1_000_000])
def test_every_field_leaves_at_least_two_candidates(population):
    """C = R / 2^(sum of min(L, K)) >= 2 for every field, summed over its indexes."""
    bits = index_bits(population)
    candidates = candidates_per_value(population, bits)
    assert set(candidates) == set(FIELD_ENTROPY)
    assert all(value >= 2 for value in candidates.values()), candidates
    # Not so short that a lookup returns the whole table: each index keeps some bits.
    assert min(bits.values()) >= 1
    assert candidates["phone"] < 4


def test_the_configured_planned_population_keeps_the_rule():
    """The truncation at settings.CORRIDOR_PLANNED_POPULATION (from the environment)."""
    population = settings.CORRIDOR_PLANNED_POPULATION
    bits = index_bits(population)
    assert set(bits) == {spec.name for spec in INDEXES}
    assert min(candidates_per_value(population, bits).values()) >= 2


def test_planned_population_is_read_from_the_environment():
    base = {"CORRIDOR_ENV": "development", "CORRIDOR_SECRET_KEY": "x" * 60}
    assert read_env(base).planned_population == 100_000
    assert read_env(base | {"CORRIDOR_PLANNED_POPULATION": "250_000"}).planned_population == 250_000
    for wrong in ("ten", "5", "10000000000"):
        with pytest.raises(Exception, match="CORRIDOR_PLANNED_POPULATION"):
            read_env(base | {"CORRIDOR_PLANNED_POPULATION": wrong})
