"""Case services: what they change, and every bad input refused with nothing half-written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import (
    Case,
    CaseFlag,
    CaseMember,
    ExpenseCategory,
    Flag,
    Incident,
    IncidentKind,
    LegKind,
    LinkKind,
    MilestoneKind,
    Phase,
    Relation,
    TimelineEntry,
    TravelMode,
)
from corridor.cases.services import closing, costs, logistics, opening, progress, safety, work
from corridor.cases.services.assignment import assign_case
from corridor.cases.stages import StageProblem
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from corridor.people.models import Channel
from tests.cases.conftest import CASE_DB, close_settled
from tests.factories import person_input, staff_with

pytestmark = CASE_DB


def principal_of(case: Case):
    return case.members.get(relation=Relation.PRINCIPAL).person


def table_bytes(table: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed test table names
        return repr(cursor.fetchall()).encode()


def test_opening_a_case_seals_every_personal_field(open_case, canary):
    """The principal's names, contacts and story are in no table as plaintext."""
    case = open_case(canary)
    assert case.ref.startswith("CR-")
    for table in (
        "people_person",
        "cases_case",
        "cases_task",
        "cases_timelineentry",
        "audit_entry",
    ):
        assert canary.encode() not in table_bytes(table), table
    assert case.tasks.filter(done_at__isnull=True).count() == 1


def test_the_timeline_and_the_audit_log_record_each_change(open_case, coordinator):
    case = open_case()
    kinds = list(TimelineEntry.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds[:3] == ["cases.case_opened", "cases.task_added", "cases.case_assigned"]
    assert (
        AuditEntry.objects.filter(case_id=case.ref, event_type="people.person_created").count() == 1
    )


def test_milestones_move_the_phase_and_a_future_date_is_refused(open_case, coordinator):
    case = open_case()
    person = principal_of(case)
    with pytest.raises(StageProblem, match="future"):
        progress.record_milestone(
            actor=coordinator,
            case=case,
            person=person,
            kind=MilestoneKind.OUT_OF_REGION,
            reached_on=clock.today() + timedelta(days=1),
        )
    assert not person.milestones.exists()
    progress.record_milestone(
        actor=coordinator,
        case=case,
        person=person,
        kind=MilestoneKind.OUT_OF_REGION,
        reached_on=clock.today(),
    )
    case.refresh_from_db()
    assert case.phase == Phase.SAFETY


def test_a_stale_form_is_refused(open_case, coordinator):
    """A phase change from a page showing an older version changes nothing."""
    case = open_case()
    old = case.version
    work.add_note(actor=coordinator, case=case, body="something changed")
    case.refresh_from_db()
    with pytest.raises(InvalidInput, match="Someone else changed"):
        progress.advance_phase(actor=coordinator, case=case, to=Phase.VERIFICATION, version=old)
    case.refresh_from_db()
    assert case.phase == Phase.INTAKE


def test_a_person_in_two_open_cases_is_refused(open_case, coordinator):
    first, second = open_case(), open_case()
    person = principal_of(first)
    with pytest.raises(InvalidInput, match="already in another open case"):
        opening.move_member(actor=coordinator, case=second, person=person, relation=Relation.OTHER)
    assert CaseMember.objects.filter(person=person).count() == 1


def test_an_assignee_without_the_role_is_refused(open_case, coordinator):
    case = open_case(assign=False)
    auditor = staff_with(Role.AUDITOR)
    with pytest.raises(InvalidInput, match="caseworkers or coordinators"):
        assign_case(actor=coordinator, case=case, staff=auditor)
    assert not case.assignments.exists()


def test_a_new_lead_ends_the_previous_one(open_case, coordinator, caseworker):
    case = open_case()
    other = staff_with(Role.CASEWORKER)
    assign_case(actor=coordinator, case=case, staff=other)
    leads = case.assignments.filter(lead=True, ended_at__isnull=True)
    assert [a.staff for a in leads] == [other]


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        (-500, "RUB", "positive"),
        (0, "EUR", "positive"),
        (100, "XXX", "Unknown currency"),
        (100, "rub", "no exchange rate"),
    ],
)
def test_bad_expenses_are_refused(open_case, coordinator, amount, currency, message):
    case = open_case()
    with pytest.raises(InvalidInput, match=message):
        costs.record_expense(
            actor=coordinator,
            case=case,
            category=ExpenseCategory.FOOD,
            amount_minor=amount,
            currency=currency,
            spent_on=clock.today(),
        )
    assert not case.expenses.exists()


