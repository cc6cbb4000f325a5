"""Corrections: a milestone's date corrected or the milestone retracted, an application's
last status withdrawn. Each keeps the step days right, moves the phase back when the
milestones no longer carry it, reaches the reports, and leaves a sealed reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from corridor.audit.access import access_reason_note_by_seq
from corridor.audit.models import AuditEntry, ReasonNote
from corridor.cases.models import LegKind, Milestone, MilestoneKind, Phase, TimelineEntry
from corridor.cases.services import corrections, logistics, progress
from corridor.cases.services._base import case_key
from corridor.cases.stages import StageProblem
from corridor.core.exceptions import InvalidInput
from corridor.pathways.applications import record_status, retract_status
from corridor.pathways.models import ApplicationStatus
from corridor.reports import public
from corridor.reports.periods import parse_period
from corridor.reports.selectors import applications as application_figures
from corridor.reports.selectors import people as people_figures
from tests.cases.conftest import CASE_DB
from tests.factories import load_shipped_catalog, start_application_for

pytestmark = CASE_DB

TODAY = date(2026, 6, 15)
YEAR = parse_period("2026")


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to("2026-06-15 10:00:00Z", tick=False)


def travelled(case, actor, *kinds_and_days):
    """Complete journeys of these kinds, each `days` before today."""
    for kind, days in kinds_and_days:
        leg = logistics.record_travel_leg(
            actor=actor,
            case=case,
            kind=kind,
            from_place="RU-CE",
            to_place="GE",
            mode="bus",
            travel_on=TODAY - timedelta(days=days),
            itinerary="",
        )
        logistics.complete_travel_leg(actor=actor, leg=leg, on=TODAY - timedelta(days=days))
    case.refresh_from_db()


def step(case, kind):
    return Milestone.objects.get(case=case, kind=kind)


def last_event():
    return AuditEntry.objects.order_by("-seq").first()


def test_a_corrected_date_recounts_the_days_and_keeps_the_reason_sealed(
    frozen, open_case, caseworker
):
    case = open_case()
    person = case.members.get().person
    for kind, days in ((MilestoneKind.OUT_OF_REGION, 30), (MilestoneKind.SAFE_PLACE, 10)):
        progress.record_milestone(
            actor=caseworker,
            case=case,
            person=person,
            kind=kind,
            reached_on=TODAY - timedelta(days=days),
        )
    assert step(case, MilestoneKind.SAFE_PLACE).days_after_previous == 20
    corrections.correct_milestone(
        actor=caseworker,
        case=case,
        milestone=step(case, MilestoneKind.OUT_OF_REGION),
        reached_on=TODAY - timedelta(days=25),
        reason_text="typed the bus date, not the day she left",
    )
    assert step(case, MilestoneKind.OUT_OF_REGION).reached_on == TODAY - timedelta(days=25)
    # The step after it is recounted, so the reports' days between steps stay right.
    assert step(case, MilestoneKind.SAFE_PLACE).days_after_previous == 15
    assert people_figures.days_between_steps(YEAR) == {
        (MilestoneKind.OUT_OF_REGION, MilestoneKind.SAFE_PLACE): {15: 1}
    }
    event = last_event()
    assert event.event_type == "cases.milestone_corrected"
    assert "typed the bus date" not in event.detail
    note = access_reason_note_by_seq(
        actor=caseworker, seq=event.seq, key=case_key(caseworker, case)
    )
    assert note == "typed the bus date, not the day she left"
    line = TimelineEntry.objects.filter(case=case, kind="cases.milestone_corrected").get()
    assert (
        line.detail == f"out_of_region: {TODAY - timedelta(days=30)} → {TODAY - timedelta(days=25)}"
    )


@pytest.mark.parametrize(
    ("days", "says"),
    [
        (-1, "future"),
        (5, "cannot be dated after"),  # after "left the country" (10 days ago), which needs it
    ],
)
def test_a_correction_out_of_order_is_refused_and_nothing_changes(
    frozen, open_case, caseworker, days, says
):
    case = open_case()
    travelled(case, caseworker, (LegKind.EXIT_REGION, 30), (LegKind.EXIT_COUNTRY, 10))
    with pytest.raises(StageProblem, match=says):
        corrections.correct_milestone(
            actor=caseworker,
            case=case,
            milestone=step(case, MilestoneKind.OUT_OF_REGION),
            reached_on=TODAY - timedelta(days=days),
            reason_text="wrong",
        )
    assert step(case, MilestoneKind.OUT_OF_REGION).reached_on == TODAY - timedelta(days=30)


def test_a_correction_needs_a_reason_and_a_milestone_of_this_case(frozen, open_case, caseworker):
    case, other = open_case(), open_case()
    travelled(case, caseworker, (LegKind.EXIT_REGION, 30))
    travelled(other, caseworker, (LegKind.EXIT_REGION, 30))
    with pytest.raises(InvalidInput, match="Say why"):
        corrections.retract_milestone(
            actor=caseworker,
            case=case,
            milestone=step(case, MilestoneKind.OUT_OF_REGION),
            reason_text="  ",
        )
    with pytest.raises(InvalidInput, match="not part of this case"):
        corrections.retract_milestone(
            actor=caseworker,
            case=case,
            milestone=step(other, MilestoneKind.OUT_OF_REGION),
            reason_text="wrong case",
        )
    assert Milestone.objects.count() == 2


def test_a_retracted_left_the_country_leaves_the_reports_and_the_phase_follows(
    frozen, open_case, caseworker
):
    """The misclick of the issue: 'left the country' recorded for the wrong person."""
    case = open_case()
    travelled(case, caseworker, (LegKind.EXIT_REGION, 30), (LegKind.ARRIVAL, 10))
    quarter = "2026Q2"
    assert case.phase == Phase.ARRIVED
    assert public.read_public_counts(YEAR).milestones[(MilestoneKind.LEFT_COUNTRY, quarter)] == 1
    with pytest.raises(StageProblem, match="Retract “Arrived” first"):
        corrections.retract_milestone(
            actor=caseworker,
            case=case,
            milestone=step(case, MilestoneKind.LEFT_COUNTRY),
            reason_text="wrong person",
        )
    for kind in (MilestoneKind.ARRIVED, MilestoneKind.LEFT_COUNTRY):
        corrections.retract_milestone(
            actor=caseworker, case=case, milestone=step(case, kind), reason_text="wrong person"
        )
    counts = public.read_public_counts(YEAR)
    assert (MilestoneKind.LEFT_COUNTRY, quarter) not in counts.milestones
    assert (MilestoneKind.ARRIVED, quarter) not in counts.milestones
    assert counts.milestones[(MilestoneKind.OUT_OF_REGION, quarter)] == 1
    assert counts.days_region_to_country == {}
    assert people_figures.count_milestone_totals(None).get(MilestoneKind.LEFT_COUNTRY, 0) == 0
    case.refresh_from_db()
    assert case.phase == Phase.SAFETY
    latest = TimelineEntry.objects.filter(case=case).order_by("-id")
    kinds = list(latest.values_list("kind", flat=True)[:3])
    # Without "arrived" the case is no longer arrived; without "left the country" it stays.
    assert kinds == [
        "cases.milestone_retracted",
        "cases.phase_changed",
        "cases.milestone_retracted",
    ]
    # Recorded again on the right day, it counts once more with its days recounted.
    progress.record_milestone(
        actor=caseworker,
        case=case,
        person=case.members.get().person,
        kind=MilestoneKind.LEFT_COUNTRY,
        reached_on=TODAY - timedelta(days=3),
    )
    assert people_figures.days_from_step_to_step(
        MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY, YEAR
    ) == {27: 1}


@pytest.fixture
def application(frozen, open_case, caseworker, coordinator):
    load_shipped_catalog(coordinator)
    case = open_case()
    return start_application_for(caseworker, case, started_on=TODAY - timedelta(days=40))


def test_a_denial_recorded_by_mistake_is_withdrawn_and_no_longer_counted(application, caseworker):
    record_status(
        actor=caseworker,
        application=application,
        status=ApplicationStatus.SUBMITTED,
        on=TODAY - timedelta(days=30),
    )
    record_status(
        actor=caseworker,
        application=application,
        status=ApplicationStatus.DENIED,
        on=TODAY - timedelta(days=2),
        denial_reason="no_legal_basis",
    )
    assert sum(f.denied for f in application_figures.application_figures(YEAR).values()) == 1
    with pytest.raises(InvalidInput, match="Someone else changed"):
        retract_status(actor=caseworker, application=application, reason_text="x", version=1)
    retract_status(actor=caseworker, application=application, reason_text="it was Latvia's")
    application.refresh_from_db()
    assert (application.status, application.decided_on, application.denial_reason) == (
        ApplicationStatus.SUBMITTED,
        None,
        "",
    )
    assert application.submitted_on == TODAY - timedelta(days=30)
    assert sum(f.denied for f in application_figures.application_figures(YEAR).values()) == 0
    assert last_event().event_type == "pathways.application_status_retracted"
    assert ReasonNote.objects.count() == 1


def test_a_withdrawn_grant_takes_back_the_visa_milestone_it_recorded(application, caseworker):
    for status, days in ((ApplicationStatus.SUBMITTED, 30), (ApplicationStatus.GRANTED, 5)):
        record_status(
            actor=caseworker,
            application=application,
            status=status,
            on=TODAY - timedelta(days=days),
        )
    case = application.case
    assert Milestone.objects.filter(case=case, kind=MilestoneKind.VISA_GRANTED).exists()
    retract_status(actor=caseworker, application=application, reason_text="only an interview")
    assert not Milestone.objects.filter(case=case, kind=MilestoneKind.VISA_GRANTED).exists()
    # Back to the start, there is nothing left to withdraw.
    retract_status(actor=caseworker, application=application, reason_text="not yet submitted")
    with pytest.raises(InvalidInput, match="no status after its start"):
        retract_status(actor=caseworker, application=application, reason_text="again")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
