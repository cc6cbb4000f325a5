"""Blind-index values of a request's facts, computed by the key provider.

Each value is a keyed hash truncated by the budget (`budget.index_bits` at
settings.CORRIDOR_PLANNED_POPULATION), so equal facts give equal values and a seized
database gives several candidates per value. A shared value is a candidate only:
the screening task decrypts and compares before it raises a flag.
"""

from __future__ import annotations

from django.conf import settings

from corridor.intake.screening.budget import DOB, DOCUMENT, NAME, NAME_YEAR, PHONE, index_bits
from corridor.intake.screening.facts import Facts
from corridor.vault.providers import key_provider

IndexValue = tuple[str, int]


def planned_population() -> int:
    return int(settings.CORRIDOR_PLANNED_POPULATION)


def index_values(facts: Facts) -> set[IndexValue]:
    """(index name, value) for every fact; a name with a year also gets the compound."""
    bits = index_bits(planned_population())
    provider = key_provider()
    wanted: list[tuple[str, str]] = [(PHONE.name, phone) for phone in facts.all_phones]
    wanted += [(DOCUMENT.name, number) for number in facts.documents]
    wanted += [(NAME.name, pair) for pair in facts.names]
    wanted += [(NAME_YEAR.name, f"{pair}|{year}") for pair in facts.names for year in facts.years]
    wanted += [(DOB.name, dob) for dob in facts.dobs]
    return {
        (name, provider.index(name, value.encode("utf-8"), bits=bits[name]))
        for name, value in wanted
    }
