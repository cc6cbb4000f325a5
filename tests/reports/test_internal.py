"""The internal report's figures on a caseload small enough to count by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from corridor.cases.models import ClosureReason
from corridor.cases.models import MilestoneKind as M
from corridor.core.tallies import INTAKE_REQUESTS, increment
from corridor.intake.models import Author, Channel, Message, Request
from corridor.pathways.models import ApplicationStatus as S
from corridor.reports.internal import build_internal_document
from corridor.reports.periods import parse_period
from tests.reports.conftest import TODAY
from tests.reports.plain_caseload import PlainApplication, PlainCase, insert_caseload

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(frozen_today):
    insert_caseload(
        [
            PlainCase(
                opened=date(2025, 1, 1),
                risk_level="critical",
                people=[
                    {
                        M.OUT_OF_REGION: date(2025, 1, 2),
                        M.SAFE_PLACE: date(2025, 1, 5),
                        M.LEFT_COUNTRY: date(2025, 3, 1),
                    },
                    {M.OUT_OF_REGION: date(2025, 1, 4)},
                ],
                applications=[
                    PlainApplication(
                        "DE",
                        "de-humanitarian-admission",
                        S.GRANTED,
                        date(2025, 1, 10),
                        date(2025, 2, 9),
                        people=(0, 1),
                    )
                ],
                expenses=[("social_work", 5000, date(2025, 1, 3), None)],
            ),
            PlainCase(
                opened=date(2025, 2, 1),
                risk_level="low",
                people=[{M.OUT_OF_REGION: date(2025, 3, 1)}],
                applications=[
                    PlainApplication(
                        "DE",
                        "de-humanitarian-admission",
                        S.DENIED,
                        date(2025, 2, 10),
                        date(2025, 3, 2),
                        "insufficient_evidence",
                    ),
                    PlainApplication("FR", "fr-asylum-visa", S.INTERVIEW, date(2025, 3, 1)),
                ],
                expenses=[
                    ("housing", 30000, date(2025, 2, 3), "grant-a"),
                    ("food", 10000, date(2025, 2, 4), None),
                ],
            ),
            PlainCase(
                opened=date(2025, 3, 1),
                closure=(ClosureReason.RETURNED_HOME, date(2025, 4, 1)),
                incidents=[("missing", date(2025, 3, 5), date(2025, 3, 8))],
            ),
        ]
    )
    increment(INTAKE_REQUESTS, period="2025Q1", by=9, channel="portal", outcome="received")
    increment(INTAKE_REQUESTS, period="2025Q1", by=4, channel="portal", outcome="declined")
    document = build_internal_document(None, language="en", today=TODAY)
    return {
        (section.code, row.code, column.code): value
        for section in document.sections
        for row in section.rows
        for column, value in zip(section.columns, row.values, strict=True)
    }


def test_people_by_milestone_with_conversion_and_days(figures):
    assert figures[("milestones", "contacted", "people")] == 4
    assert figures[("milestones", "out_of_region", "people")] == 3
    assert figures[("milestones", "out_of_region", "share_of_contacted")] == 75.0
    assert figures[("milestones", "out_of_region", "median_days_from_previous")] == 3
    assert figures[("milestones", "safe_place", "share_of_previous")] == 33.3
    assert figures[("milestones", "safe_place", "median_days_from_previous")] == 3
    assert figures[("milestones", "left_country", "people")] == 1
    assert figures[("milestones", "arrived", "people")] == 0


def test_time_to_target_by_risk_level(figures):
    assert figures[("targets", "critical", "region_target_days")] == 2
    assert figures[("targets", "critical", "region_reached")] == 2
    assert figures[("targets", "critical", "region_median_days")] == 2.0
    assert figures[("targets", "critical", "region_within_target")] == 50.0
    assert figures[("targets", "critical", "country_median_days")] == 59
    assert figures[("targets", "low", "region_within_target")] == 100.0
    assert figures[("targets", "low", "country_reached")] == 0


def test_applications_by_country_and_route(figures):
    lane = "DE:de-humanitarian-admission"
    assert figures[("applications", lane, "submitted")] == 2
    assert figures[("applications", lane, "granted")] == 1
    assert figures[("applications", lane, "denied")] == 1
    assert figures[("applications", lane, "grant_share")] == 50.0
    assert figures[("applications", lane, "median_processing_days")] == 25.0
    assert figures[("applications", "FR:fr-asylum-visa", "waiting")] == 1
    assert figures[("applications", "total", "submitted")] == 3
    assert figures[("denial_reasons", "insufficient_evidence", "DE")] == 1
    assert figures[("denial_reasons", "insufficient_evidence", "total")] == 1


def test_incidents_closures_and_work(figures):
    assert figures[("incidents", "missing", "opened")] == 1
    assert figures[("incidents", "missing", "still_open")] == 0
    assert figures[("incidents", "missing", "median_days_to_close")] == 3
    assert figures[("closures", "returned_home", "people")] == 1
    assert figures[("closures", "could_not_help", "cases")] == 1
    assert figures[("closures", "safe", "cases")] == 0
    assert figures[("workload", "no_lead", "cases_led")] == 2


def test_costs_per_person_by_category_and_source(figures):
    """Case A's 50.00 is shared by its two people; case B's 400.00 is one person's."""
    assert figures[("costs_by_category", "housing", "total")] == Decimal("300.00")
    assert figures[("costs_by_category", "social_work", "mean_per_person")] == Decimal("25.00")
    assert figures[("costs_by_category", "all", "total")] == Decimal("450.00")
    assert figures[("costs_by_category", "all", "people")] == 3
    assert figures[("costs_by_category", "all", "mean_per_person")] == Decimal("150.00")
    assert figures[("costs_by_category", "all", "median_per_person")] == Decimal("25.00")
    assert figures[("costs_by_funding_source", "all", "total")] == Decimal("450.00")
    assert figures[("costs_by_funding_source", "grant-a", "total")] == Decimal("300.00")
    assert figures[("costs_by_funding_source", "none", "median_per_person")] == Decimal("25.00")


