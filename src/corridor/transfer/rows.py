"""One spreadsheet row read through the mapping into plain values for the services, with
every problem named by row and column in words. Pure: no database, no keys.

Dates are read day first (12.03.2017, 12/03/2017, 12 марта 2017), as Russian and most
European sheets write them; ISO dates (2017-03-12) and Excel's own date cells too.
Phones are read as screening reads them (intake/screening/normalise.py), so one number
written three ways is one number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from corridor.cases import stages
from corridor.cases.models import (
    ExpenseCategory,
    LegKind,
    MilestoneKind,
    Relation,
    TravelMode,
)
from corridor.cases.risk import RiskAnswers
from corridor.core.places import PlaceAmbiguous, PlaceNotFound, resolve_place
from corridor.intake.screening.facts import Facts, facts_from_answers
from corridor.intake.screening.normalise import normalise_phone
from corridor.pathways.models import ApplicationStatus
from corridor.people.inputs import DocumentInput, NameEntry, PersonInput
from corridor.people.models import DocumentKind
from corridor.transfer.mapping import Mapping, PersonColumns
from corridor.transfer.reading import SheetRow
from corridor.transfer.values import E, choose, parse_amount, parse_currency, parse_date

NOT_A_DATE = _("“%(value)s” is not a date (write it as 12.03.2017 or 2017-03-12).")
NOT_AN_AMOUNT = _("“%(value)s” is not an amount of money.")
NOT_A_PHONE = _("“%(value)s” is not a phone number.")
NOT_KNOWN = _("“%(value)s” is not one of: %(choices)s (or add it under values: in the mapping).")
CURRENCY_UNKNOWN = _("“%(value)s” is not a currency code such as RUB or EUR.")
EMPTY = _("This column is empty, and the row needs it.")
YES_NO = _("“%(value)s” is neither yes nor no.")
NO_NAME = _("The row has no name for its first person.")
IN_FUTURE = _("%(date)s is in the future.")

_YES = {"yes", "y", "true", "1", "да", "д", "+", "x", "х", "✓"}
_NO = {"no", "n", "false", "0", "нет", "н", "-", ""}
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell (or with the row, when `column` is empty)."""

    row: int
    column: str
    message: str

    def as_text(self) -> str:
        where = f"row {self.row}, column “{self.column}”" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class PersonDraft:
    relation: Relation
    data: PersonInput
    facts: Facts


@dataclass(frozen=True)
class ExpenseDraft:
    category: ExpenseCategory
    amount_minor: int
    currency: str
    spent_on: date
    funding_source: str


@dataclass(frozen=True)
class PlacementDraft:
    shelter_ref: str
    address: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class JourneyDraft:
    kind: LegKind
    from_place: str
    to_place: str
    mode: TravelMode
    travel_on: date
    itinerary: str
    # A sheet lists journeys made; an export also carries planned ones.
    completed: bool = True
    # A planned journey called off (the day it was), kept on the case as cancelled.
    cancelled_on: date | None = None


@dataclass(frozen=True)
class ApplicationDraft:
    route_id: str
    authority: str
    started_on: date
    reference_number: str
    outcome: ApplicationStatus | None
    decided_on: date | None


