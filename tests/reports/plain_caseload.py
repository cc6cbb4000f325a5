"""Caseloads of plain rows only, inserted in bulk: what reports read, without any key.

Reports never decrypt, so the rows they count need no sealed field: cases,
people, memberships, milestones, applications, expenses and incidents are
written here with their plain columns and nothing else (no name, no key). Tests
build exact caseloads (the 2017 figures) and random ones (property tests); the
benchmark builds 100,000 cases the same way.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from corridor.cases.models import (
    Case,
    CaseMember,
    ClosureReason,
    Expense,
    ExpenseCategory,
    FundingSource,
    Incident,
    IncidentKind,
    Milestone,
    MilestoneKind,
    Phase,
    Relation,
    RiskLevel,
)
from corridor.cases.stages import days_after_previous
from corridor.pathways.models import Application, ApplicationStatus, DenialReason
from corridor.people.models import Person

ROUTES = [
    ("DE", "de-humanitarian-admission"),
    ("LT", "lt-humanitarian-visa"),
    ("BE", "be-humanitarian-visa"),
    ("FR", "fr-asylum-visa"),
    ("CA", "ca-upp"),
    ("CH", "ch-humanitarian-visa"),
]
REGIONS = ["RU-CE", "RU-CE", "RU-CE", "RU-IN", "RU-DA", ""]


@dataclass
class PlainApplication:
    country: str
    route_id: str
    status: str
    submitted_on: date | None = None
    decided_on: date | None = None
    denial_reason: str = ""
    people: tuple[int, ...] = (0,)


@dataclass
class PlainCase:
    opened: date
    people: list[dict[str, date]] = field(default_factory=lambda: [{}])
    region: str = "RU-CE"
    risk_level: str = ""
    closure: tuple[str, date] | None = None
    applications: list[PlainApplication] = field(default_factory=list)
    expenses: list[tuple[str, int, date, str | None]] = field(default_factory=list)
    incidents: list[tuple[str, date, date | None]] = field(default_factory=list)


def at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def insert_caseload(cases: Sequence[PlainCase], *, batch: int = 2000) -> None:
    """Write the cases' plain rows in bulk."""
    sources = {source.code: source for source in FundingSource.objects.all()}
    rows: dict[type, list[object]] = {
        model: [] for model in (Case, Person, CaseMember, Milestone, Application, Expense, Incident)
    }
    links = []
    for plain in cases:
        case = Case(
            id=uuid.uuid4(),
            ref=f"T{uuid.uuid4().hex[:11].upper()}",
            phase=Phase.CLOSED if plain.closure else Phase.VERIFICATION,
            closure_reason=plain.closure[0] if plain.closure else "",
            closed_at=at(plain.closure[1]) if plain.closure else None,
            opened_at=at(plain.opened),
            risk_level=plain.risk_level,
            region=plain.region,
        )
        rows[Case].append(case)
        persons = []
        for index, milestones in enumerate(plain.people):
            person = Person(id=uuid.uuid4(), nationality="RU", current_country="RU")
            persons.append(person)
            rows[Person].append(person)
            relation = Relation.PRINCIPAL if index == 0 else Relation.OTHER
            rows[CaseMember].append(CaseMember(case=case, person=person, relation=relation))
            reached = {MilestoneKind(kind): on for kind, on in milestones.items()}
            for kind, reached_on in reached.items():
                rows[Milestone].append(
                    Milestone(
                        case=case,
                        person=person,
                        kind=kind,
                        reached_on=reached_on,
                        days_after_previous=days_after_previous(reached, kind),
                    )
                )
        for plain_app in plain.applications:
            application = Application(
                id=uuid.uuid4(),
                case=case,
                route_id=plain_app.route_id,
                country=plain_app.country,
                authority="Embassy",
                status=plain_app.status,
                submitted_on=plain_app.submitted_on,
                decided_on=plain_app.decided_on,
                denial_reason=plain_app.denial_reason,
            )
            rows[Application].append(application)
            links += [(application, persons[i]) for i in plain_app.people if i < len(persons)]
        for category, amount, spent_on, source in plain.expenses:
            if source and source not in sources:
                sources[source] = FundingSource.objects.create(code=source, name=source)
            rows[Expense].append(
                Expense(
                    case=case,
                    category=category,
                    amount_minor=amount,
                    currency="EUR",
                    spent_on=spent_on,
                    funding_source=sources.get(source) if source else None,
                    amount_reporting_minor=amount,
                )
            )
        for kind, opened_on, closed_on in plain.incidents:
            rows[Incident].append(
                Incident(
                    id=uuid.uuid4(),
                    case=case,
                    kind=kind,
                    opened_by="system:test",
                    created_at=at(opened_on),
                    closed_at=at(closed_on) if closed_on else None,
                )
            )
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=batch)
    through = Application.people.through
    through.objects.bulk_create(
        [through(application=app, person=person) for app, person in links], batch_size=batch
    )


