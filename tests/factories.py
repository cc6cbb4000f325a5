"""Test data builders, in one place: staff (factory_boy); people, cases and portal requests
and applications (through the services, so everything is encrypted and audited as in use).
New tests build through here; a module-local helper may only wrap these.

Role fixtures (`coordinator`, `caseworker`, `verifier`, `admin`) and the `open_case`
factory fixture are in tests/plugins/cases.py, built from these. The case with a canary
in every field is tests/security/case_fixture.build_case (a composite of these); the bulk
caseloads of plain rows that reports count are tests/reports/plain_caseload.py.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import factory
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.cases.services import opening
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.core.actors import RequesterActor
from corridor.intake.models import Request, RequesterSession
from corridor.intake.services.codenames import issue_codename, skip_codename_check
from corridor.intake.services.requests import receive_portal_request
from corridor.pathways.applications import start_application
from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.models import Application
from corridor.pathways.schema import Route, Transit
from corridor.pathways.services import load_catalog
from corridor.people.inputs import NameEntry, PersonInput
from corridor.people.models import DocumentFile, IdentityDocument, Person

TEST_PASSWORD = "correct horse battery staple 7"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: object) -> None:
        wanted = extracted if extracted is not None else [Role.CASEWORKER]
        groups = [Group.objects.get_or_create(name=Role(role).value)[0] for role in wanted]
        self.groups.set(groups)
        self.save()


def staff_with(*roles: Role, **fields: object) -> Staff:
    """A staff member holding exactly `roles` (none: a person with no role yet)."""
    return StaffFactory(roles=list(roles), **fields)


def totp_device(staff: Staff) -> TOTPDevice:
    """A confirmed authenticator for `staff` (codes: tests.accounts.helpers.current_code)."""
    return TOTPDevice.objects.create(user=staff, name="totp", confirmed=True)


def staff_with_device(role: Role) -> tuple[Staff, TOTPDevice]:
    """A staff member in `role` who can pass the second login step."""
    staff = staff_with(role)
    return staff, totp_device(staff)


def person_input(canary: str = "", **overrides) -> PersonInput:
    values = {
        "names": [
            NameEntry(script="cyrl", given=f"Ислам{canary}", family="Умаров"),
            NameEntry(script="latn", given=f"Islam{canary}", family="Umarov"),
        ],
        "address_as": f"Islam {canary}",
        "date_of_birth": date(1994, 3, 7),
        "contacts": [{"kind": "phone", "value": f"+7 900 111-22-33 {canary}"}],
        "narrative": f"story {canary}",
        "nationality": "RU",
        "current_country": "RU",
        "has_international_passport": False,
    }
    values.update(overrides)
    return PersonInput(**values)


def open_case_for(coordinator, caseworker, canary: str = "", *, assign: bool = True) -> Case:
    """A case opened by the coordinator (with a canary in every field), led by the caseworker,
    made with whichever key provider is configured now."""
    case = opening.open_case(
        actor=coordinator,
        principal=person_input(canary),
        region="RU-CE",
        next_action=f"call back {canary}",
        next_action_due=clock.today() + timedelta(days=1),
    )
    if assign:
        assign_case(actor=coordinator, case=case, staff=caseworker)
    case.refresh_from_db()
    return case


def new_case(coordinator, *, given: str = "Amir", due_in_days: int = 0, region: str = "") -> Case:
    """A case with one plain person and a next action, assigned to nobody."""
    return opening.open_case(
        actor=coordinator,
        principal=PersonInput(names=[NameEntry(script="latn", given=given)]),
        region=region,
        next_action="call",
        next_action_due=clock.today() + timedelta(days=due_in_days),
    )


def register_document(
    actor: Staff,
    case: Case,
    *,
    kind: str = "international_passport",
    expires_on: date | None = None,
    whereabouts: str = "with_person",
    person: Person | None = None,
) -> IdentityDocument:
    """A register entry of `person` (default: the case's principal), through the service."""
    from corridor.cases.access import case_key
    from corridor.people import register
    from corridor.people.inputs import DocumentInput
    from corridor.people.models import DocumentKind, DocumentWhereabouts

    return register.add_document(
        actor=actor,
        person=person or case.members.order_by("joined_at", "id").first().person,
        key=case_key(actor, case),
        data=DocumentInput(
            kind=DocumentKind(kind),
            number="75 1234567",
            expires_on=expires_on,
            whereabouts=DocumentWhereabouts(whereabouts),
        ),
        case_ref=case.ref,
    )


def store_scan(
    actor: Staff,
    case: Case,
    *,
    document: IdentityDocument | None = None,
    person: Person | None = None,
    data: bytes = b"scan of a passport page",
    title: str = "passport",
) -> DocumentFile:
    """A stored (stripped, sealed) plain-text 'scan' of `person`'s document."""
    from corridor.cases.access import case_key
    from corridor.people.document_files import attach_file

    owner = person or (document.person if document else None)
    return attach_file(
        actor=actor,
        person=owner or case.members.order_by("joined_at", "id").first().person,
        key=case_key(actor, case),
        data=data,
        title=title,
        document=document,
        case_ref=case.ref,
    )


# ---------------------------------------------------------------- portal requests
REQUESTER = RequesterActor()


def new_digest() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass
class Written:
    """A request as its requester left it: the session, the cookie key and the codename."""

    request: Request
    session: RequesterSession
    holder: bytes
    codename: str


def receive_request(
    story: str = "Нужна помощь",
    *,
    digest: str | None = None,
    token: str | None = None,
    **answers: object,
) -> Request:
    """A request sent through the portal's service, its requester not yet given a codename."""
    return receive_portal_request(
        actor=REQUESTER,
        answers={"story": story, **answers},
        session_digest=digest or new_digest(),
        form_token=token or new_token(),
    )


def write(story: str = "Нужна помощь", **answers: object) -> Written:
    """Send a request and take the codename through the real services."""
    digest = new_digest()
    request = receive_portal_request(
        actor=REQUESTER,
        answers={"story": story, **answers},
        session_digest=digest,
        form_token=new_token(),
    )
    session = RequesterSession.objects.get(digest=digest)
    holder = secrets.token_bytes(32)
    codename = issue_codename(actor=REQUESTER, session=session, holder=holder)
    skip_codename_check(actor=REQUESTER, session=session)
    return Written(request=request, session=session, holder=holder, codename=codename)


# ---------------------------------------------------------------- applications
# A route in the shipped catalog (load it first with load_shipped_catalog).
APPLICATION_ROUTE = "de-humanitarian-admission"


@cache
def catalog_entries() -> list[Route | Transit]:
    """The shipped catalog, parsed once per test run (the files do not change under it)."""
    return [found.entry for found in read_catalog()]


def load_shipped_catalog(actor: Staff) -> None:
    """Load the shipped catalog, so applications can name its routes."""
    load_catalog(actor=actor, entries=catalog_entries())


def start_application_for(
    actor: Staff,
    case: Case,
    *,
    route_id: str = APPLICATION_ROUTE,
    authority: str = "Embassy",
    people: list[Person] | None = None,
    **details: object,
) -> Application:
    """An application on `case` for `people` (default: its only member's person)."""
    return start_application(
        actor=actor,
        case=case,
        route_id=route_id,
        authority=authority,
        people=people if people is not None else [case.members.get().person],
        **details,  # type: ignore[arg-type]  # the service's keyword arguments, as given
    )


# ---------------------------------------------------------------- the typical evacuation
@dataclass(frozen=True)
class EvacuationStep:
    """One form a caseworker submits on a case: the action's address under the case
    (`/cases/<ref>/<path>/`), and what they type, choose and tick there."""

    what: str
    path: str
    fill: dict[str, str]
    select: dict[str, str]
    check: tuple[str, ...] = ()


def typical_evacuation(today: date) -> list[EvacuationStep]:
    """One person, from an accepted request to a closed case: risk assessment, contact
    protocol, three check-ins, a placement, two journeys (the departure and the arrival),
    documents ready, an application submitted then granted, and the closing. Later work must
    keep this at MAX_EVACUATION_SUBMISSIONS or fewer (tests/e2e/test_typical_evacuation.py)."""
    on = today.isoformat()
    check_in = EvacuationStep("check-in", "check-in", {"words": "всё хорошо"}, {})
    return [
        EvacuationStep("risk", "risk", {}, {}, ("threat_from_state", "detained_before")),
        EvacuationStep(
            "protocol",
            "protocol",
            {"every_hours": "24", "check_in_word": "рассвет", "duress_word": "закат"},
            {"channel": "signal"},
        ),
        check_in,
        EvacuationStep(
            "placement",
            "placements/add",
            {"shelter_ref": "SH-07", "address": "квартира у вокзала", "starts_on": on},
            {},
        ),
        check_in,
        EvacuationStep(
            "documents ready", "milestones/add", {"reached_on": on}, {"kind": "documents_ready"}
        ),
        EvacuationStep(
            "application, handed in",
            "applications/start",
            {"authority": "Посольство, Тбилиси"},
            {"route": APPLICATION_ROUTE},
            ("submitted",),
        ),
        EvacuationStep("granted", "applications/status", {"on": on}, {"status": "granted"}),
        check_in,
        EvacuationStep(
            "departure",
            "legs/add",
            {"from_place": "RU-CE", "to_place": "GE", "travel_on": on},
            {"kind": "exit_country", "mode": "plane"},
            ("completed",),
        ),
        EvacuationStep(
            "arrival",
            "legs/add",
            {"to_place": "DE", "travel_on": on},
            {"kind": "arrival", "mode": "plane"},
            ("completed",),
        ),
        EvacuationStep("closing", "close", {}, {"reason": "safe"}),
    ]


# What the person asked us to say if someone else answers: carried into their protocol.
IF_SOMEONE_ELSE_ANSWERS = "Скажите, что ошиблись номером"
# Every state-changing request a person starts, opening the case for work included.
MAX_EVACUATION_SUBMISSIONS = 15


def accepted_case(coordinator: Staff, caseworker: Staff) -> Case:
    """A portal request screened and accepted into a case the caseworker leads."""
    from corridor.core.actors import WORKER
    from corridor.intake.models import Outcome
    from corridor.intake.services.decisions import record_decision
    from corridor.intake.services.opening import open_request
    from corridor.intake.services.screening import screen_request

    written = write(
        story="Мне нужно уехать как можно скорее",
        region="Чечня",
        if_someone_else=IF_SOMEONE_ELSE_ANSWERS,
    )
    screen_request(actor=WORKER, request_id=written.request.pk)
    open_request(actor=coordinator, request_id=written.request.pk)
    decided = record_decision(
        actor=coordinator,
        request_id=written.request.pk,
        outcome=Outcome.ACCEPT,
        methods=["call_held"],
    )
    case = Case.objects.get(pk=decided.case_id)
    assign_case(actor=coordinator, case=case, staff=caseworker, lead=True)
    case.refresh_from_db()
    return case


# The eight people the planner is judged on, as matching facts (changes to the
# pathway tests' INSIDE_RUSSIA: a man inside Russia with only an internal passport).
# Only facts the contract has today; what a persona needs beyond them is in its comment.
PERSONA_FACTS: dict[str, dict[str, object]] = {
    # Chechen man hiding in Moscow; an international passport in about 90 days.
    "P1": {
        "can_obtain_international_passport": True,
        "passport_obtain_days": 90,
        "profile": ["lgbt"],
        "urgency": "emergency",
        "hunted_by": ["family"],
        "gender_identity": "man",
        "document_sex_marker": "M",
    },
    # Valid international passport to 2029; a visa refused by Germany last year.
    "P2": {
        "has_international_passport": True,
        "international_passport_expiry": "2029-05-01",
        "can_obtain_international_passport": True,
        "profile": ["lgbt"],
        "urgency": "urgent",
        "previous_refusals": ["DE"],
    },
    # Two men, a designated partner's referral (the partner holds only the internal passport).
    "P3": {
        "can_obtain_international_passport": True,
        "passport_obtain_days": 90,
        "profile": ["lgbt"],
        "urgency": "emergency",
        "household_size": 2,
        "referrer": "rainbow_railroad",
        # His partner: his own facts, with a valid international passport.
        "members": [
            {
                "nationality": "RU",
                "current_country": "RU",
                "has_internal_passport": True,
                "has_international_passport": True,
                "international_passport_expiry": "2030-06-01",
                "can_obtain_international_passport": True,
                "passport_obtain_days": None,
                "exit_barriers": [],
                "unhcr_registered": False,
                "referral": "none",
                "sponsor_available": False,
                "ties": [],
                "avoid_countries": [],
                "profile": ["lgbt"],
                "urgency": "emergency",
                "household_size": 2,
                "medical_needs": False,
                "referrer": "rainbow_railroad",
                "relation": "same_sex_partner",
            }
        ],
    },
    # Detained and beaten, released with injuries.
    "P4": {
        "can_obtain_international_passport": True,
        "passport_obtain_days": 90,
        "profile": ["lgbt"],
        "urgency": "emergency",
        "medical_needs": True,
        "medical_detail": ["urgent_care", "injuries_to_document"],
    },
    # A fabricated criminal case, on the federal wanted list; holds an international passport.
    "P5": {
        "has_international_passport": True,
        "international_passport_expiry": "2030-01-01",
        "can_obtain_international_passport": True,
        "exit_barriers": ["criminal_case", "wanted"],
        "profile": ["political_opposition"],
        "urgency": "emergency",
        "hunted_by": ["federal_services"],
        "wanted_scope": ["federal"],
    },
    # Relatives took both passports.
    "P6": {
        "has_international_passport": True,
        "international_passport_expiry": "2030-01-01",
        "can_obtain_international_passport": True,
        "passport_obtain_days": 120,
        "exit_barriers": ["documents_confiscated"],
        "profile": ["lgbt"],
        "urgency": "emergency",
    },
    # A woman, 22, fleeing a forced marriage; cannot obtain an international passport; her
    # family is searching for her (whether they filed a case is not known yet).
    "P7": {
        "profile": ["gender_based_persecution"],
        "urgency": "emergency",
        "hunted_by": ["family"],
        "gender_identity": "woman",
        "document_sex_marker": "F",
    },
    # A trans woman; passport expired in 2024, renewable in about 30 days; hormone therapy.
    "P8": {
        "has_international_passport": True,
        "international_passport_expiry": "2024-03-01",
        "can_obtain_international_passport": True,
        "passport_obtain_days": 30,
        "profile": ["lgbt"],
        "urgency": "urgent",
        "medical_needs": True,
        "medical_detail": ["hormone_therapy"],
        "gender_identity": "woman",  # sealed
        "document_sex_marker": "M",  # sealed; no change possible in Russia since July 2023
    },
}


# ---------------------------------------------------------------- spreadsheets to import
# A fictional caseload list shaped like a 2017 evacuation spreadsheet: Russian headings,
# dates written several ways, phones written several ways, one person entered twice under
# two spellings, free-text notes, expenses in roubles and euros, steps across a year.
EVACUATION_LIST_HEADINGS = [
    "№", "ФИО", "Дата рождения", "Телефон", "Паспорт", "Регион", "Куратор", "Дата обращения",
    "Выезд из региона", "Шелтер", "Адрес шелтера", "Заселение", "Документы готовы",
    "Выезд из РФ", "Страна", "Виза", "Решение", "Дата решения",
    "Дата расхода", "Сумма", "Валюта", "Статья", "Источник",
    "Дата расхода 2", "Сумма 2", "Валюта 2", "Примечания",
]  # fmt: skip
EVACUATION_LIST_MAPPING = """
version: 1
reference: "№"
name_order: family_given_patronymic
case:
  region: "Регион"
  caseworker: "Куратор"
  opened: "Дата обращения"
people:
  - name: "ФИО"
    date_of_birth: "Дата рождения"
    phones: ["Телефон"]
    documents:
      - kind: "=internal_passport"
        number: "Паспорт"
milestones:
  out_of_region: "Выезд из региона"
  documents_ready: "Документы готовы"
placements:
  - shelter: "Шелтер"
    address: "Адрес шелтера"
    from: "Заселение"
journeys:
  - kind: "=exit_country"
    date: "Выезд из РФ"
    from: "=RU"
    to: "Страна"
    mode: "=plane"
applications:
  - route: "=de-humanitarian-admission"
    authority: "=Посольство Германии"
    started: "Виза"
    outcome: "Решение"
    decided: "Дата решения"
expenses:
  - date: "Дата расхода"
    amount: "Сумма"
    currency: "Валюта"
    category: "Статья"
    funding_source: "Источник"
  - date: "Дата расхода 2"
    amount: "Сумма 2"
    currency: "Валюта 2"
    category: "=travel_in_country"
notes: ["Примечания"]
values:
  outcome: {"одобрено": granted, "отказ": denied}
  category: {"жильё": housing, "билеты": visas_and_departure}
"""


@dataclass(frozen=True)
class EvacuationList:
    headings: list[str]
    rows: list[list[object]]
    refused: dict[int, str]  # sheet row -> the column the problem is in
    duplicate: tuple[int, int]  # (sheet row, the earlier row it repeats)
    created: int


def evacuation_list_2017(today: date, *, caseworker: str) -> EvacuationList:
    """The fictional list; sheet rows count from 2 (row 1 is the headings)."""
    start = today - timedelta(days=400)

    def day(offset: int) -> date:
        return start + timedelta(days=offset)

    def dotted(offset: int) -> str:
        return day(offset).strftime("%d.%m.%Y")

    months = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]  # fmt: skip

    def spelled(offset: int) -> str:
        value = day(offset)
        return f"{value.day} {months[value.month - 1]} {value.year} г."

    h = dict(enumerate(EVACUATION_LIST_HEADINGS))
    first = {
        "№": "2017-01",
        "ФИО": "Тестов Магомед Ибрагимович",
        "Дата рождения": "12.03.1990",
        "Телефон": "8 (928) 111-22-33",
        "Паспорт": "96 01 123456",
        "Регион": "Чеченская Республика",
        "Куратор": caseworker,
        "Дата обращения": day(0),
        "Выезд из региона": day(5),
        "Шелтер": "SH-01",
        "Адрес шелтера": "Вымышленная ул., 1",
        "Заселение": dotted(9),
        "Документы готовы": dotted(60),
        "Выезд из РФ": day(120),
        "Страна": "Германия",
        "Виза": dotted(30),
        "Решение": "одобрено",
        "Дата решения": dotted(100),
        "Дата расхода": dotted(10),
        "Сумма": "15 000,50",
        "Валюта": "руб.",
        "Статья": "жильё",
        "Источник": "Грант-2017",
        "Дата расхода 2": dotted(119),
        "Сумма 2": "€250",
        "Валюта 2": "EUR",
        "Примечания": "Сестра звонила, просит перезвонить вечером",
    }
    second = {
        "№": "2017-02",
        "ФИО": "Примерова Зарема",
        "Дата рождения": "1994-07-01",
        "Телефон": "+7 928 444 55 66",
        "Регион": "Ингушетия",
        "Куратор": caseworker,
        "Дата обращения": dotted(20),
        "Выезд из региона": spelled(40),
        "Дата расхода": dotted(45),
        "Сумма": "3200",
        "Валюта": "RUB",
        "Статья": "билеты",
        "Источник": "Грант-2017",
    }
    twice = {
        "№": "2017-03",
        "ФИО": "Testov Magomed",
        "Дата рождения": "12/03/1990",
        "Телефон": "+79281112233",
        "Регион": "RU-CE",
        "Дата обращения": dotted(50),
        "Примечания": "Дубль: записали второй раз",
    }
    bad_date = {
        "№": "2017-04",
        "ФИО": "Образцов Руслан",
        "Дата рождения": "32.13.1988",
        "Телефон": "89280000001",
        "Регион": "Дагестан",
        "Дата обращения": dotted(60),
    }
    bad_phone = {
        "№": "2017-05",
        "ФИО": "Вымыслов Адам",
        "Дата рождения": "01.01.1985",
        "Телефон": "не помню",
        "Регион": "Чечня",
        "Дата обращения": dotted(70),
    }
    bad_amount = {
        "№": "2017-06",
        "ФИО": "Условнова Хава",
        "Дата рождения": "05.05.1999",
        "Телефон": "+7-928-777-88-99",
        "Регион": "Чечня",
        "Дата обращения": dotted(80),
        "Выезд из региона": dotted(90),
        "Дата расхода": dotted(95),
        "Сумма": "много",
        "Валюта": "RUB",
        "Статья": "жильё",
    }
    abroad = {
        "№": "2017-07", "ФИО": "Fictional Aslan", "Дата рождения": "1987-11-23",
        "Телефон": "+995 555 12 34 56", "Регион": "Georgia", "Дата обращения": dotted(150),
        "Выезд из региона": dotted(160), "Примечания": "Говорит по-английски",
    }  # fmt: skip
    records = [first, second, twice, bad_date, bad_phone, bad_amount, abroad]
    rows: list[list[object]] = [
        [record.get(h[number], "") for number in range(len(h))] for record in records
    ]
    return EvacuationList(
        headings=list(EVACUATION_LIST_HEADINGS),
        rows=rows,
        refused={5: "Дата рождения", 6: "Телефон", 7: "Сумма"},
        duplicate=(4, 2),
        created=3,
    )