@dataclass
class CaseDraft:
    """Everything one row will write, as plain values; `problems` empty when it can."""

    row: int
    reference: str
    region: str = ""
    opened_on: date | None = None
    caseworker: str = ""
    next_action: str = ""
    risk: RiskAnswers | None = None
    people: list[PersonDraft] = field(default_factory=list)
    milestones: list[tuple[MilestoneKind, date]] = field(default_factory=list)
    expenses: list[ExpenseDraft] = field(default_factory=list)
    placements: list[PlacementDraft] = field(default_factory=list)
    journeys: list[JourneyDraft] = field(default_factory=list)
    applications: list[ApplicationDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def facts(self) -> Facts:
        """Every person's identifying values together (for duplicates across rows)."""
        joined = Facts()
        for person in self.people:
            joined = Facts(
                phones=joined.phones | person.facts.phones,
                documents=joined.documents | person.facts.documents,
                names=joined.names | person.facts.names,
                years=joined.years | person.facts.years,
                dobs=joined.dobs | person.facts.dobs,
            )
        return joined


class _Reader:
    """Reads one row's cells, collecting problems instead of stopping at the first."""

    def __init__(self, row: SheetRow, mapping: Mapping, today: date) -> None:
        self.row = row
        self.mapping = mapping
        self.today = today
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.row.number, column, message))

    def raw(self, spec: str | None) -> str:
        """The cell's text, or the constant after "="."""
        if not spec:
            return ""
        if spec.startswith("="):
            return spec[1:]
        return self.row.text(spec).strip()

    def needed(self, spec: str) -> str:
        value = self.raw(spec)
        if not value:
            self.problem(spec, str(EMPTY))
        return value

    def date(self, spec: str | None, *, required: bool = False) -> date | None:
        if not spec:
            return None
        cell = None if spec.startswith("=") else self.row.cells.get(spec)
        if isinstance(cell, date):
            found: date | None = cell
        else:
            text = self.raw(spec)
            if not text:
                if required:
                    self.problem(spec, str(EMPTY))
                return None
            found = parse_date(text)
            if found is None:
                self.problem(spec, str(NOT_A_DATE % {"value": text[:40]}))
                return None
        if found is not None and found > self.today:
            self.problem(spec, str(IN_FUTURE % {"date": found.isoformat()}))
            return None
        return found

    def choice(self, spec: str | None, choices: type[E], *, field_name: str) -> E | None:
        text = self.raw(spec)
        if not text:
            return None
        found = choose(text, choices, self.mapping.values.get(field_name, {}))
        if found is None:
            codes = ", ".join(str(value) for value in choices.values)
            self.problem(spec or "", str(NOT_KNOWN % {"value": text[:40], "choices": codes}))
        return found

    def place(self, spec: str | None) -> str:
        text = self.raw(spec)
        if not text:
            return ""
        lang = "ru" if _CYRILLIC.search(text) else "en"
        try:
            return resolve_place(text, lang=lang).code
        except (PlaceNotFound, PlaceAmbiguous) as problem:
            self.problem(spec or "", str(problem))
            return ""


def read_row(row: SheetRow, mapping: Mapping, *, today: date) -> CaseDraft:
    """The case one row describes, with its problems (empty when it can be written)."""
    reader = _Reader(row, mapping, today)
    draft = CaseDraft(row=row.number, reference=reader.raw(mapping.reference))
    draft.region = reader.place(mapping.case.region)
    draft.opened_on = reader.date(mapping.case.opened)
    draft.caseworker = reader.raw(mapping.case.caseworker)
    draft.next_action = reader.raw(mapping.case.next_action)[:200] or "Review the imported case"
    if mapping.case.risk:
        draft.risk = RiskAnswers(
            **{name: _yes_no(reader, column) for name, column in mapping.case.risk.items()}
        )
    for number, columns in enumerate(mapping.people):
        person = _person(reader, columns, principal=number == 0)
        if person is not None:
            draft.people.append(person)
    if not draft.people or draft.people[0].relation is not Relation.PRINCIPAL:
        reader.problem("", str(NO_NAME))
    _milestones(reader, draft)
    for expense in mapping.expenses:
        amount_text = reader.raw(expense.amount)
        if not amount_text:
            continue  # this expense's columns are empty in this row
        spent_on = reader.date(expense.date, required=True)
        amount, currency_in_cell = parse_amount(amount_text)
        if amount is None:
            reader.problem(expense.amount, str(NOT_AN_AMOUNT % {"value": amount_text[:40]}))
        currency = parse_currency(reader.raw(expense.currency)) or currency_in_cell
        if currency is None:
            reader.problem(
                expense.currency, str(CURRENCY_UNKNOWN % {"value": reader.raw(expense.currency)})
            )
        category = reader.choice(expense.category, ExpenseCategory, field_name="category")
        if amount is not None and currency and spent_on and category:
            draft.expenses.append(
                ExpenseDraft(
                    category=category,
                    amount_minor=amount,
                    currency=currency,
                    spent_on=spent_on,
                    funding_source=reader.raw(expense.funding_source),
                )
            )
    for placement in mapping.placements:
        shelter = reader.raw(placement.shelter)
        if not shelter:
            continue
        starts_on = reader.date(placement.starts, required=True)
        if starts_on is not None:
            draft.placements.append(
                PlacementDraft(
                    shelter_ref=shelter,
                    address=reader.needed(placement.address),
                    starts_on=starts_on,
                    ends_on=reader.date(placement.ends),
                )
            )
    for journey in mapping.journeys:
        travel_on = reader.date(journey.date)
        if travel_on is None:
            continue
        kind = reader.choice(journey.kind, LegKind, field_name="journey")
        mode = reader.choice(journey.mode, TravelMode, field_name="mode") or TravelMode.OTHER
        from_place, to_place = reader.place(journey.starts), reader.place(journey.ends)
        if kind is not None and from_place and to_place:
            draft.journeys.append(
                JourneyDraft(
                    kind=kind,
                    from_place=from_place,
                    to_place=to_place,
                    mode=mode,
                    travel_on=travel_on,
                    itinerary=reader.raw(journey.itinerary)[:500] or "—",
                )
            )
    for application in mapping.applications:
        started_on = reader.date(application.started)
        if started_on is None:
            continue
        outcome = reader.choice(application.outcome, ApplicationStatus, field_name="outcome")
        decided_on = reader.date(application.decided) if outcome is not None else None
        draft.applications.append(
            ApplicationDraft(
                route_id=reader.needed(application.route),
                authority=reader.needed(application.authority),
                started_on=started_on,
                reference_number=reader.raw(application.reference_number)[:60],
                outcome=outcome,
                decided_on=decided_on or (started_on if outcome is not None else None),
            )
        )
    draft.notes = [text for column in mapping.notes if (text := reader.raw(column))]
    draft.problems = reader.problems
    return draft


