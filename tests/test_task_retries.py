"""Every task is tried again after a failure, with growing waits, and a task whose worker
died is queued again once that worker's lease lapses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from corridor.core import leases
from corridor.core.models import WorkerLease
from corridor.core.retries import DEFAULT_RETRY, WORKER_LOST, RetryPolicy, retry_or_give_up
from tests import sample_tasks

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_the_waits_grow_fourfold_up_to_the_longest():
    """10 s after the first failure, then four times longer each time, capped."""
    waits = [DEFAULT_RETRY.wait_after(attempt) for attempt in range(1, 7)]
    assert waits == [
        timedelta(seconds=10),
        timedelta(seconds=40),
        timedelta(seconds=160),
        timedelta(seconds=640),
        timedelta(seconds=2560),
        None,
    ]
    capped = RetryPolicy(attempts=10, longest_wait=timedelta(minutes=5))
    assert capped.wait_after(9) == timedelta(minutes=5)


def test_a_failing_task_runs_again_after_each_wait_then_stays_failed(time_machine):
    """Six attempts, each after its wait and not before; then the task is FAILED for good."""
    time_machine.move_to(START, tick=False)
    sample_tasks.fail_loudly.enqueue(str(uuid.uuid4()))
    moment = START
    for attempt in range(1, DEFAULT_RETRY.attempts):
        call_command("worker", burst=True)
        row = DBTaskResult.objects.get()
        wait = DEFAULT_RETRY.wait_after(attempt)
        assert wait is not None
        assert (row.status, len(row.worker_ids), row.run_after) == ("READY", attempt, moment + wait)
        time_machine.move_to(moment + wait - timedelta(seconds=1), tick=False)
        call_command("worker", burst=True)
        assert len(DBTaskResult.objects.get().worker_ids) == attempt  # not before its time
        moment += wait
        time_machine.move_to(moment, tick=False)
    call_command("worker", burst=True)
    row = DBTaskResult.objects.get()
    assert (row.status, len(row.worker_ids)) == ("FAILED", DEFAULT_RETRY.attempts)


def test_a_task_that_succeeds_on_its_second_attempt_is_done():
    """A failed attempt queued again runs like any task and is done when it succeeds."""
    item = str(uuid.uuid4())
    sample_tasks.SEEN.clear()
    sample_tasks.remember.enqueue(item)
    DBTaskResult.objects.update(status="FAILED")
    row = DBTaskResult.objects.get()
    row.worker_ids = ["first"]
    assert retry_or_give_up(row, at=START)
    call_command("worker", burst=True)
    assert (DBTaskResult.objects.get().status, sample_tasks.SEEN) == ("SUCCESSFUL", [item])


def left_running_by(worker_id: str) -> DBTaskResult:
    sample_tasks.remember.enqueue(str(uuid.uuid4()))
    DBTaskResult.objects.update(status="RUNNING", worker_ids=[worker_id])
    return DBTaskResult.objects.get()


def test_the_task_of_a_worker_whose_lease_lapsed_is_queued_again(time_machine):
    """Queued again 20 s after the lease's last renewal, not while the lease holds."""
    time_machine.move_to(START, tick=False)
    leases.renew("dead-worker")
    left_running_by("dead-worker")
    assert leases.reclaim_lost_tasks(START + timedelta(seconds=19)) == 0
    assert DBTaskResult.objects.get().status == "RUNNING"
    assert leases.reclaim_lost_tasks(START + timedelta(seconds=21)) == 1
    row = DBTaskResult.objects.get()
    assert (row.status, row.run_after) == ("READY", START + timedelta(seconds=31))


def test_a_task_whose_worker_left_no_lease_at_all_is_queued_again():
    """A worker gone so long that its lease was forgotten: its task is queued all the same."""
    left_running_by("never-seen")
    assert leases.reclaim_lost_tasks() == 1
    assert DBTaskResult.objects.get().status == "READY"


def test_a_lost_task_on_its_last_attempt_fails_as_worker_lost():
    """No attempts left: the task is FAILED, and the failure names the lost worker."""
    row = left_running_by("one")
    DBTaskResult.objects.filter(pk=row.pk).update(
        worker_ids=[f"worker-{n}" for n in range(DEFAULT_RETRY.attempts)]
    )
    assert leases.reclaim_lost_tasks() == 1
    row = DBTaskResult.objects.get()
    assert (row.status, row.exception_class_path) == ("FAILED", WORKER_LOST)


def test_a_worker_that_starts_while_the_reclaim_runs_keeps_the_task_it_claimed(monkeypatch):
    """Another worker's reclaim looks at the running tasks just as a new worker takes its
    lease and claims a task: that task is left to the new worker, not queued to run twice."""
    running = DBTaskResult.objects.running

    def new_worker_claims_meanwhile() -> object:
        leases.renew("new-worker")
        left_running_by("new-worker")
        return running()

    monkeypatch.setattr(DBTaskResult.objects, "running", new_worker_claims_meanwhile)
    assert leases.reclaim_lost_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_a_worker_holds_its_lease_while_it_runs_and_gives_it_back():
    """A live worker's task is left alone; a clean exit deletes the lease."""
    with leases.Lease("alive", every=timedelta(seconds=5)):
        left_running_by("alive")
        assert leases.reclaim_lost_tasks() == 0
        assert WorkerLease.objects.filter(worker_id="alive").exists()
    assert not WorkerLease.objects.filter(worker_id="alive").exists()


def test_tasks_running_in_a_restored_backup_are_queued_to_run_now():
    """The backup's workers are gone: their tasks run at the next worker's turn."""
    left_running_by("worker-of-the-backup")
    leases.renew("worker-of-the-backup")
    assert leases.queue_again_after_restore() == 1
    assert DBTaskResult.objects.get().status == "READY"
    assert not WorkerLease.objects.exists()
    sample_tasks.SEEN.clear()
    call_command("worker", burst=True)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert len(sample_tasks.SEEN) == 1