def test_expenses_convert_with_the_latest_rate_before_the_day(open_case, coordinator):
    case = open_case()
    today = clock.today()
    costs.set_exchange_rate(
        actor=coordinator,
        currency="RUB",
        per_unit=Decimal("0.01"),
        as_of=today - timedelta(days=30),
    )
    costs.set_exchange_rate(
        actor=coordinator, currency="RUB", per_unit=Decimal("0.02"), as_of=today - timedelta(days=5)
    )
    early = costs.record_expense(
        actor=coordinator,
        case=case,
        category=ExpenseCategory.HOUSING,
        amount_minor=100_000,
        currency="RUB",
        spent_on=today - timedelta(days=10),
    )
    euros = costs.record_expense(
        actor=coordinator,
        case=case,
        category=ExpenseCategory.FOOD,
        amount_minor=2_500,
        currency="EUR",
        spent_on=today,
    )
    assert early.amount_reporting_minor == 1_000
    assert euros.amount_reporting_minor == 2_500


def test_completing_the_last_action_needs_the_next_one(open_case, coordinator):
    case = open_case()
    task = case.tasks.get()
    with pytest.raises(InvalidInput, match="last open action"):
        work.complete_task(actor=coordinator, task=task)
    task.refresh_from_db()
    assert task.done_at is None
    new = work.complete_task(actor=coordinator, task=task, next_title="book tickets")
    assert new is not None
    assert case.tasks.filter(done_at__isnull=True).get() == new


def test_a_placement_and_completed_legs_set_milestones(open_case, coordinator):
    case = open_case()
    opening.add_member(actor=coordinator, case=case, data=person_input(), relation=Relation.PARTNER)
    day = clock.today() - timedelta(days=3)
    leg = logistics.record_travel_leg(
        actor=coordinator,
        case=case,
        kind=LegKind.EXIT_REGION,
        from_place="RU-CE",
        to_place="RU-MOW",
        mode=TravelMode.BUS,
        travel_on=day,
        itinerary="bus 07:40",
    )
    logistics.complete_travel_leg(actor=coordinator, leg=leg, on=day)
    logistics.record_placement(
        actor=coordinator, case=case, shelter_ref="SH-07", address="flat", starts_on=day
    )
    case.refresh_from_db()
    assert case.phase == Phase.PREPARATION
    for member in case.members.all():
        assert set(member.person.milestones.values_list("kind", flat=True)) == {
            MilestoneKind.OUT_OF_REGION,
            MilestoneKind.SAFE_PLACE,
        }


def test_closing_and_reopening(open_case, coordinator):
    case = open_case()
    with pytest.raises(StageProblem):
        close_settled(coordinator, case, "safe")
    close_settled(coordinator, case, "lost_contact")
    case.refresh_from_db()
    assert (case.phase, case.closure_reason) == (Phase.CLOSED, "lost_contact")
    with pytest.raises(StageProblem, match="closed case"):
        progress.raise_flag(actor=coordinator, case=case, flag=Flag.MISSING)
    closing.reopen_case(actor=coordinator, case=case, reason="contact_resumed")
    case.refresh_from_db()
    assert (case.phase, case.closure_reason, case.reopened_count) == (Phase.VERIFICATION, "", 1)


