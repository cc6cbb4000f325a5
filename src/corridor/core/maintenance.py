"""Database upkeep the worker runs: fresh planner statistics on SQLite.

SQLite plans a query from its statistics table, which nothing fills unless asked.
Without it, a lookup by a uuid key goes through the key's own index and then the
table, even where a covering index (cases: `case_report_columns`) holds every
column the query reads; the reports' joins cost about half again as much. PostgreSQL's
autovacuum keeps its own statistics, so there the job does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection

from corridor.core.tasks import periodic


@periodic("core.analyze_database", every=timedelta(hours=24))
def analyze_database() -> None:
    """Refresh SQLite's planner statistics."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        # A full pass, not a sample (PRAGMA analysis_limit): sampled row counts differ from
        # index to index and steered the planner to an index missing a column it needed.
        # About a second per hundred thousand cases, once a day.
        cursor.execute("ANALYZE")
