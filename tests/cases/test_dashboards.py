"""What the dashboard and the board read from real cases (no keys, plain columns only)."""

from __future__ import annotations

from datetime import timedelta

from corridor.accounts.roles import Role
from corridor.cases import dashboards
from corridor.cases.danger import Signal, Tier
from corridor.cases.models import Flag, IncidentKind, LegKind, Phase, TravelMode
from corridor.cases.services import logistics, progress, safety, work
from corridor.cases.services.assignment import assign_case, unassign_case
from corridor.core import clock
from corridor.people.models import Channel
from tests.cases.conftest import CASE_DB, close_settled
from tests.factories import staff_with

pytestmark = CASE_DB


def principal(case):
    return case.members.get().person


def test_a_missed_check_in_puts_the_case_first_with_its_reasons(
    open_case, caseworker, time_machine
):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    calm, missed, flagged = open_case(), open_case(), open_case()
    safety.set_protocol(
        actor=caseworker,
        case=missed,
        person=principal(missed),
        channel=Channel.SIGNAL,
        every_hours=2,
    )
    progress.raise_flag(actor=caseworker, case=flagged, flag=Flag.MISSING, reason="no_answer")
    time_machine.shift(timedelta(hours=3))
    rows = dashboards.list_my_cases_by_danger(caseworker)
    assert [row.signals.ref for row in rows] == [missed.ref, flagged.ref, calm.ref]
    assert rows[0].tier is Tier.CHECK_IN
    assert rows[0].reasons[0].count == 1
    safety.raise_missed_check_ins()
    rows = dashboards.list_my_cases_by_danger(caseworker)
    assert rows[0].tier is Tier.INCIDENT
    assert [reason.signal for reason in rows[0].reasons] == [
        Signal.INCIDENT,
        Signal.CHECK_IN_OVERDUE,
    ]


def test_duress_outranks_every_other_incident(open_case, caseworker):
    first, second = open_case(), open_case()
    safety.raise_incident(actor=caseworker, case=first, kind=IncidentKind.DETAINED)
    safety.raise_incident(actor=caseworker, case=second, kind=IncidentKind.DURESS)
    rows = dashboards.list_my_cases_by_danger(caseworker)
    assert [row.signals.ref for row in rows] == [second.ref, first.ref]


def test_overdue_tasks_and_targets_come_from_the_case(open_case, caseworker, time_machine):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    case = open_case()
    work.add_task(actor=caseworker, case=case, title="call", due_on=clock.today())
    time_machine.shift(timedelta(days=5))
    row = dashboards.list_my_cases_by_danger(caseworker)[0]
    assert row.signals.overdue_tasks == 2
    assert row.signals.members == 1
    assert row.reasons[-1].signal is Signal.TASKS_OVERDUE
    assert row.reasons[-1].days == 5


def test_only_my_open_cases_are_on_my_dashboard(open_case, caseworker, coordinator):
    mine, closed, taken_away = open_case(), open_case(), open_case()
    open_case(assign=False)
    close_settled(coordinator, closed, "withdrawn")
    unassign_case(actor=coordinator, case=taken_away, staff=caseworker)
    assert [row.signals.ref for row in dashboards.list_my_cases_by_danger(caseworker)] == [mine.ref]


def test_the_board_shows_incidents_motion_phases_queue_and_workload(
    open_case, caseworker, coordinator
):
    led, queued = open_case(), open_case(assign=False)
    incident = safety.raise_incident(actor=coordinator, case=led, kind=IncidentKind.RAID)
    safety.complete_incident_step(actor=coordinator, incident=incident, step="coordinator_informed")
    progress.raise_flag(actor=coordinator, case=queued, flag=Flag.ON_HOLD)
    logistics.record_travel_leg(
        actor=caseworker,
        case=led,
        kind=LegKind.EXIT_REGION,
        from_place="RU-CE",
        to_place="RU-MOW",
        mode=TravelMode.BUS,
        travel_on=clock.today() + timedelta(days=1),
        itinerary="bus",
    )
    idle = staff_with(Role.CASEWORKER)
    board = dashboards.coordinator_board()
    assert [(row.ref, row.done, row.steps) for row in board.incidents] == [(led.ref, 1, 6)]
    assert [(row.ref, row.people) for row in board.in_motion] == [(led.ref, 1)]
    intake = next(column for column in board.phases if column.phase is Phase.INTAKE)
    assert intake.count == 2
    assert intake.flagged == [(queued.ref, ["on_hold"])]
    assert Phase.CLOSED not in {column.phase for column in board.phases}
    assert [case.ref for case in board.unassigned] == [queued.ref]
    assert board.unassigned_count == 1
    loads = {row.username: (row.cases, row.leads) for row in board.workload}
    assert loads[caseworker.username] == (1, 1)
    assert loads[idle.username] == (0, 0)