def test_a_missed_check_in_raises_an_incident_and_flags_linked_cases(
    open_case, coordinator, time_machine
):
    """Time frozen: an hour past the interval, the sweep opens an incident, alerts the
    coordinators and flags the linked family case and the case sharing the shelter."""
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    case, family, shelter_mate, stranger = open_case(), open_case(), open_case(), open_case()
    opening.link_cases(actor=coordinator, case=case, other=family, kind=LinkKind.SAME_FAMILY)
    for other in (case, shelter_mate):
        logistics.record_placement(
            actor=coordinator,
            case=other,
            shelter_ref="SH-01",
            address="x",
            starts_on=date(2026, 2, 20),
        )
    safety.set_protocol(
        actor=coordinator,
        case=case,
        person=principal_of(case),
        channel=Channel.SIGNAL,
        every_hours=24,
        check_in_word="ясное небо",
        duress_word="гроза",
    )
    time_machine.shift(timedelta(hours=23))
    assert safety.raise_missed_check_ins() == 0
    time_machine.shift(timedelta(hours=2))
    assert safety.raise_missed_check_ins() == 1
    assert safety.raise_missed_check_ins() == 0  # once
    incident = Incident.objects.get(case=case)
    assert incident.kind == IncidentKind.MISSED_CHECK_IN
    assert [step["done_at"] for step in incident.checklist] == [""] * 6
    compromised = set(
        CaseFlag.objects.filter(flag=Flag.COMPROMISED, cleared_at__isnull=True).values_list(
            "case__ref", flat=True
        )
    )
    assert compromised == {family.ref, shelter_mate.ref}
    assert stranger.ref not in compromised
    from corridor.accounts.models import StaffAlert

    assert StaffAlert.objects.filter(
        staff=coordinator, code="incident_opened", case_ref=case.ref
    ).exists()


def test_a_duress_word_in_a_message_raises_an_incident_at_once(open_case, coordinator):
    case = open_case()
    person = principal_of(case)
    safety.set_protocol(
        actor=coordinator,
        case=case,
        person=person,
        channel=Channel.PHONE,
        every_hours=48,
        check_in_word="ясное небо",
        duress_word="Гроза",
    )
    assert (
        safety.receive_message(actor=coordinator, case=case, person=person, text="всё хорошо")
        is None
    )
    incident = safety.receive_message(
        actor=coordinator, case=case, person=person, text="Тут ГРОЗА, не звоните"
    )
    assert incident is not None
    assert incident.kind == IncidentKind.DURESS


def test_the_check_in_word_counts_as_a_check_in(open_case, coordinator, time_machine):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    case = open_case()
    person = principal_of(case)
    protocol = safety.set_protocol(
        actor=coordinator,
        case=case,
        person=person,
        channel=Channel.PHONE,
        every_hours=24,
        check_in_word="ясное небо",
        duress_word="гроза",
    )
    time_machine.shift(timedelta(hours=20))
    safety.receive_message(actor=coordinator, case=case, person=person, text="Ясное небо!")
    protocol.refresh_from_db()
    assert protocol.check_in_due_at.isoformat().startswith("2026-03-03T08:00")


def test_protocol_words_are_checked(open_case, coordinator):
    case = open_case()
    with pytest.raises(InvalidInput, match="must differ"):
        safety.set_protocol(
            actor=coordinator,
            case=case,
            person=principal_of(case),
            channel=Channel.PHONE,
            every_hours=24,
            check_in_word="небо",
            duress_word="Небо",
        )
    with pytest.raises(InvalidInput, match="interval"):
        safety.set_protocol(
            actor=coordinator,
            case=case,
            person=principal_of(case),
            channel=Channel.PHONE,
            every_hours=0,
        )