def _person(reader: _Reader, columns: PersonColumns, *, principal: bool) -> PersonDraft | None:
    entries = _names(reader, columns)
    if not entries:
        return None
    relation = reader.choice(columns.relation, Relation, field_name="relation")
    if relation is None or (principal != (relation is Relation.PRINCIPAL)):
        relation = Relation.PRINCIPAL if principal else (relation or Relation.OTHER)
    born = reader.date(columns.date_of_birth)
    phones: list[str] = []
    for column in columns.phones:
        for part in re.split(r"[,;/\n]| или | or ", reader.raw(column)):
            if not part.strip():
                continue
            phone = normalise_phone(part.strip())
            if phone is None:
                reader.problem(column, str(NOT_A_PHONE % {"value": part.strip()[:40]}))
            elif phone not in phones:
                phones.append(phone)
    documents: list[DocumentInput] = []
    for document in columns.documents:
        number = reader.raw(document.number)
        if document.number and not number:
            continue
        kind = reader.choice(document.kind, DocumentKind, field_name="document")
        if kind is not None:
            documents.append(
                DocumentInput(
                    kind=kind,
                    issuing_country=reader.raw(document.issuing_country)[:2].upper(),
                    number=number[:40],
                )
            )
    full = [" ".join(part for part in (e.given, e.patronymic, e.family) if part) for e in entries]
    answers: dict[str, object] = {"names": full, "phones": phones}
    if born is not None:
        answers["date_of_birth"] = born.isoformat()
    answers["documents"] = [document.number for document in documents if document.number]
    data = PersonInput(
        names=entries,
        address_as=entries[0].given or entries[0].family,
        date_of_birth=born,
        contacts=[{"kind": "phone", "value": phone} for phone in phones],
        documents=documents or None,
    )
    return PersonDraft(relation=relation, data=data, facts=facts_from_answers(answers))  # type: ignore[arg-type]  # plain JSON values


def _names(reader: _Reader, columns: PersonColumns) -> list[NameEntry]:
    if columns.name:
        tokens = reader.raw(columns.name).replace(",", " ").split()
        if not tokens:
            return []
        if reader.mapping.name_order == "family_given_patronymic" and len(tokens) > 1:
            family, given, patronymic = tokens[0], tokens[1], " ".join(tokens[2:])
        else:
            given, family = tokens[0], tokens[-1] if len(tokens) > 1 else ""
            patronymic = " ".join(tokens[1:-1])
    else:
        given, family = reader.raw(columns.given), reader.raw(columns.family)
        patronymic = reader.raw(columns.patronymic)
        if not (given or family):
            return []
    script = "cyrl" if _CYRILLIC.search(given + family) else "latn"
    return [
        NameEntry(script=script, given=given[:80], family=family[:80], patronymic=patronymic[:80])
    ]


def _milestones(reader: _Reader, draft: CaseDraft) -> None:
    """Milestones in the mapping's columns, checked in order as the service checks them."""
    found: dict[MilestoneKind, date] = {}
    columns = {MilestoneKind(kind): column for kind, column in reader.mapping.milestones.items()}
    for kind in stages.MILESTONE_ORDER:
        column = columns.get(kind)
        reached = reader.date(column) if column else None
        if reached is None or column is None:
            continue
        try:
            stages.check_milestone(found, kind, reached, reader.today)
        except stages.StageProblem as problem:
            reader.problem(column, str(problem))
            continue
        found[kind] = reached
        draft.milestones.append((kind, reached))


def _yes_no(reader: _Reader, column: str) -> bool:
    text = reader.raw(column).casefold()
    if text in _YES:
        return True
    if text not in _NO:
        reader.problem(column, str(YES_NO % {"value": text[:20]}))
    return False
