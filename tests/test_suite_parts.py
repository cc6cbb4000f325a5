"""The suite's own rules: each test is marked with its part, a test that starts a process
says so, and test data absent in CI fails instead of skipping."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.plugins.classify import ProcessNotMarked
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


def test_absent_test_data_skips_on_a_developer_machine_saying_where(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=str(tmp_path / "rfc6962")):
        require_testdata(tmp_path / "rfc6962", present=False)