def test_incident_checklist_steps_are_done_once(open_case, coordinator):
    case = open_case()
    incident = safety.raise_incident(actor=coordinator, case=case, kind=IncidentKind.RAID)
    safety.complete_incident_step(actor=coordinator, incident=incident, step="person_contacted")
    with pytest.raises(InvalidInput, match="already done"):
        safety.complete_incident_step(actor=coordinator, incident=incident, step="person_contacted")
    with pytest.raises(InvalidInput, match="not a step"):
        safety.complete_incident_step(actor=coordinator, incident=incident, step="panic")
    for step in safety.CHECKLIST:
        if step != "person_contacted":
            safety.complete_incident_step(actor=coordinator, incident=incident, step=step)
    safety.close_incident(actor=coordinator, incident=incident, outcome="safe again")
    assert Incident.objects.get().closed_at is not None


def test_risk_assessment_seals_answers_and_sets_the_level(open_case, coordinator):
    from corridor.cases.risk import RiskAnswers

    case = open_case()
    work.assess_risk(
        actor=coordinator,
        case=case,
        answers=RiskAnswers(threat_from_state=True, detained_before=True),
    )
    case.refresh_from_db()
    assert (case.risk_level, case.risk_score) == ("critical", 50)
    assert b"threat_from_state" not in table_bytes("cases_riskassessment")


def test_each_milestone_keeps_its_days_since_the_step_before(open_case, coordinator):
    """The days the report groups by: set when a step is recorded, and set on the next
    step when the one before it is recorded late; null while the step before is missing."""
    case = open_case()
    person = principal_of(case)
    today = clock.today()

    def record(kind: MilestoneKind, days_ago: int) -> None:
        progress.record_milestone(
            actor=coordinator,
            case=case,
            person=person,
            kind=kind,
            reached_on=today - timedelta(days=days_ago),
        )

    def kept() -> dict[str, int | None]:
        return dict(person.milestones.values_list("kind", "days_after_previous"))

    record(MilestoneKind.OUT_OF_REGION, 30)
    record(MilestoneKind.DOCUMENTS_READY, 10)
    assert kept() == {MilestoneKind.OUT_OF_REGION: None, MilestoneKind.DOCUMENTS_READY: None}
    record(MilestoneKind.SAFE_PLACE, 25)
    assert kept() == {
        MilestoneKind.OUT_OF_REGION: None,
        MilestoneKind.SAFE_PLACE: 5,
        MilestoneKind.DOCUMENTS_READY: 15,
    }


def test_erasing_a_case_recounts_the_days_of_someone_who_moved_on(open_case, coordinator):
    """A person's step in an erased case no longer counts as the step before the one they
    reached in the case they moved to."""
    from corridor.accounts import approvals
    from corridor.accounts.models import ApprovalKind
    from corridor.cases.services import erasure

    first, second = open_case(), open_case()
    mover = opening.add_member(
        actor=coordinator, case=first, data=person_input(), relation=Relation.PARTNER
    )
    today = clock.today()
    progress.record_milestone(
        actor=coordinator,
        case=first,
        person=mover,
        kind=MilestoneKind.OUT_OF_REGION,
        reached_on=today - timedelta(days=20),
    )
    opening.remove_member(actor=coordinator, case=first, person=mover)
    opening.move_member(actor=coordinator, case=second, person=mover, relation=Relation.PARTNER)
    progress.record_milestone(
        actor=coordinator,
        case=second,
        person=mover,
        kind=MilestoneKind.SAFE_PLACE,
        reached_on=today - timedelta(days=5),
    )
    assert mover.milestones.get(kind=MilestoneKind.SAFE_PLACE).days_after_previous == 15
    approval = approvals.request_approval(
        actor=coordinator,
        kind=ApprovalKind.ERASE_CASE,
        target_type="cases.case",
        target_id=str(first.pk),
        reason="retention",
    )
    approvals.grant_approval(actor=staff_with(Role.COORDINATOR), approval_id=str(approval.pk))

    erasure.erase_case(actor=coordinator, case=first, approval_id=str(approval.pk))

    remaining = dict(mover.milestones.values_list("kind", "days_after_previous"))
    assert remaining == {MilestoneKind.SAFE_PLACE: None}