def test_the_request_tally(figures):
    assert figures[("requests", "2025Q1:portal", "declined")] == 4
    assert figures[("requests", "2025Q1:portal", "undecided")] == 5
    assert figures[("requests", "2025Q1:portal", "received")] == 9


def received(channel: str, on: date, *replies: tuple[str, date]) -> None:
    """A request with only its plain columns, and its thread's authors and days."""
    request = Request.objects.create(
        reference=f"RQ-{Request.objects.count():04d}", channel=channel, received_on=on
    )
    for position, (author, sent_on) in enumerate(replies):
        Message.objects.create(request=request, position=position, author=author, sent_on=sent_on)


def test_time_to_first_response(frozen_today):
    """Days from arrival to the team's first reply; the requester's own messages do not count."""
    team, requester = Author.TEAM, Author.REQUESTER
    received(
        Channel.PORTAL, date(2025, 1, 1), (requester, date(2025, 1, 1)), (team, date(2025, 1, 3))
    )
    received(
        Channel.PORTAL, date(2025, 1, 10), (team, date(2025, 1, 20)), (team, date(2025, 1, 11))
    )
    received(Channel.PORTAL, date(2025, 2, 1), (requester, date(2025, 2, 5)))
    received(Channel.HOTLINE, date(2025, 2, 1), (team, date(2025, 2, 1)))
    received(Channel.PORTAL, date(2025, 6, 1), (team, date(2025, 6, 30)))
    document = build_internal_document(parse_period("2025Q1"), language="en", today=TODAY)
    (section,) = [s for s in document.sections if s.code == "first_response"]
    rows = {row.code: row.values for row in section.rows}
    # Two days and one day (the earliest of two replies); the third is still waiting.
    assert rows["portal"] == (3, 2, 1, 1.5)
    assert rows["hotline"] == (1, 1, 0, 0)
    assert rows["referral"] == (0, 0, 0, None)
    assert rows["all"] == (4, 3, 1, 1)


def test_a_period_limits_what_happened_in_it(frozen_today, figures):
    document = build_internal_document(parse_period("2025Q2"), language="en", today=TODAY)
    sections = {section.code: section for section in document.sections}
    milestones = {row.code: row.values[0] for row in sections["milestones"].rows}
    assert milestones["contacted"] == 0
    closures = {row.code: row.values for row in sections["closures"].rows}
    assert closures["returned_home"] == (1, 1)
