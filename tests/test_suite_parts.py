"""The suite's own rules: each test is marked with its part, a test that starts a process
says so, each run reports the seconds per part, and test data absent in CI fails instead
of skipping."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.plugins.classify import PartTimes, ProcessNotMarked
from tests.testdata import require_testdata


def test_a_test_not_marked_process_cannot_start_one():
    """Otherwise a process test could slip into `make test-fast` and the PostgreSQL run."""
    with pytest.raises(ProcessNotMarked, match=r"mark it `@pytest.mark.process`"):
        subprocess.run(["true"], check=False)
    with pytest.raises(ProcessNotMarked, match=r"\(os\.system\)"):
        os.system("true")  # noqa: S605 - refused before anything runs


@pytest.mark.process
def test_a_test_marked_process_starts_one():
    assert subprocess.run(["true"], check=False).returncode == 0


def test_a_test_without_a_database_is_marked_pure(request):
    assert request.node.get_closest_marker("pure")
    assert not request.node.get_closest_marker("database")


@pytest.mark.django_db
def test_a_test_with_a_database_is_marked_database(request):
    assert request.node.get_closest_marker("database")
    assert not request.node.get_closest_marker("pure")


def test_absent_test_data_fails_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI runs every check"):
        require_testdata(tmp_path / "rfc6962", present=False)


def test_a_machine_without_any_shared_test_data_skips_even_under_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.skip.Exception, match="the shared test data is absent"):
        require_testdata(tmp_path / "no-shared" / "rfc6962", present=False)


def test_absent_test_data_skips_on_a_developer_machine_saying_where(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=str(tmp_path / "rfc6962")):
        require_testdata(tmp_path / "rfc6962", present=False)


def report(when, seconds, *marks, outcome="passed"):
    keywords = dict.fromkeys(["test_x", *marks], 1)
    return pytest.TestReport(
        "tests/test_x.py::test_x", ("tests/test_x.py", 1, "test_x"), keywords, outcome, None,
        when, duration=seconds,
    )  # fmt: skip


def test_each_run_reports_seconds_and_tests_per_part_each_test_counted_once():
    times = PartTimes()
    # A browser test also uses the database: it counts as browser, where its cost lies.
    for when, seconds in (("setup", 2.0), ("call", 3.5), ("teardown", 0.5)):
        times.pytest_runtest_logreport(report(when, seconds, "browser", "database"))
    times.pytest_runtest_logreport(report("setup", 0.25, "database"))
    times.pytest_runtest_logreport(report("call", 0.5, "database"))
    # Skipped at setup: counted, though it has no call.
    times.pytest_runtest_logreport(report("setup", 0.0, "pure", outcome="skipped"))
    assert times.lines() == [
        "browser       1 tests       6.0 s",
        "database      1 tests       0.8 s",
        "pure          1 tests       0.0 s",
    ]
