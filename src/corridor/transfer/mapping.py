"""The mapping file: which column of an organisation's spreadsheet holds which of Corridor's
fields (docs/import-mapping.md is its documented schema, with an example).

Every field names a column heading; a value beginning with "=" is the same for every row
("=RUB", "=plane"). `values` translates what the sheet writes into Corridor's codes
("одобрено" -> granted). Pure: parsing and checking, no database.
"""

from __future__ import annotations

from typing import Literal

import yaml
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridor.cases.models import MilestoneKind
from corridor.cases.risk import RiskAnswers
from corridor.core.exceptions import InvalidInput

MAPPING_UNREADABLE = _("The mapping is not valid YAML: %(problem)s")
MAPPING_INVALID = _("The mapping has a problem at %(where)s: %(problem)s")
MAPPING_NO_PERSON = _("The mapping names no person: add a name column under people.")
MAPPING_TOO_LONG = 64_000


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DocumentColumns(_Part):
    kind: str = "=internal_passport"
    number: str | None = None
    issuing_country: str = "=RU"


class PersonColumns(_Part):
    relation: str = "=principal"
    name: str | None = None  # the whole name in one column, in either script
    given: str | None = None
    family: str | None = None
    patronymic: str | None = None
    date_of_birth: str | None = None
    phones: list[str] = Field(default_factory=list)
    documents: list[DocumentColumns] = Field(default_factory=list)


class CaseColumns(_Part):
    region: str | None = None
    opened: str | None = None  # the day the case began in the old sheet
    caseworker: str | None = None  # a staff username
    next_action: str = "=Review the imported case"
    risk: dict[str, str] = Field(default_factory=dict)  # risk answer -> yes/no column


class ExpenseColumns(_Part):
    date: str
    amount: str
    currency: str = "=RUB"
    category: str = "=other"
    funding_source: str | None = None


class PlacementColumns(_Part):
    shelter: str
    address: str
    starts: str = Field(alias="from")
    ends: str | None = Field(default=None, alias="to")


class JourneyColumns(_Part):
    kind: str
    date: str
    starts: str = Field(alias="from")
    ends: str = Field(alias="to")
    mode: str = "=other"
    itinerary: str = "=Imported journey"


class ApplicationColumns(_Part):
    route: str
    authority: str
    started: str
    reference_number: str | None = None
    outcome: str | None = None
    decided: str | None = None


class Mapping(_Part):
    version: Literal[1] = 1
    reference: str | None = None  # the sheet's own reference column: the row key
    header_row: int = Field(default=1, ge=1, le=50)
    name_order: Literal["family_given_patronymic", "given_family_patronymic"] = (
        "family_given_patronymic"
    )
    case: CaseColumns = Field(default_factory=CaseColumns)
    people: list[PersonColumns] = Field(default_factory=list)
    milestones: dict[str, str] = Field(default_factory=dict)  # milestone kind -> date column
    expenses: list[ExpenseColumns] = Field(default_factory=list)
    placements: list[PlacementColumns] = Field(default_factory=list)
    journeys: list[JourneyColumns] = Field(default_factory=list)
    applications: list[ApplicationColumns] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)

    def columns(self) -> set[str]:
        """Every column heading the mapping reads (constants left out)."""
        found: set[str] = set()

        def take(value: object) -> None:
            if isinstance(value, str) and value and not value.startswith("="):
                found.add(value)
            elif isinstance(value, list):
                for item in value:
                    take(item)
            elif isinstance(value, BaseModel):
                for name in type(value).model_fields:
                    take(getattr(value, name))
            elif isinstance(value, dict):
                for item in value.values():
                    take(item)

        take(self.reference)
        for part in (
            self.case,
            self.people,
            self.milestones,
            self.expenses,
            self.placements,
            self.journeys,
            self.applications,
            self.notes,
        ):
            take(part)
        return found


def parse_mapping(text: str) -> Mapping:
    """The mapping in `text` (YAML); InvalidInput saying where it is wrong."""
    if len(text) > MAPPING_TOO_LONG:
        raise InvalidInput(str(MAPPING_UNREADABLE % {"problem": "too long"}))
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise InvalidInput(str(MAPPING_UNREADABLE % {"problem": where})) from None
    if not isinstance(loaded, dict):
        raise InvalidInput(str(MAPPING_UNREADABLE % {"problem": "not a mapping of keys"}))
    try:
        mapping = Mapping.model_validate(loaded)
    except ValidationError as problem:
        first = problem.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top"
        raise InvalidInput(
            str(MAPPING_INVALID % {"where": where, "problem": first["msg"]})
        ) from None
    for kind in mapping.milestones:
        if kind not in MilestoneKind.values:
            codes = ", ".join(MilestoneKind.values)
            where = f"milestones.{kind}"
            raise InvalidInput(str(MAPPING_INVALID % {"where": where, "problem": codes}))
    for answer in mapping.case.risk:
        if answer not in RiskAnswers.names():
            codes = ", ".join(RiskAnswers.names())
            where = f"case.risk.{answer}"
            raise InvalidInput(str(MAPPING_INVALID % {"where": where, "problem": codes}))
    if not any(person.name or person.given or person.family for person in mapping.people):
        raise InvalidInput(str(MAPPING_NO_PERSON))
    return mapping
