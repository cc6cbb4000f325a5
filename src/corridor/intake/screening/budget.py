"""How many bits each blind index keeps: the budget rule of docs/security.md C12.

A seized database must give several candidate rows for any value, so the bits of
every index that includes a field, summed, stay below log2(R / 2) at the planned
population R: C = R / 2^(sum of min(L_i, K_i)) >= 2, where K is what the field itself
can tell apart. Pure arithmetic; `indexes` asks it for the truncations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# At least this many candidates per value at the planned population.
MIN_CANDIDATES = 2
# About how many bits each field can tell apart (K in the rule): phone numbers and
# document numbers are near unique, full names less so, a date of birth one of ~30,000.
FIELD_ENTROPY = {"phone": 30, "document": 30, "name": 26, "dob": 15}


@dataclass(frozen=True)
class IndexSpec:
    """One blind index: its provider name and the fields its value includes."""

    name: str
    fields: tuple[str, ...]


PHONE = IndexSpec("screening.phone", ("phone",))
DOCUMENT = IndexSpec("screening.document", ("document",))
NAME = IndexSpec("screening.name", ("name",))
# Compound: a name with a birth year. Kept short, it narrows name candidates before
# anything is decrypted; alone it finds little (the budget is spent on `name`).
NAME_YEAR = IndexSpec("screening.name_year", ("name", "dob"))
DOB = IndexSpec("screening.dob", ("dob",))
INDEXES = (PHONE, DOCUMENT, NAME, NAME_YEAR, DOB)


def budget_bits(population: int) -> int:
    """The most bits all indexes over one field may keep together at `population`."""
    return max(1, math.floor(math.log2(max(population, 1) / MIN_CANDIDATES)))


def index_bits(population: int) -> dict[str, int]:
    """The truncation of every index at `population`, by index name."""
    budget = budget_bits(population)
    compound = max(1, budget // 4)
    shared = max(1, budget - compound)
    return {
        PHONE.name: budget,
        DOCUMENT.name: budget,
        NAME.name: shared,
        NAME_YEAR.name: compound,
        DOB.name: shared,
    }


def candidates_per_value(population: int, bits: dict[str, int]) -> dict[str, float]:
    """C for every field: how many rows a seized database gives for one value of it."""
    spent: dict[str, int] = dict.fromkeys(FIELD_ENTROPY, 0)
    for spec in INDEXES:
        for field in spec.fields:
            spent[field] += min(bits[spec.name], FIELD_ENTROPY[field])
    return {field: population / 2**total for field, total in spent.items()}