def test_a_phase_lists_in_pages_of_references(open_case, coordinator, caseworker):
    cases = sorted((open_case() for _ in range(3)), key=lambda case: case.ref)
    page = dashboards.list_cases_in_phase(Phase.INTAKE)
    assert [case.ref for case in page] == [case.ref for case in cases]
    assert [lead.staff for lead in page[0].leads] == [caseworker]
    after = dashboards.list_cases_in_phase(Phase.INTAKE, after=cases[0].ref)
    assert [case.ref for case in after] == [case.ref for case in cases[1:]]
    # Assigning oneself is break-glass: a reason and a fresh confirmation.
    assign_case(
        actor=coordinator,
        case=cases[0],
        staff=coordinator,
        reason="supervision",
        confirmed_at=clock.now(),
    )
    assert [lead.staff for lead in dashboards.list_cases_in_phase(Phase.INTAKE)[0].leads] == [
        coordinator
    ]


def test_the_lead_column_follows_every_assignment_change(open_case, coordinator, caseworker):
    """The board reads Case.lead; the assignment record (what keyd reads) must agree."""
    case = open_case()
    other = staff_with(Role.CASEWORKER)

    def lead():
        case.refresh_from_db()
        return case.lead

    assert lead() == caseworker
    assign_case(actor=coordinator, case=case, staff=other)
    assert lead() == other
    assign_case(actor=coordinator, case=case, staff=other, lead=False)
    assert lead() is None
    assert [row.ref for row in dashboards.list_unassigned()] == [case.ref]
    assign_case(actor=coordinator, case=case, staff=caseworker)
    unassign_case(actor=coordinator, case=case, staff=caseworker)
    assert lead() is None
    loads = {row.username: (row.cases, row.leads) for row in dashboards.count_workload()}
    assert loads[other.username] == (1, 0)


def test_the_worker_job_raises_missed_check_ins(open_case, caseworker, time_machine):
    from corridor.cases.jobs import missed_check_ins

    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    case = open_case()
    safety.set_protocol(
        actor=caseworker, case=case, person=principal(case), channel=Channel.PHONE, every_hours=1
    )
    time_machine.shift(timedelta(hours=2))
    missed_check_ins()
    assert case.incidents.get().kind == IncidentKind.MISSED_CHECK_IN


def test_a_contact_without_the_duress_word_counts_as_a_check_in(
    open_case, caseworker, time_machine
):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    case = open_case()
    person = principal(case)
    safety.set_protocol(
        actor=caseworker,
        case=case,
        person=person,
        channel=Channel.PHONE,
        every_hours=4,
        duress_word="sunset",
    )
    time_machine.shift(timedelta(hours=3))
    assert (
        safety.record_contact(actor=caseworker, case=case, person=person, words="all good") is None
    )
    person.protocol.refresh_from_db()
    assert person.protocol.check_in_due_at == clock.now() + timedelta(hours=4)
    assert not case.incidents.exists()


def test_the_board_counts_the_incidents_and_journeys_it_cannot_list(
    open_case, caseworker, coordinator, monkeypatch
):
    """Past the rows a board lists, it says how many more there are: an incident or a
    journey is never dropped silently."""
    monkeypatch.setattr(dashboards, "INCIDENTS_ON_BOARD", 2)
    monkeypatch.setattr(dashboards, "IN_MOTION_ON_BOARD", 2)
    cases = [open_case() for _ in range(3)]
    for case in cases:
        safety.raise_incident(actor=coordinator, case=case, kind=IncidentKind.RAID)
        logistics.record_travel_leg(
            actor=caseworker,
            case=case,
            kind=LegKind.EXIT_REGION,
            from_place="RU-CE",
            to_place="RU-MOW",
            mode=TravelMode.TRAIN,
            travel_on=clock.today(),
            itinerary="",
        )
    board = dashboards.coordinator_board()
    assert (len(board.incidents), board.incident_count) == (2, 3)
    assert (len(board.in_motion), board.in_motion_count) == (2, 3)
    safety.raise_incident(actor=coordinator, case=cases[0], kind=IncidentKind.MISSING)
    assert dashboards.coordinator_board().incident_count == 4
