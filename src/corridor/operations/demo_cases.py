"""A fictional caseload for the demo: about 200 cases across every phase, flag, closure
reason and risk level, with households, links, milestones, costs, placements and legs,
incidents, and an anonymous tally of requests, spread over the last 30 months so that
reports have whole years to show (the public report needs one that ended half a year ago).

Names are drawn at random from lists of common given names and family names and
combined, in Cyrillic with a Latin transliteration; stories are short generic
phrases. Nothing here is a real person or a real story. Everything goes through
the same services staff use, so the demo exercises the real encryption and the
real audit log.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from corridor.accounts.models import Staff, StaffAlert
from corridor.cases import risk
from corridor.cases.closing import Disposition
from corridor.cases.models import (
    Case,
    ClosureReason,
    ExpenseCategory,
    Flag,
    FundingSource,
    Incident,
    IncidentKind,
    LegKind,
    LinkKind,
    MilestoneKind,
    Phase,
    Relation,
    TravelMode,
)
from corridor.cases.selectors import list_running
from corridor.cases.services import (
    closing,
    corrections,
    costs,
    logistics,
    opening,
    progress,
    safety,
    work,
)
from corridor.cases.services.assignment import assign_case
from corridor.core import clock, tallies
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.core.quarters import quarters_between
from corridor.pathways import applications
from corridor.pathways import selectors as pathway_selectors
from corridor.pathways.models import ApplicationStatus as S
from corridor.pathways.models import DenialReason, SlotAgreement
from corridor.people.inputs import DocumentInput, NameEntry, PersonInput
from corridor.people.models import AgeBand, Channel, DocumentKind, DocumentWhereabouts, Person, Sex
from corridor.shelters.models import WhoMayStay
from corridor.shelters.services import ShelterInput, place_people, register_shelter

GIVEN_MALE = [
    "Магомед",
    "Ислам",
    "Умар",
    "Алихан",
    "Иса",
    "Муса",
    "Зелимхан",
    "Аслан",
    "Руслан",
    "Тимур",
    "Артём",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Максим",
    "Никита",
    "Ахмед",
    "Ибрагим",
    "Салман",
    "Адлан",
]
GIVEN_FEMALE = [
    "Аминат",
    "Мадина",
    "Хава",
    "Зарема",
    "Марьям",
    "Елена",
    "Анна",
    "Ольга",
    "Милана",
    "Седа",
    "Луиза",
    "Татьяна",
]
FAMILY = [
    "Хасанов",
    "Исаев",
    "Умаров",
    "Алиев",
    "Магомедов",
    "Ибрагимов",
    "Мусаев",
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Соколов",
    "Абдуллаев",
    "Юсупов",
    "Дудаев",
    "Гайрбеков",
    "Эльмурзаев",
    "Бисултанов",
    "Орлов",
    "Волков",
]
STORIES = [
    "Задержан и удерживался несколько дней, после освобождения получал угрозы.",
    "Родственники узнали и угрожают; прячется у знакомых.",
    "Полиция забрала документы, требует явиться снова.",
    "Переписку нашли при проверке телефона; опасается за жизнь.",
    "Уехал из региона, но его ищут через родных.",
]
REGIONS = ["RU-CE", "RU-CE", "RU-CE", "RU-IN", "RU-DA"]
KEPT_REASON = "Демо: передано партнёрской организации, она ведёт дальше"
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
# Target phase -> the milestones everyone needs for the derived phase to reach it.
PHASE_MILESTONES: dict[Phase, Sequence[MilestoneKind]] = {
    Phase.INTAKE: (),
    Phase.VERIFICATION: (),
    Phase.SAFETY: (MilestoneKind.OUT_OF_REGION,),
    Phase.PREPARATION: (MilestoneKind.OUT_OF_REGION, MilestoneKind.SAFE_PLACE),
    Phase.DEPARTURE: (
        MilestoneKind.OUT_OF_REGION,
        MilestoneKind.SAFE_PLACE,
        MilestoneKind.DOCUMENTS_READY,
        MilestoneKind.VISA_GRANTED,
    ),
    Phase.ARRIVED: tuple(MilestoneKind)[:6],
    Phase.FOLLOW_UP: tuple(MilestoneKind),
    Phase.CLOSED: tuple(MilestoneKind)[:6],
}
# About 30 months: the latest whole year a public report may cover (six months' lag) is
# always inside it.
DEMO_DAYS = 915
REQUEST_CHANNELS = ("portal", "hotline", "referral")
PHASE_WEIGHTS = {
    Phase.INTAKE: 10,
    Phase.VERIFICATION: 20,
    Phase.SAFETY: 35,
    Phase.PREPARATION: 35,
    Phase.DEPARTURE: 20,
    Phase.ARRIVED: 20,
    Phase.FOLLOW_UP: 20,
    Phase.CLOSED: 40,
}


@dataclass(frozen=True)
class DemoStaff:
    coordinator: Staff
    caseworkers: list[Staff]


def latin(text: str) -> str:
    out = "".join(TRANSLIT.get(ch.lower(), ch) for ch in text)
    return out[:1].upper() + out[1:]


def build_caseload(
    *, actor: Actor, staff: DemoStaff, count: int = 200, seed: int = 2017
) -> list[Case]:
    """Create `count` fictional cases; returns them. Deterministic for a given seed."""
    rng = random.Random(seed)  # noqa: S311 - fictional demo data, not secrets
    today = clock.today()
    _rates(actor, today)
    sources = [
        costs.add_funding_source(actor=actor, code="demo-grant-a", name="Demo grant A"),
        costs.add_funding_source(actor=actor, code="demo-donations", name="Demo donations"),
    ]
    phases = [phase for phase, weight in PHASE_WEIGHTS.items() for _ in range(weight)]
    rng.shuffle(phases)  # so that a small demo has every phase too
    cases: list[Case] = []
    dealt_with_shown = False  # an incident dealt with, for the incident figures and screens
    for number in range(count):
        phase = phases[number % len(phases)] if number < len(phases) else rng.choice(phases)
        opened = today - timedelta(days=rng.randint(5, DEMO_DAYS))
        case = _one_case(
            actor,
            staff,
            rng,
            phase=phase,
            opened=opened,
            today=today,
            sources=sources,
            dealt_with=not dealt_with_shown,
        )
        dealt_with_shown = (
            dealt_with_shown or case.incidents.filter(closed_at__isnull=False).exists()
        )
        cases.append(case)
    _request_tally(rng, today)
    for first, second in zip(cases[::9], cases[1::9], strict=False):
        kind = rng.choice(
            [LinkKind.SAME_FAMILY, LinkKind.TRAVELLING_TOGETHER, LinkKind.SAME_THREAT_ACTOR]
        )
        opening.link_cases(actor=actor, case=first, other=second, kind=kind)
    _this_quarter(actor, cases, rng, today=today)
    _corrections(actor, cases)
    _shelters(staff.coordinator, cases, today=today)
    return cases


# Fictional safe houses: code names, coarse places and invented addresses and hosts.
DEMO_SHELTERS = (
    ("SH-T1", "Тбилиси", "GE-TB", 6, WhoMayStay.ANYONE, None, 1500),
    ("SH-T2", "Тбилиси", "GE-TB", 3, WhoMayStay.WOMEN, 60, 1200),
    ("SH-E1", "Ереван", "AM-ER", 4, WhoMayStay.ANYONE, 30, 0),
    ("SH-M1", "Москва", "RU-MOW", 2, WhoMayStay.ANYONE, 14, 150000),
)


def _shelters(coordinator: Staff, cases: list[Case], *, today: date) -> None:
    """A few registered shelters, with people of running cases placed now and soon."""
    registered = []
    for number, (code, city, region, beds, who, longest, cost) in enumerate(DEMO_SHELTERS):
        registered.append(
            register_shelter(
                actor=coordinator,
                data=ShelterInput(
                    code_name=code,
                    city=city,
                    region=region,
                    address=f"Демо-улица {number + 3}, кв. {number * 7 + 2}",
                    host=f"Демо-хозяин {number + 1}",
                    host_contact=f"+000 000 00 0{number}",
                    capacity=beds,
                    who_may_stay=who,
                    max_nights=longest,
                    children=who == WhoMayStay.ANYONE,
                    accessible=number == 0,
                    nightly_cost_minor=cost,
                    currency="RUB" if region.startswith("RU") else "EUR",
                ),
            )
        )
    running = [case for case in cases if case.phase in (Phase.SAFETY, Phase.PREPARATION)]
    for index, case in enumerate(running[:6]):
        shelter = registered[index % 2 * 2]  # the two open to anyone, with children
        people = [m.person for m in case.members.filter(left_at__isnull=True)]
        starts = today - timedelta(days=3) if index % 2 == 0 else today + timedelta(days=2 + index)
        try:
            place_people(
                actor=coordinator,
                case=case,
                shelter=shelter,
                people=people,
                starts_on=starts,
                ends_on=starts + timedelta(days=12 + index),
            )
        except InvalidInput:
            continue  # full on some night: the demo shows the others


def _this_quarter(actor: Actor, cases: list[Case], rng: random.Random, *, today: date) -> None:
    """Decisions today, whatever the seed drew: the applications board's quarter has a
    denial with its reason and a grant, so every branch of it shows."""
    waiting = [
        application
        for case in cases
        if case.phase in (Phase.SAFETY, Phase.PREPARATION)
        for application in case.applications.filter(status__in=[S.SUBMITTED, S.INTERVIEW])
    ]
    for application, status in zip(waiting, (S.DENIED, S.DENIED, S.GRANTED), strict=False):
        applications.record_status(
            actor=actor,
            application=application,
            status=status,
            on=today,
            denial_reason=rng.choice(list(DenialReason)) if status is S.DENIED else "",
        )


def _corrections(actor: Actor, cases: list[Case]) -> None:
    """A few corrections, so timelines and reports show what a correction looks like: an
    arrival dated a day too late, a status obtained recorded for the wrong household."""
    arrived = [case for case in cases if case.phase == Phase.ARRIVED][:2]
    for case in arrived:
        milestone = case.milestones.filter(kind=MilestoneKind.ARRIVED).first()
        if milestone is None:
            continue
        try:
            corrections.correct_milestone(
                actor=actor,
                case=case,
                milestone=milestone,
                reached_on=milestone.reached_on - timedelta(days=1),
                reason_text="Демо: прилетели после полуночи, записали дату посадки",
            )
        except InvalidInput:
            continue  # the day before is before an earlier step: nothing to show here
    follow_up = next((case for case in cases if case.phase == Phase.FOLLOW_UP), None)
    if follow_up is not None:
        for milestone in follow_up.milestones.filter(kind=MilestoneKind.STATUS_OBTAINED):
            corrections.retract_milestone(
                actor=actor,
                case=follow_up,
                milestone=milestone,
                reason_text="Демо: статус записан не той семье",
            )


def _one_case(
    actor: Actor,
    staff: DemoStaff,
    rng: random.Random,
    *,
    phase: Phase,
    opened: date,
    today: date,
    sources: list[FundingSource],
    dealt_with: bool = False,
) -> Case:
    principal = _person(rng, today=today)
    case = opening.open_case(
        actor=actor,
        principal=principal,
        region=rng.choice(REGIONS),
        phase=Phase.INTAKE if phase is Phase.INTAKE else Phase.VERIFICATION,
        next_action=rng.choice(
            [
                "Позвонить и проверить безопасность",
                "Call back at the safe hour",
                "Собрать документы",
                "Book bus tickets",
            ]
        ),
        next_action_due=today + timedelta(days=rng.randint(-5, 10)),
    )
    Case.objects.filter(pk=case.pk).update(opened_at=_at(opened))
    for _ in range(rng.choice([0, 0, 0, 1, 2])):
        relation = rng.choice([Relation.PARTNER, Relation.CHILD, Relation.SIBLING])
        member = _person(
            rng, today=today, relation=relation, principal_band=principal.age_band or AgeBand.YOUNG
        )
        opening.add_member(actor=actor, case=case, data=member, relation=relation)
    worker = staff.caseworkers[rng.randrange(len(staff.caseworkers))]
    if phase is not Phase.INTAKE:
        assign_case(actor=actor, case=case, staff=worker)
    work.assess_risk(actor=staff.coordinator, case=case, answers=_answers(rng))
    _progress(actor, case, rng, phase=phase, opened=opened, today=today)
    _applications(actor, case, rng, opened=opened, today=today)
    _money(actor, case, rng, opened=opened, today=today, sources=sources)
    _protocol(actor, case, rng)
    _flags(actor, case, rng)
    _past_incident(actor, case, rng, opened=opened, today=today, certain=dealt_with)
    case.refresh_from_db()
    return case


def _progress(
    actor: Actor, case: Case, rng: random.Random, *, phase: Phase, opened: date, today: date
) -> None:
    closure = rng.choice(list(ClosureReason)) if phase is Phase.CLOSED else None
    kinds = PHASE_MILESTONES[phase]
    if closure is not None and closure is not ClosureReason.SAFE:
        kinds = (
            (MilestoneKind.OUT_OF_REGION,)
            if closure in (ClosureReason.SELF_RELOCATED, ClosureReason.REFERRED_OUT)
            else ()
        )
    # Steps come weeks or months apart, not spread over all the time since opening.
    span = max(min((today - opened).days, rng.randint(120, 420)), len(kinds) + 1)
    day = opened
    members = [m.person for m in case.members.filter(left_at__isnull=True).select_related("person")]
    for index, kind in enumerate(kinds):
        day = min(today, opened + timedelta(days=(index + 1) * span // (len(kinds) + 1)))
        if kind is MilestoneKind.SAFE_PLACE:
            logistics.record_placement(
                actor=actor,
                case=case,
                shelter_ref=f"SH-{rng.randint(1, 12):02d}",
                address=f"Демо-адрес, дом {rng.randint(1, 90)}",
                starts_on=day,
            )
            continue
        if kind in (MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY, MilestoneKind.ARRIVED):
            leg_kind = {
                MilestoneKind.OUT_OF_REGION: LegKind.EXIT_REGION,
                MilestoneKind.LEFT_COUNTRY: LegKind.EXIT_COUNTRY,
                MilestoneKind.ARRIVED: LegKind.ARRIVAL,
            }[kind]
            leg = logistics.record_travel_leg(
                actor=actor,
                case=case,
                kind=leg_kind,
                from_place=case.region or "RU-CE",
                to_place=rng.choice(["RU-MOW", "GE", "AM", "DE", "CA", "FR"]),
                mode=rng.choice(list(TravelMode)),
                travel_on=day,
                itinerary="Демо-маршрут",
            )
            logistics.complete_travel_leg(actor=actor, leg=leg, on=day)
            continue
        for person in members:
            if not person.milestones.filter(kind=kind).exists():
                progress.record_milestone(
                    actor=actor, case=case, person=person, kind=kind, reached_on=day
                )
    case.refresh_from_db()
    if closure is not None:
        _close(actor, case, closure)
        closed_on = min(today, day + timedelta(days=rng.randint(3, 40)))
        Case.objects.filter(pk=case.pk).update(closed_at=_at(closed_on))
    elif case.phase != phase and phase not in (Phase.INTAKE, Phase.VERIFICATION):
        progress.advance_phase(actor=actor, case=case, to=phase)
    if case.phase in (Phase.SAFETY, Phase.PREPARATION) and rng.random() < 0.3:
        # People in motion today or tomorrow, for the coordinator's board.
        logistics.record_travel_leg(
            actor=actor,
            case=case,
            kind=LegKind.IN_COUNTRY,
            from_place="RU-MOW",
            to_place="RU-SPE",
            mode=TravelMode.TRAIN,
            travel_on=today + timedelta(days=rng.randint(0, 1)),
            itinerary="Демо: поезд",
        )


DEMO_ROUTES = [
    ("de-humanitarian-admission", "Посольство Германии в Москве"),
    ("lt-humanitarian-visa", "Посольство Литвы в Москве"),
    ("be-humanitarian-visa", "Посольство Бельгии в Москве"),
    ("fr-asylum-visa", "Посольство Франции в Москве"),
    ("ca-upp", "IRCC via UNHCR"),
    ("ch-humanitarian-visa", "Посольство Швейцарии в Москве"),
]
DEMO_SLOT_ROUTE = "lt-humanitarian-visa"
DEMO_SLOT_PLACES = 12
# Status paths a demo application can have walked (each ends in the status shown).
DEMO_PATHS = [
    [],
    [S.SUBMITTED],
    [S.SUBMITTED, S.INTERVIEW],
    [S.SUBMITTED, S.DOCUMENTS_REQUESTED],
    [S.SUBMITTED, S.INTERVIEW, S.GRANTED],
    [S.SUBMITTED, S.GRANTED],
    [S.SUBMITTED, S.INTERVIEW, S.DENIED],
    [S.SUBMITTED, S.DENIED],
    [S.SUBMITTED, S.DENIED, S.APPEALED],
    [S.SUBMITTED, S.WITHDRAWN],
]


def _applications(
    actor: Actor, case: Case, rng: random.Random, *, opened: date, today: date
) -> None:
    """Applications in every status, with grants and denials, for cases past verification."""
    if case.phase in (Phase.INTAKE, Phase.VERIFICATION, Phase.SAFETY) and rng.random() < 0.8:
        return
    people = [m.person for m in case.members.filter(left_at__isnull=True).select_related("person")]
    for _ in range(rng.choice([1, 1, 2])):
        route_id, authority = rng.choice(DEMO_ROUTES)
        if case.phase in (Phase.DEPARTURE, Phase.ARRIVED, Phase.FOLLOW_UP):
            # Their visa milestone is already recorded: the application that won it.
            path = rng.choice([p for p in DEMO_PATHS if S.GRANTED in p])
        else:
            path = rng.choice([p for p in DEMO_PATHS if S.GRANTED not in p])
        span = max(1, (today - opened).days)
        day = opened + timedelta(days=rng.randint(0, span // 2))
        application = applications.start_application(
            actor=actor,
            case=case,
            route_id=route_id,
            authority=authority,
            people=people,
            reference_number=f"DEMO-{rng.randint(10000, 99999)}",
            slot=_demo_place(actor, route_id, authority, today=today),
            started_on=day,
        )
        for status in path:
            day = min(today, day + timedelta(days=rng.randint(5, 60)))
            applications.record_status(
                actor=actor,
                application=application,
                status=status,
                on=day,
                denial_reason=rng.choice(list(DenialReason)) if status is S.DENIED else "",
            )


def _demo_place(
    actor: Actor, route_id: str, authority: str, *, today: date
) -> SlotAgreement | None:
    """The demo's one negotiated agreement (Lithuania's humanitarian visas), while it has
    places left; other routes take no agreed place."""
    if route_id != DEMO_SLOT_ROUTE:
        return None
    found = pathway_selectors.list_slot_agreements(route_id=route_id)
    if not found:
        slot = applications.add_slot_agreement(
            actor=actor,
            route_id=route_id,
            authority=authority,
            places=DEMO_SLOT_PLACES,
            valid_from=today - timedelta(days=3 * 365),
            valid_until=today + timedelta(days=180),
        )
        return slot
    slot, taken = found[0]
    return slot if taken < slot.places else None


def _money(
    actor: Actor,
    case: Case,
    rng: random.Random,
    *,
    opened: date,
    today: date,
    sources: list[FundingSource],
) -> None:
    for _ in range(rng.randint(0, 4)):
        spent = opened + timedelta(days=rng.randint(0, max(0, (today - opened).days)))
        currency = rng.choice(["RUB", "RUB", "EUR"])
        amount = rng.randint(500, 60_000) if currency == "RUB" else rng.randint(20, 900)
        costs.record_expense(
            actor=actor,
            case=case,
            category=rng.choice(list(ExpenseCategory)),
            amount_minor=amount * 100,
            currency=currency,
            spent_on=spent,
            funding_source=rng.choice(sources),
        )


def _protocol(actor: Actor, case: Case, rng: random.Random) -> None:
    if case.phase in (Phase.CLOSED, Phase.INTAKE) or rng.random() < 0.3:
        return
    principal: Person = case.members.get(relation=Relation.PRINCIPAL).person
    safety.set_protocol(
        actor=actor,
        case=case,
        person=principal,
        channel=rng.choice(list(Channel)),
        every_hours=rng.choice([24, 48, 72]),
        safe_hours="после 20:00",
        if_someone_else_answers="Ошиблись номером",
        check_in_word=f"погода {rng.randint(1, 99)}",
        duress_word=f"дождь {rng.randint(100, 199)}",
    )


def _close(actor: Actor, case: Case, closure: ClosureReason) -> None:
    """Close through the checklist: what can end ends, the rest is kept with a reason."""
    pending = pathway_selectors.list_running_applications(case.pk)
    settled = {
        item.key: Disposition(end=item.endable, reason="" if item.endable else KEPT_REASON)
        for item in [*list_running(case), *pending]
    }
    # The demo's people were asked before a hand-over and agreed (nobody said no).
    closing.close_case(
        actor=actor,
        case=case,
        reason=closure,
        dispositions=settled,
        also_running=pending,
        sharing_confirmed=True,
    )


def _flags(actor: Actor, case: Case, rng: random.Random) -> None:
    if case.phase == Phase.CLOSED:
        return
    roll = rng.random()
    if roll < 0.05:
        progress.raise_flag(actor=actor, case=case, flag=Flag.DETAINED, reason="reported")
        safety.raise_incident(actor=actor, case=case, kind=IncidentKind.DETAINED)
    elif roll < 0.09:
        progress.raise_flag(actor=actor, case=case, flag=Flag.MISSING, reason="reported")
    elif roll < 0.14:
        progress.raise_flag(actor=actor, case=case, flag=Flag.ON_HOLD, reason="requested")


def _past_incident(
    actor: Actor, case: Case, rng: random.Random, *, opened: date, today: date, certain: bool
) -> None:
    """Now and then an incident some time ago, mostly dealt with, for the incident figures;
    `certain` makes this case have one, dealt with (a small demo still shows one)."""
    if case.phase == Phase.INTAKE or (rng.random() > 0.15 and not certain):
        return
    kind = rng.choice(
        [
            IncidentKind.MISSED_CHECK_IN,
            IncidentKind.MISSED_CHECK_IN,
            IncidentKind.MISSING,
            IncidentKind.RAID,
            IncidentKind.DURESS,
            IncidentKind.OTHER,
        ]
    )
    incident = safety.raise_incident(actor=actor, case=case, kind=kind)
    happened = opened + timedelta(days=rng.randint(0, max(0, (today - opened).days)))
    Incident.objects.filter(pk=incident.pk).update(created_at=_at(happened))
    if rng.random() < 0.8 or certain:
        for step in safety.CHECKLIST:
            if step == "relocation_decided" and rng.random() < 0.5:
                safety.skip_incident_step(
                    actor=actor,
                    incident=incident,
                    step=step,
                    reason_text="Демо: человек в безопасности, переезд не нужен",
                )
            else:
                safety.complete_incident_step(actor=actor, incident=incident, step=step)
        safety.close_incident(
            actor=actor, incident=incident, outcome="Демо: связь восстановлена, всё в порядке"
        )
        closed = min(today, happened + timedelta(days=rng.randint(0, 6)))
        # The steps were taken in the first hours after it happened, not today.
        steps = Incident.objects.get(pk=incident.pk).checklist
        for number, item in enumerate(steps, start=1):
            done = "done_at" if item.get("done_at") else "skipped_at"
            item[done] = (_at(happened) + timedelta(minutes=20 * number)).isoformat()
        after_steps = _at(happened) + timedelta(minutes=20 * len(steps) + 10)
        closed_at = min(clock.now(), max(_at(closed), after_steps))
        Incident.objects.filter(pk=incident.pk).update(closed_at=closed_at, checklist=steps)
        # Dealt with long ago: the coordinators' alert for it is not news any more.
        StaffAlert.objects.filter(
            case_ref=case.ref, code__in=(safety.INCIDENT_ALERT, safety.DURESS_ALERT)
        ).update(dismissed_at=clock.now())


def _request_tally(rng: random.Random, today: date) -> None:
    """Fictional counts of anonymous requests per quarter, channel and outcome."""
    first = today - timedelta(days=DEMO_DAYS)
    every = quarters_between(first, today)
    for number, quarter in enumerate(every):
        recent = len(every) - number <= 2
        for channel in REQUEST_CHANNELS:
            received = rng.randint(4, 30)
            tallies.increment(
                tallies.INTAKE_REQUESTS,
                period=quarter,
                by=received,
                channel=channel,
                outcome=tallies.RECEIVED,
            )
            left = received
            for outcome, share in (
                ("accepted", 0.45),
                ("declined", 0.25),
                ("duplicate", 0.1),
                ("suspected", 0.05),
            ):
                count = min(left, round(received * share * (0.5 if recent else 1)))
                if count:
                    tallies.increment(
                        tallies.INTAKE_REQUESTS,
                        period=quarter,
                        by=count,
                        channel=channel,
                        outcome=outcome,
                    )
                left -= count


# Ages a relative can have, by the principal's age band: a household whose "child" is older
# than its parent is a demo nobody can learn from.
_BANDS = [AgeBand.CHILD, AgeBand.TEEN, AgeBand.YOUNG, AgeBand.ADULT, AgeBand.OLDER, AgeBand.ELDER]
_AGES = {
    AgeBand.CHILD: (2, 13),
    AgeBand.TEEN: (14, 17),
    AgeBand.YOUNG: (18, 29),
    AgeBand.ADULT: (30, 49),
    AgeBand.OLDER: (50, 64),
    AgeBand.ELDER: (65, 80),
}
_CHILDREN_OF = {AgeBand.YOUNG: [AgeBand.CHILD], AgeBand.ADULT: [AgeBand.CHILD, AgeBand.TEEN]}


def _relative_band(rng: random.Random, relation: str, principal_band: str) -> AgeBand:
    if relation == Relation.CHILD:
        return rng.choice(_CHILDREN_OF.get(AgeBand(principal_band), [AgeBand.CHILD]))
    at = _BANDS.index(AgeBand(principal_band))
    near = [_BANDS[i] for i in (at - 1, at, at + 1) if 0 <= i < len(_BANDS)]
    if relation == Relation.PARTNER:
        near = [band for band in near if band not in (AgeBand.CHILD, AgeBand.TEEN)]
    return rng.choice(near)


def _person(
    rng: random.Random,
    *,
    today: date,
    relation: str | None = None,
    principal_band: str = AgeBand.YOUNG,
) -> PersonInput:
    """The principal when `relation` is None, else a relative of an age that fits it."""
    principal = relation is None
    female = rng.random() < (0.2 if principal else 0.5)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    family = rng.choice(FAMILY) + ("а" if female else "")
    band = (
        rng.choice([AgeBand.YOUNG, AgeBand.YOUNG, AgeBand.ADULT])
        if relation is None
        else _relative_band(rng, relation, principal_band)
    )
    youngest, oldest = _AGES[band]
    born = today.year - rng.randint(youngest, oldest) - 1
    minor = band in (AgeBand.CHILD, AgeBand.TEEN)
    return PersonInput(
        names=[
            NameEntry(script="cyrl", given=given, family=family),
            NameEntry(script="latn", given=latin(given), family=latin(family)),
        ],
        address_as=given,
        date_of_birth=date(born, rng.randint(1, 12), rng.randint(1, 28)),
        contacts=[] if minor else [{"kind": "phone", "value": _phone(rng)}],
        languages=["ru", "ce"] if rng.random() < 0.7 else ["ru"],
        narrative=rng.choice(STORIES) if principal else None,
        profile_tags=["lgbt"] if principal else [],
        nationality="RU",
        current_country="RU",
        sex=Sex.FEMALE if female else Sex.MALE,
        age_band=band,
        # A Russian internal passport is issued at 14: a younger child has none.
        documents=_documents(
            internal=band != AgeBand.CHILD and rng.random() < 0.9,
            international=rng.random() < 0.3,
            confiscated=band != AgeBand.CHILD and rng.random() < 0.15,
        ),
    )


def _documents(*, internal: bool, international: bool, confiscated: bool) -> list[DocumentInput]:
    """The person's passports in the document register, which their route facts derive from
    (no numbers: a demo needs none, and numbers would be one more thing to make up)."""
    where = DocumentWhereabouts.CONFISCATED if confiscated else DocumentWhereabouts.WITH_PERSON
    kinds = [
        kind
        for kind, held in (
            (DocumentKind.INTERNAL_PASSPORT, internal),
            (DocumentKind.INTERNATIONAL_PASSPORT, international),
        )
        if held
    ]
    if confiscated and not kinds:
        kinds = [DocumentKind.INTERNAL_PASSPORT]
    return [DocumentInput(kind=kind, issuing_country="RU", whereabouts=where) for kind in kinds]


def _phone(rng: random.Random) -> str:
    return f"+7 900 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def _answers(rng: random.Random) -> risk.RiskAnswers:
    return risk.RiskAnswers(**{name: rng.random() < 0.2 for name in risk.RiskAnswers.names()})


def _rates(actor: Actor, today: date) -> None:
    """Euro cents per kopeck, one fictional rate a quarter, far enough back for every expense."""
    for quarter in range(DEMO_DAYS // 91 + 2):
        costs.set_exchange_rate(
            actor=actor,
            currency="RUB",
            per_unit=Decimal("0.0105") + Decimal(quarter % 3) / 10_000,
            as_of=today - timedelta(days=91 * quarter),
        )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)
