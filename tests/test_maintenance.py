"""The nightly database upkeep: SQLite gets planner statistics, PostgreSQL is left alone."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.db import connection

from corridor.cases.models import Milestone, MilestoneKind
from corridor.core.tasks import run_due_jobs
from corridor.reports.selectors._common import DateOf, days_between
from tests.reports.plain_caseload import insert_caseload, random_caseload

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's autovacuum keeps its own statistics"
)


def _plan_of_days_from_contact() -> str:
    rows = Milestone.objects.filter(kind=MilestoneKind.OUT_OF_REGION).annotate(
        days=days_between("reached_on", DateOf("case__opened_at"))
    )
    sql, params = rows.values("days", "case__risk_level").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


def test_the_worker_runs_the_upkeep_and_it_is_safe_to_run_on_any_database():
    assert "core.analyze_database" in run_due_jobs()


@sqlite_only
def test_after_the_upkeep_a_report_reads_cases_from_their_covering_index():
    insert_caseload(
        random_caseload(
            random.Random(5), 200, start=date(2024, 1, 1), end=date(2025, 12, 31), applications=1
        )
    )
    assert "case_report_columns" not in _plan_of_days_from_contact()

    run_due_jobs()

    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'cases_case'")
        assert "case_report_columns" in {row[0] for row in cursor.fetchall()}
    assert "COVERING INDEX case_report_columns" in _plan_of_days_from_contact()
