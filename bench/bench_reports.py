"""Every aggregate report over 100,000 cases and 300,000 applications, against one
`COUNT(*) … GROUP BY` over the same tables in the same run.

Goals: each CSV and HTML report (public and internal) under 2 s; each PDF under
15 s. The caseload is plain rows (what reports read), inserted in bulk: about
130,000 people, 300,000 applications, milestones, expenses and incidents over
30 months, followed by the worker's nightly refresh of SQLite's planner statistics.
Timings are medians of warm runs (the first run of each loads matplotlib or
WeasyPrint once, as a long-running server does).

    .venv/bin/python -m bench.bench_reports [--cases N] [--smoke]
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from bench._harness import interleaved, parser, report, setup_django

FULL_CASES = 100_000
SMOKE_CASES = 300
APPLICATIONS_PER_CASE = 3
CSV_HTML_GOAL = 2.0
PDF_GOAL = 15.0


def main(argv: list[str] | None = None) -> None:
    arguments = parser(__doc__ or "")
    arguments.add_argument("--cases", type=int, default=None)
    options = arguments.parse_args(argv)
    cases = options.cases or (SMOKE_CASES if options.smoke else FULL_CASES)
    setup_django()
    from django.db.models import Count
    from tests.reports.plain_caseload import insert_caseload, random_caseload

    from corridor.core import clock
    from corridor.core.maintenance import analyze_database
    from corridor.pathways.models import Application
    from corridor.reports import services

    today = clock.today()
    started = time.perf_counter()
    rng = random.Random(2017)
    for first in range(0, cases, 10_000):
        batch = min(10_000, cases - first)
        insert_caseload(
            random_caseload(
                rng,
                batch,
                start=today - timedelta(days=900),
                end=today - timedelta(days=1),
                applications=APPLICATIONS_PER_CASE,
            ),
            batch=5_000,
        )
    print(
        f"caseload: {cases} cases, {Application.objects.count()} applications "
        f"(inserted in {time.perf_counter() - started:.1f} s)"
    )
    # A running installation's worker refreshes SQLite's statistics nightly; a caseload
    # inserted a moment ago has none, so run that job once, as the worker would have.
    started = time.perf_counter()
    analyze_database()
    print(f"planner statistics (core.analyze_database): {time.perf_counter() - started:.2f} s")

    def group_by() -> None:
        list(Application.objects.values("case__phase", "country").annotate(n=Count("id")))

    repeat = 2 if options.smoke else 5
    failures = []
    for scope in (services.PUBLIC, services.INTERNAL):
        for form in ("csv", "html", "pdf"):
            export = services.check_export(scope=scope, format=form, today=today)

            def render(export: services.Export = export) -> None:
                services.render_export(export, today=today)

            render()  # warm: imports and first-use caches, as in a running server
            # Interleaved with the GROUP BY, so load from other processes falls on both.
            timing, baseline = interleaved(
                (f"{scope} {form}", render),
                ("COUNT(*) GROUP BY", group_by),
                repeat=1 if form == "pdf" else repeat,
            )
            goal = PDF_GOAL if form == "pdf" else CSV_HTML_GOAL
            report(timing, baseline, unit="report", goal=f"< {goal:.0f} s")
            if timing.median > goal:
                failures.append(f"{scope} {form}: {timing.median:.2f} s")
    if failures and not options.smoke:
        print("OVER GOAL: " + "; ".join(failures))


if __name__ == "__main__":
    main()
