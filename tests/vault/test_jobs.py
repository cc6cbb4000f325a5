"""The worker finishes purging destroyed keys every hour."""

from __future__ import annotations

import logging

import pytest

from corridor.core.tasks import periodic_jobs, run_due_jobs
from corridor.vault.jobs import purge_keystore

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_the_purge_is_a_periodic_job_the_worker_runs():
    assert "vault.purge_keystore" in [job.name for job in periodic_jobs()]
    assert "vault.purge_keystore" in run_due_jobs()


def test_a_deferred_purge_is_logged_by_name_only(caplog):
    """Inside a transaction the purge cannot complete; the log says so, with no ids."""
    with caplog.at_level(logging.WARNING, logger="corridor.vault.jobs"):
        purge_keystore()
    assert [record.getMessage() for record in caplog.records] == ["key store purge deferred"]


@pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
def test_outside_a_transaction_the_purge_logs_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="corridor.vault.jobs"):
        purge_keystore()
    assert caplog.records == []
