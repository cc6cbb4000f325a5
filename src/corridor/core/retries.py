"""One retry mechanism for every background task: attempts, with a growing wait between them.

django-tasks runs a task once. Here a failed attempt (the task raised, or its worker died
while it ran: core.leases) puts the same task row back in the queue with `run_after` set
by the task's policy, until its attempts are spent; then it stays FAILED. The attempt
count is the number of workers that claimed the row, so nothing else is stored.

    @corridor_task                                   # DEFAULT_RETRY
    @corridor_task(retry=RetryPolicy(attempts=10))   # a task that must keep trying

A task therefore runs at least once and may run again after its effects were committed
(a worker killed between the commit and marking the row done): its committing
transaction checks, under a row lock, that the effect is not there yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from corridor.core import clock

logger = logging.getLogger(__name__)

# Stored as the failure's exception path when the last attempt's worker died.
WORKER_LOST = "corridor.core.retries.WorkerLost"


@dataclass(frozen=True)
class RetryPolicy:
    """`attempts` runs in all; the wait after the first failure is `first_wait`, then four
    times the previous one, never more than `longest_wait`."""

    attempts: int = 6
    first_wait: timedelta = timedelta(seconds=10)
    longest_wait: timedelta = timedelta(hours=1)

    def wait_after(self, attempt: int) -> timedelta | None:
        """The wait after failed attempt number `attempt` (from 1); None if none are left."""
        if attempt >= self.attempts:
            return None
        # Multiplied step by step: 4 ** attempt would overflow timedelta for a policy that
        # never gives up (the worker waiting out a full disk).
        wait = self.first_wait
        for _ in range(attempt - 1):
            if wait >= self.longest_wait:
                break
            wait *= 4
        return min(wait, self.longest_wait)


# 10 s, 40 s, 2 min 40 s, 10 min 40 s, 42 min 40 s: about an hour in six attempts.
DEFAULT_RETRY = RetryPolicy()
_POLICIES: dict[str, RetryPolicy] = {}


def register_policy(task_path: str, policy: RetryPolicy) -> None:
    _POLICIES[task_path] = policy


def policy_for(task_path: str) -> RetryPolicy:
    return _POLICIES.get(task_path, DEFAULT_RETRY)


def attempts_of(row: DBTaskResult[..., None]) -> int:
    """How many times a worker has claimed this task (each claim appends its id)."""
    return len(row.worker_ids) if isinstance(row.worker_ids, list) else 0


def retry_or_give_up(row: DBTaskResult[..., None], *, at: datetime | None = None) -> bool:
    """After a failed attempt, queue the task again after its policy's wait; True if queued.

    `row` is FAILED (the task raised) or RUNNING (its worker died). The update is a
    compare-and-set on that status, so two workers reclaiming the same row count it once.
    """
    moment = at or clock.now()
    wait = policy_for(row.task_path).wait_after(max(attempts_of(row), 1))
    matching = DBTaskResult.objects.filter(pk=row.pk, status=row.status)
    if wait is not None:
        queued = matching.update(status=TaskResultStatus.READY, run_after=moment + wait)
        if queued:
            logger.warning(
                "task attempt failed; it runs again",
                extra={"task": row.task_path, "count": attempts_of(row)},
            )
        return bool(queued)
    if row.status == TaskResultStatus.RUNNING:
        matching.update(
            status=TaskResultStatus.FAILED,
            finished_at=moment,
            exception_class_path=WORKER_LOST,
            traceback="",
        )
    logger.error(
        "task failed on its last attempt", extra={"task": row.task_path, "count": attempts_of(row)}
    )
    return False
