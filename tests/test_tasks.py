"""Background tasks carry ids only and store no exception text; periodic jobs run on time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from corridor.core import tasks
from corridor.core.models import PeriodicJobState
from tests import sample_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_queued_task_runs_in_the_worker_burst():
    """A task queued on commit runs when `corridor worker --burst` empties the queue."""
    item = str(uuid.uuid4())
    sample_tasks.SEEN.clear()
    with transaction.atomic():
        tasks.enqueue_on_commit(sample_tasks.remember, item)
    call_command("worker", burst=True)
    assert sample_tasks.SEEN == [item]


def test_failed_task_stores_no_exception_text():
    """A failing task is recorded as failed without the text of the original exception."""
    with transaction.atomic():
        tasks.enqueue_on_commit(sample_tasks.fail_at_once, str(uuid.uuid4()))
    call_command("worker", burst=True)
    row = DBTaskResult.objects.get()
    assert row.status == "FAILED"
    stored = str(row.exception_class_path) + str(row.traceback)
    assert "TaskFailed" in stored
    assert "Ivan Petrov" not in stored
    assert "no second try" not in stored


@pytest.mark.parametrize("argument", [{"name": "x"}, "Ivan Petrov", 3.5, True, b"id"])
def test_task_arguments_must_be_ids(argument):
    """Anything but a UUID, a short code or an integer is refused before it is queued."""
    with pytest.raises(tasks.TaskArgumentNotAnId), transaction.atomic():
        tasks.enqueue_on_commit(sample_tasks.remember, argument)
    assert DBTaskResult.objects.count() == 0


def test_periodic_job_runs_when_due_and_not_before(time_machine):
    """A job every hour runs at once, not again within the hour, then again after it."""
    runs: list[datetime] = []
    tasks.periodic("test-hourly", every=timedelta(hours=1))(lambda: runs.append(datetime.now(UTC)))
    try:
        start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        time_machine.move_to(start, tick=False)
        assert "test-hourly" in tasks.run_due_jobs()
        time_machine.move_to(start + timedelta(minutes=59), tick=False)
        assert "test-hourly" not in tasks.run_due_jobs()
        time_machine.move_to(start + timedelta(minutes=61), tick=False)
        assert "test-hourly" in tasks.run_due_jobs()
        assert len(runs) == 2
    finally:
        tasks._PERIODIC.pop("test-hourly")


def test_a_claimed_job_is_not_run_twice():
    """When another worker has already claimed the run, this worker skips it."""
    runs: list[int] = []
    tasks.periodic("test-claim", every=timedelta(hours=1))(lambda: runs.append(1))
    try:
        moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        PeriodicJobState.objects.create(name="test-claim", last_run_at=moment)
        assert "test-claim" not in tasks.run_due_jobs(moment + timedelta(minutes=5))
        assert runs == []
    finally:
        tasks._PERIODIC.pop("test-claim")


def test_a_failing_periodic_job_does_not_stop_the_others():
    """One periodic job raising does not keep the next one from running."""
    runs: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    tasks.periodic("test-a-broken", every=timedelta(hours=1))(broken)
    tasks.periodic("test-b-fine", every=timedelta(hours=1))(lambda: runs.append("fine"))
    try:
        ran = tasks.run_due_jobs()
        assert "test-b-fine" in ran
        assert "test-a-broken" not in ran
        assert runs == ["fine"]
    finally:
        tasks._PERIODIC.pop("test-a-broken")
        tasks._PERIODIC.pop("test-b-fine")