def xlsx_bytes(headings: list[str], rows: list[list[object]]) -> bytes:
    """The rows as an Excel workbook, in memory."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headings: list[str], rows: list[list[object]], *, delimiter: str = ";") -> bytes:
    """The rows as a CSV file (dates written as the sheet would show them)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headings)
    for row in rows:
        writer.writerow(
            [cell.strftime("%d.%m.%Y") if isinstance(cell, date) else cell for cell in row]
        )
    return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------- a case with every part
MOVED_FILE = b"Passport page, as text: "


def fill_case_for_move(coordinator, case: Case, canary: str, link_to: Case | None = None) -> None:
    """Every part a move carries, each sealed one holding the canary: a placement, a
    planned and a cancelled journey, a note, an open and a done task, a risk assessment,
    the consent in force, a registered passport and a file of it, the person's contact
    protocol (next check-in due in 5 hours), an open incident and a closed one (a step
    skipped with a reason, an outcome), and a link to `link_to` when given."""
    from corridor.cases.access import case_key
    from corridor.cases.models import (
        ConsentSource,
        Flag,
        IncidentKind,
        LegKind,
        LinkKind,
        TravelMode,
    )
    from corridor.cases.risk import RiskAnswers
    from corridor.cases.services import logistics, opening, progress, safety, work
    from corridor.cases.services.consent import record_consent
    from corridor.people import register
    from corridor.people.document_files import attach_file
    from corridor.people.inputs import DocumentInput
    from corridor.people.models import Channel, ContactProtocol, DocumentKind

    today = clock.today()
    logistics.record_placement(
        actor=coordinator, case=case, shelter_ref="SH-07", address=f"ул. {canary}, 3",
        starts_on=today - timedelta(days=5), ends_on=None,
    )  # fmt: skip
    logistics.record_travel_leg(
        actor=coordinator, case=case, kind=LegKind.EXIT_COUNTRY, from_place="RU-CE",
        to_place="GE", mode=TravelMode.BUS, travel_on=today + timedelta(days=3),
        itinerary=f"bus {canary}",
    )  # fmt: skip
    called_off = logistics.record_travel_leg(
        actor=coordinator, case=case, kind=LegKind.ARRIVAL, from_place="GE",
        to_place="AM", mode=TravelMode.CAR, travel_on=today + timedelta(days=9),
        itinerary=f"car {canary}",
    )  # fmt: skip
    logistics.cancel_travel_leg(actor=coordinator, leg=called_off)
    work.add_note(actor=coordinator, case=case, body=f"note {canary}")
    done = work.add_task(actor=coordinator, case=case, title=f"done {canary}", due_on=today)
    work.complete_task(actor=coordinator, task=done)
    work.assess_risk(
        actor=coordinator, case=case, answers=RiskAnswers(threat_from_state=True, dependants=True)
    )
    record_consent(
        actor=coordinator, case=case, keep=True, share="ask", source=ConsentSource.PERSON
    )
    person = case.members.first().person
    key = case_key(coordinator, case)
    passport = register.add_document(
        actor=coordinator, person=person, key=key, case_ref=case.ref,
        data=DocumentInput(kind=DocumentKind.INTERNATIONAL_PASSPORT, issuing_country="RU",
                           number=f"75{canary}", issued_on=today - timedelta(days=900)),
    )  # fmt: skip
    attach_file(
        actor=coordinator, person=person, key=key, data=MOVED_FILE + canary.encode(),
        title=f"scan {canary}", document=passport, case_ref=case.ref,
    )  # fmt: skip
    safety.set_protocol(
        actor=coordinator, case=case, person=person, channel=Channel.SIGNAL, every_hours=12,
        safe_hours=f"evenings {canary}", check_in_word="ромашка", duress_word="гроза",
    )  # fmt: skip
    ContactProtocol.objects.filter(person=person).update(
        last_check_in_at=clock.now() - timedelta(hours=7),
        check_in_due_at=clock.now() + timedelta(hours=5),
    )
    safety.raise_incident(actor=coordinator, case=case, kind=IncidentKind.MISSING, person=person)
    closed = safety.raise_incident(actor=coordinator, case=case, kind=IncidentKind.RAID)
    for step in safety.CHECKLIST[1:]:
        safety.complete_incident_step(actor=coordinator, incident=closed, step=step)
    safety.skip_incident_step(
        actor=coordinator, incident=closed, step=safety.CHECKLIST[0],
        reason_text=f"skipped {canary}",
    )  # fmt: skip
    safety.close_incident(actor=coordinator, incident=closed, outcome=f"outcome {canary}")
    progress.raise_flag(actor=coordinator, case=case, flag=Flag.MISSING, reason="reported")
    if link_to is not None:
        opening.link_cases(actor=coordinator, case=case, other=link_to, kind=LinkKind.SAME_FAMILY)


# ---------------------------------------------------------------- shelters
def shelter_for(coordinator: Staff, code: str = "SH-10", **fields: object):
    """A registered shelter (fictional address and host) with `fields` overriding the
    defaults: four beds, anyone, 15.00 EUR a night per bed."""
    from corridor.shelters.services import ShelterInput, register_shelter

    values: dict[str, object] = {
        "code_name": code,
        "city": "Tbilisi",
        "region": "GE-TB",
        "address": f"Fictional street 1, flat {code}",
        "host": "Nino (fictional host)",
        "host_contact": "+995 555 000 000",
        "capacity": 4,
        "nightly_cost_minor": 1500,
        "currency": "EUR",
    }
    values.update(fields)
    return register_shelter(actor=coordinator, data=ShelterInput(**values))  # type: ignore[arg-type]