def random_case(
    rng: random.Random, *, start: date, end: date, applications: int | None = None
) -> PlainCase:
    """One case opened between start and end, with ordered milestones, applications,
    costs, incidents and perhaps a closure, all dated before `end`."""
    opened = start + timedelta(days=rng.randrange(max(1, (end - start).days)))
    people = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        day, reached = opened, {}
        for kind in MilestoneKind:
            if rng.random() < 0.35:
                break
            day += timedelta(days=rng.randint(0, 40))
            if day > end:
                break
            reached[kind.value] = day
            if kind is MilestoneKind.SAFE_PLACE and rng.random() < 0.5:
                break
        people.append(reached)
    case = PlainCase(
        opened=opened,
        people=people,
        region=rng.choice(REGIONS),
        risk_level=rng.choice([*RiskLevel.values, ""]),
    )
    count = rng.choice([0, 0, 1, 2, 3, 4]) if applications is None else applications
    for _ in range(count):
        case.applications.append(_random_application(rng, opened, end, len(people)))
    for _ in range(rng.randint(0, 3)):
        spent = opened + timedelta(days=rng.randint(0, 90))
        if spent <= end:
            case.expenses.append(
                (
                    rng.choice(ExpenseCategory.values),
                    rng.randint(10, 5000) * 100,
                    spent,
                    rng.choice(["grant-a", "donations", None]),
                )
            )
    if rng.random() < 0.1:
        opened_on = opened + timedelta(days=rng.randint(0, 30))
        closed_on = opened_on + timedelta(days=rng.randint(0, 10)) if rng.random() < 0.7 else None
        if opened_on <= end:
            case.incidents.append((rng.choice(IncidentKind.values), opened_on, closed_on))
    if rng.random() < 0.25:
        closed = opened + timedelta(days=rng.randint(30, 300))
        if closed <= end:
            case.closure = (rng.choice(ClosureReason.values), closed)
    return case


def _random_application(
    rng: random.Random, opened: date, end: date, people: int
) -> PlainApplication:
    s = ApplicationStatus
    country, route = rng.choice(ROUTES)
    status = rng.choice(
        [s.GRANTED, s.GRANTED, s.DENIED, s.SUBMITTED, s.INTERVIEW, s.WITHDRAWN, s.APPEALED]
    )
    submitted: date | None = opened + timedelta(days=rng.randint(0, 60))
    decided: date | None = None
    if submitted is not None and submitted > end:
        status, submitted = s.DRAFT, None
    elif status in (s.GRANTED, s.DENIED, s.APPEALED):
        decided = submitted + timedelta(days=rng.randint(5, 120))  # type: ignore[operator]
        if decided > end:
            status, decided = s.SUBMITTED, None
    return PlainApplication(
        country=country,
        route_id=route,
        status=status,
        submitted_on=submitted,
        decided_on=decided,
        denial_reason=rng.choice(DenialReason.values) if status in (s.DENIED, s.APPEALED) else "",
        people=tuple(range(people)),
    )


def random_caseload(
    rng: random.Random,
    count: int,
    *,
    start: date,
    end: date,
    applications: int | None = None,
) -> list[PlainCase]:
    return [random_case(rng, start=start, end=end, applications=applications) for _ in range(count)]
