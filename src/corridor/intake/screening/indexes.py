"""Blind-index values of a request's facts, computed by the key provider.

Each value is a keyed hash truncated by the budget (`budget.index_bits` at
settings.CORRIDOR_PLANNED_POPULATION), so equal facts give equal values and a seized
database gives several candidates per value. A shared value is a candidate only:
the screening task decrypts and compares before it raises a flag.
"""

from __future__ import annotations

from django.conf import settings

from corridor.intake.screening.budget import DOB, DOCUMENT, NAME, NAME_YEAR, PHONE, index_bits
from corridor.intake.screening.facts import Facts, facts_from_answers
from corridor.vault.fields import JSONValue
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


def person_index_values(field: str, value: object) -> set[IndexValue]:
    """The name and phone index values of a person's names or contacts as stored (people
    registers this indexer: people.services.index_identity), so the search box, which
    looks a name or phone up in these two indexes, finds people on cases as it finds
    requests. Names: every pair of words of each name entry, as a request's names;
    contacts: every phone among their values."""
    listed = value if isinstance(value, list) else []
    entries = [entry for entry in listed if isinstance(entry, dict)]
    if field == "names":
        texts: list[JSONValue] = [
            " ".join(str(entry.get(part) or "") for part in ("given", "patronymic", "family"))
            for entry in entries
        ]
        facts = Facts(names=facts_from_answers({"names": texts}).names)
    elif field == "contacts":
        texts = [str(entry.get("value") or "") for entry in entries]
        facts = Facts(phones=facts_from_answers({"phones": texts}).phones)
    else:
        return set()
    searched = (PHONE.name, NAME.name)
    return {(name, hashed) for name, hashed in index_values(facts) if name in searched}
