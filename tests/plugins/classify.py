"""Every test belongs to a part of the suite, so each run can pick its parts.

- `process`: starts a process (a `corridor` command, a server, keyd, a drill). Marked by
  hand; a test that starts a process without the mark fails, so the mark cannot drift.
- `browser`: drives chromium. Added here to every test under tests/e2e.
- `slow`: large example counts. Marked by hand.
- `database`: uses a database. Added here to every test with `django_db` or a database fixture.
- `pure`: uses neither a database, a process nor a browser. Added here to every other test.

`make test-fast` leaves out process, browser and slow tests; the PostgreSQL run keeps only
database tests that start no process and drive no browser, and the tests marked `postgres`.
Each run ends with the seconds spent in each part, so an issue's note can say what it added.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)
# Marks that allow a test to start processes.
STARTS_PROCESSES = ("process", "browser")
# Programs the code under test runs as part of its own work, not a process the test starts:
# the backup code runs PostgreSQL's tools on the PostgreSQL run, and when WeasyPrint renders
# the first PDF, ctypes looks for Pango and GLib through ldconfig, then (for the library
# names ldconfig does not know, and only where they are installed) gcc, cc, ld and objdump.
LIBRARY_PROGRAMS = frozenset(
    {"pg_dump", "pg_restore", "psql", "ldconfig", "gcc", "cc", "ld", "objdump"}
)


class ProcessNotMarked(BaseException):
    """A test without the `process` mark tried to start a process.

    A BaseException, so code under test that catches OSError or Exception cannot hide it.
    """


def uses_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(names & DATABASE_FIXTURES)


# Before `-m` deselects anything, so the marks added here count.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.browser)
        starts = any(item.get_closest_marker(name) for name in STARTS_PROCESSES)
        if item.get_closest_marker("pure"):
            # Marked by hand inside a module whose tests use the database: this one does not.
            continue
        if uses_database(item):
            item.add_marker(pytest.mark.database)
        elif not starts:
            item.add_marker(pytest.mark.pure)


# A test counts towards the first of these parts it is marked with.
PARTS = ("browser", "process", "slow", "database", "pure")


def part_of(keywords: Iterable[str]) -> str:
    names = set(keywords)
    return next((part for part in PARTS if part in names), "pure")


class PartTimes:
    """Seconds spent per part (setup, call and teardown), summed over the workers."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(PARTS, 0.0)
        self.tests: dict[str, int] = dict.fromkeys(PARTS, 0)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        part = part_of(report.keywords)
        self.seconds[part] += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self.tests[part] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not any(self.tests.values()):
            return
        terminalreporter.write_sep("-", "seconds per part of the suite (summed over workers)")
        for line in self.lines():
            terminalreporter.write_line(line)

    def lines(self) -> list[str]:
        return [
            f"{part:<9}{self.tests[part]:>6} tests {self.seconds[part]:>9.1f} s"
            for part in PARTS
            if self.tests[part]
        ]


def pytest_configure(config: pytest.Config) -> None:
    # Only where reports arrive: the xdist controller, or the single process without it.
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(PartTimes(), "corridor-part-times")


@pytest.fixture(autouse=True)
def _processes_only_when_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Refuse to start a process in a test not marked `process` (or `browser`)."""
    if any(request.node.get_closest_marker(name) for name in STARTS_PROCESSES):
        yield
        return
    with refusing_processes(request.node.nodeid):
        yield


class refusing_processes:  # noqa: N801 - used as a context manager
    """While active, every way of starting a process raises ProcessNotMarked."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid
        self.saved: list[tuple[Any, str, Any]] = []

    def refuse(self, what: str) -> ProcessNotMarked:
        return ProcessNotMarked(
            f"{self.nodeid} starts a process ({what}): mark it `@pytest.mark.process` "
            "(see tests/plugins/classify.py) so the fast and PostgreSQL runs leave it out."
        )

    def __enter__(self) -> refusing_processes:
        original_execute = subprocess.Popen._execute_child  # type: ignore[attr-defined]
        guard = self

        def execute_child(popen: subprocess.Popen[Any], args: Any, executable: Any, *rest: Any):
            program = _program(args, executable)
            if program not in LIBRARY_PROGRAMS:
                raise guard.refuse(program)
            return original_execute(popen, args, executable, *rest)

        def refused(name: str) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                raise guard.refuse(name)

            return call

        self._replace(subprocess.Popen, "_execute_child", execute_child)
        for name in ("fork", "forkpty", "system", "posix_spawn", "posix_spawnp"):
            if hasattr(os, name):
                self._replace(os, name, refused(f"os.{name}"))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)
        self.saved.clear()

    def _replace(self, owner: Any, name: str, value: Any) -> None:
        self.saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)


def _program(args: Any, executable: Any) -> str:
    first = executable or (args.split()[0] if isinstance(args, (str, bytes)) else args)
    if not isinstance(first, (str, bytes, os.PathLike)):
        first = next(iter(first))
    return os.path.basename(os.fsdecode(first))
