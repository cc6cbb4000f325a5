"""The report selectors give the same figures as counting the rows one by one in Python.

The selectors push their work into the database (grouped counts, covering indexes, the
case id left as the database returns it); this counts a random caseload the plain way,
from model instances, and checks every figure against it, for all time and for a year.
"""

from __future__ import annotations

import importlib
import random
from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise

import pytest

from corridor.cases.models import CaseMember, Expense, Milestone, MilestoneKind
from corridor.pathways.models import APPLICATION_DECIDED as DECIDED
from corridor.pathways.models import APPLICATION_WAITING as WAITING
from corridor.pathways.models import Application
from corridor.reports.periods import Period, parse_period
from corridor.reports.selectors import applications, money, people
from tests.reports.plain_caseload import insert_caseload, random_caseload

pytestmark = pytest.mark.django_db

PERIODS = [None, "2025", "2025Q2"]


@pytest.fixture
def caseload():
    insert_caseload(
        random_caseload(
            random.Random(13), 160, start=date(2024, 1, 1), end=date(2025, 12, 31), applications=3
        )
    )
    # Some people left their case: they no longer share its costs.
    for member in CaseMember.objects.order_by("id")[::7]:
        member.left_at = member.joined_at
        member.save(update_fields=["left_at"])


def _in(day: date | None, period: Period | None) -> bool:
    return day is not None and (period is None or period.start <= day <= period.end)


@pytest.mark.parametrize("code", PERIODS)
def test_application_figures_match_a_count_of_the_rows(caseload, code):
    period = parse_period(code) if code else None
    expected: dict[tuple[str, str], applications.LaneFigures] = defaultdict(
        applications.LaneFigures
    )
    for app in Application.objects.all():
        submitted = _in(app.submitted_on, period)
        decided = app.status in DECIDED and _in(app.decided_on, period)
        if not (submitted or decided):
            continue
        lane = expected[(app.country, app.route_id)]
        lane.submitted += submitted
        lane.waiting += submitted and app.status in WAITING
        if not decided:
            continue
        if app.status == "granted":
            lane.granted += 1
        else:
            lane.denied += 1
            reason = app.denial_reason or "other"
            lane.denial_reasons[reason] = lane.denial_reasons.get(reason, 0) + 1
        days = (app.decided_on - app.submitted_on).days if app.submitted_on else None
        if days is not None and days >= 0:
            lane.processing_days[days] = lane.processing_days.get(days, 0) + 1

    found = applications.application_figures(period)

    assert sum(lane.granted + lane.denied for lane in expected.values()) > 20
    assert found == dict(expected)


@pytest.mark.parametrize("code", PERIODS)
def test_costs_per_person_match_a_count_of_the_rows(caseload, code):
    period = parse_period(code) if code else None
    present = Counter(
        member.case_id for member in CaseMember.objects.all() if member.left_at is None
    )
    lines: dict[tuple[str, str], dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for expense in Expense.objects.select_related("funding_source"):
        if not _in(expense.spent_on, period):
            continue
        source = expense.funding_source.code if expense.funding_source else money.NO_SOURCE
        for line in (("category", expense.category), ("source", source), ("overall", "")):
            lines[line][expense.case_id] += expense.amount_reporting_minor

    def spending(per_case: dict[object, int]) -> money.Spending:
        spent = money.Spending(total_minor=sum(per_case.values()))
        for case, total in per_case.items():
            share_of = max(present[case], 1)
            spent.people += share_of
            share = total / share_of
            spent.per_person[share] = spent.per_person.get(share, 0) + share_of
        return spent

    found = money.costs(period)

    assert found.by_category == {
        code: spending(cases) for (kind, code), cases in lines.items() if kind == "category"
    }
    assert found.by_source == {
        code: spending(cases) for (kind, code), cases in lines.items() if kind == "source"
    }
    assert found.overall == spending(lines[("overall", "")])
    assert found.overall.people > 15
    assert len(found.overall.per_person) > 10


@pytest.mark.parametrize("code", PERIODS)
def test_days_between_steps_match_each_persons_milestones(caseload, code):
    period = parse_period(code) if code else None
    steps = MilestoneKind.values
    reached: dict[object, dict[str, date]] = defaultdict(dict)
    for milestone in Milestone.objects.all():
        reached[milestone.person_id][milestone.kind] = milestone.reached_on
    expected: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for dates in reached.values():
        for before, later in pairwise(steps):
            if later in dates and before in dates and _in(dates[later], period):
                days = (dates[later] - dates[before]).days
                if days >= 0:
                    spans = expected[(before, later)]
                    spans[days] = spans.get(days, 0) + 1

    found = people.days_between_steps(period)

    assert sum(sum(spans.values()) for spans in expected.values()) > 20
    # A pair nobody reached both steps of may come back empty: the report reads it as none.
    assert {pair: spans for pair, spans in found.items() if spans} == dict(expected)
    # The public report's two steps further apart are looked up directly.
    region, country = MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY
    apart: dict[int, int] = {}
    for dates in reached.values():
        if region in dates and country in dates and _in(dates[country], period):
            days = (dates[country] - dates[region]).days
            if days >= 0:
                apart[days] = apart.get(days, 0) + 1
    assert sum(apart.values()) > (5 if period is None else 0)
    assert people.days_from_step_to_step(region, country, period) == apart


@pytest.mark.parametrize("code", PERIODS)
def test_days_from_contact_match_each_milestone_and_its_case(caseload, code):
    period = parse_period(code) if code else None
    kinds = (MilestoneKind.OUT_OF_REGION, MilestoneKind.LEFT_COUNTRY)
    expected: dict[str, dict[str, dict[int, int]]] = {kind: defaultdict(dict) for kind in kinds}
    for milestone in Milestone.objects.select_related("case"):
        if milestone.kind not in kinds or not _in(milestone.reached_on, period):
            continue
        days = (milestone.reached_on - milestone.case.opened_at.date()).days
        if days >= 0:
            spans = expected[milestone.kind][milestone.case.risk_level]
            spans[days] = spans.get(days, 0) + 1

    found = people.days_from_contact(kinds, period, by="case__risk_level")

    assert sum(sum(spans.values()) for spans in expected[kinds[0]].values()) > 10
    assert found == {kind: dict(groups) for kind, groups in expected.items()}


def test_the_migration_fills_the_days_of_milestones_recorded_before_it(caseload):
    """Milestones from before the column existed get the same days a new one would."""
    from django.apps import apps

    migration = importlib.import_module("corridor.cases.migrations.0006_report_lookups")
    kept = dict(Milestone.objects.values_list("id", "days_after_previous"))
    assert sum(days is not None for days in kept.values()) > 20
    Milestone.objects.update(days_after_previous=None)

    migration.fill_days_after_previous(apps, None)

    assert dict(Milestone.objects.values_list("id", "days_after_previous")) == kept
