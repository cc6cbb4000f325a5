"""What screening compares: the normalised identifying values of one request or one
watchlist entry, taken from its answers. Pure; stored only encrypted (`screening_facts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from corridor.intake.screening.normalise import (
    birth_year,
    documents_in_text,
    name_pairs,
    normalise_dob,
    normalise_document,
    normalise_phone,
    phones_in_text,
)
from corridor.vault.fields import JSONValue

# Where answers carry each kind of value (the portal's and the hotline form's names).
NAME_FIELDS = ("name_to_use", "full_name", "names")
PHONE_FIELDS = ("phone", "callback", "safe_contact", "phones")
DOCUMENT_FIELDS = ("document_number", "documents")
DOB_FIELDS = ("date_of_birth",)
# Free text read for numbers someone else may also have written: a contact shared by
# two requests is a signal even when the names differ.
MENTION_FIELDS = ("story", "if_someone_else", "notes", "where")
NARRATIVE_FIELD = "story"


@dataclass(frozen=True)
class Facts:
    """Normalised values: the requester's own phones, phones only mentioned, document
    numbers, name pairs, birth years and dates of birth."""

    phones: frozenset[str] = frozenset()
    mentioned: frozenset[str] = frozenset()
    documents: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    dobs: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, JSONValue]:
        return {
            "phones": _listed(self.phones),
            "mentioned": _listed(self.mentioned),
            "documents": _listed(self.documents),
            "names": _listed(self.names),
            "years": _listed(self.years),
            "dobs": _listed(self.dobs),
        }

    @classmethod
    def from_json(cls, value: JSONValue) -> Facts:
        stored = value if isinstance(value, dict) else {}
        return cls(
            phones=frozenset(_strings(stored.get("phones"))),
            mentioned=frozenset(_strings(stored.get("mentioned"))),
            documents=frozenset(_strings(stored.get("documents"))),
            names=frozenset(_strings(stored.get("names"))),
            years=frozenset(int(year) for year in _strings(stored.get("years")) if year.isdigit()),
            dobs=frozenset(_strings(stored.get("dobs"))),
        )

    @property
    def all_phones(self) -> frozenset[str]:
        return self.phones | self.mentioned


def facts_from_answers(answers: Mapping[str, JSONValue]) -> Facts:
    """The identifying values in a request's (or watchlist entry's) answers."""
    phones: set[str] = set()
    for text in _texts(answers, PHONE_FIELDS):
        single = normalise_phone(text)
        phones |= {single} if single else phones_in_text(text)
    documents: set[str] = set()
    for text in _texts(answers, DOCUMENT_FIELDS):
        single = normalise_document(text)
        documents |= {single} if single else documents_in_text(text)
    mentioned: set[str] = set()
    for text in _texts(answers, MENTION_FIELDS + PHONE_FIELDS):
        mentioned |= phones_in_text(text)
        documents |= documents_in_text(text)
    names: set[str] = set()
    for text in _texts(answers, NAME_FIELDS):
        names |= name_pairs(text)
    dobs = {dob for text in _texts(answers, DOB_FIELDS) if (dob := normalise_dob(text))}
    years = {year for dob in dobs if (year := birth_year(dob))}
    return Facts(
        phones=frozenset(phones),
        mentioned=frozenset(mentioned - phones),
        documents=frozenset(documents),
        names=frozenset(names),
        years=frozenset(years),
        dobs=frozenset(dobs),
    )


def narrative_of(answers: Mapping[str, JSONValue]) -> str:
    value = answers.get(NARRATIVE_FIELD)
    return value if isinstance(value, str) else ""


def _texts(answers: Mapping[str, JSONValue], fields: Iterable[str]) -> list[str]:
    texts: list[str] = []
    for field in fields:
        value = answers.get(field)
        items = value if isinstance(value, list) else [value]
        texts.extend(item for item in items if isinstance(item, str) and item.strip())
    return texts


def _listed(values: frozenset[str] | frozenset[int]) -> list[JSONValue]:
    listed: list[JSONValue] = [*values]
    listed.sort(key=str)
    return listed


def _strings(value: JSONValue) -> list[str]:
    items = value if isinstance(value, list) else []
    return [
        str(item) for item in items if isinstance(item, str | int) and not isinstance(item, bool)
    ]
