"""Every test belongs to a part of the suite, so each run can pick its parts.

- `process`: starts a process (a `corridor` command, a server, keyd, a drill). Marked by
  hand; a test that starts a process without the mark fails, so the mark cannot drift.
- `browser`: drives chromium. Added here to every test under tests/e2e.
- `slow`: large example counts. Marked by hand.
- `database`: uses a database. Added here to every test with `django_db` or a database fixture.
- `pure`: uses neither a database, a process nor a browser. Added here to every other test.

`make test-fast` leaves out process, browser and slow tests; the PostgreSQL run keeps only
database tests that start no process and drive no browser, and the tests marked `postgres`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
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
# the backup code runs PostgreSQL's tools on the PostgreSQL run, and ctypes asks ldconfig
# where Pango is when WeasyPrint renders the first PDF.
LIBRARY_PROGRAMS = frozenset({"pg_dump", "pg_restore", "psql", "ldconfig"})


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
