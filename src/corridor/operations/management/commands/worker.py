"""`corridor worker [--burst]`: run queued background tasks and the periodic jobs.

The worker holds a lease while it runs (core.leases): if it dies, the task it was running
is queued again by the next worker. A task that fails is queued again by its retry policy
(core.retries).

A full disk does not stop it: it logs the cause, drops its database connections, waits
(longer each time, up to half a minute) and tries again. Once it can write, it renews its
lease, queues again the tasks whose outcome it could not record, and alerts coordinators
and administrators that the disk was full.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType
from typing import Any
from uuid import UUID

from django.core.management.base import CommandParser
from django.db import DatabaseError, close_old_connections, connections
from django_tasks_db.compat import (
    DEFAULT_TASK_BACKEND_ALIAS,
    DEFAULT_TASK_QUEUE_NAME,
    TaskResultStatus,
)
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from corridor.core.commands import CorridorCommand
from corridor.core.disk_full import CAUSE as DISK_FULL
from corridor.core.disk_full import is_disk_full
from corridor.core.leases import Lease, new_worker_id, renew, settle_own_tasks
from corridor.core.retries import RetryPolicy, retry_or_give_up
from corridor.core.tasks import run_due_jobs
from corridor.operations.free_space import alert_disk_was_full
from corridor.operations.keys_at_start import check_caller, require_keys, wait_for_keys

logger = logging.getLogger(__name__)

# The loop closes its database connection for every task (Django's default age is 0),
# and opening one costs as much as a small task on PostgreSQL: the worker keeps it this
# many seconds instead, checked before reuse (CONN_HEALTH_CHECKS).
KEEP_CONNECTION_FOR = 60

# Periodic jobs (the reclaim among them) run between batches: a long queue does not hold
# them up for more than this many tasks.
TASKS_PER_BATCH = 20

# Waiting out a full disk: 2 s, 8 s, then every 30 s until space is freed; never gives up.
DISK_FULL_WAIT = RetryPolicy(
    attempts=sys.maxsize, first_wait=timedelta(seconds=2), longest_wait=timedelta(seconds=30)
)


class _RetryingWorker(Worker):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Tasks that failed while their retry could not be queued (a full disk).
        self.failed_unsettled: set[UUID] = set()

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == TaskResultStatus.FAILED:
            try:
                retry_or_give_up(db_task_result)
            except DatabaseError:
                self.failed_unsettled.add(db_task_result.pk)
                raise


@contextmanager
def _connections_kept(seconds: int) -> Iterator[None]:
    saved = {
        alias: connections[alias].settings_dict.get("CONN_MAX_AGE", 0) for alias in connections
    }
    for alias in saved:
        connections[alias].settings_dict["CONN_MAX_AGE"] = seconds
    try:
        yield
    finally:
        for alias, age in saved.items():
            connections[alias].settings_dict["CONN_MAX_AGE"] = age


class Command(CorridorCommand):
    help = "Run queued tasks and periodic jobs; with --burst, stop once the queue is empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="Run what is due, empty the queue, then exit."
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between polls (default 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._running = True
        # Its INFO lines name every start and stop of a batch; problems still show.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        self._tasks = _RetryingWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=0,
            batch=True,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=TASKS_PER_BATCH,
            worker_id=new_worker_id(),
            excluded_queue_names=[],
        )
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        check_caller("worker", self._say)
        if options["burst"]:
            # A one-off run does not wait: it says that keyd is down and exits 1.
            require_keys(self._say)
        elif not wait_for_keys(self._say, keep_waiting=lambda: self._running, sleep=self._sleep):
            return
        with _connections_kept(KEEP_CONNECTION_FOR), Lease(self._tasks.worker_id) as lease:
            # Full-disk errors in a row; the last spell is settled once this is back to 0.
            self._disk_full_errors = 0 if lease.taken else 1
            while self._running:
                try:
                    if self._disk_full_errors:
                        self._after_disk_full()
                    close_old_connections()
                    run_due_jobs()
                    self._run_queued_tasks(until_empty=options["burst"])
                except (DatabaseError, OSError) as error:
                    if not is_disk_full(error):
                        raise
                    self._wait_out_disk_full(error)
                    continue
                if options["burst"]:
                    return
                self._sleep(options["interval"])

    def _wait_out_disk_full(self, error: BaseException) -> None:
        self._disk_full_errors += 1
        logger.error(
            "worker cannot write: disk full; trying again",
            exc_info=(type(error), error, error.__traceback__),
            extra={"cause": DISK_FULL, "count": self._disk_full_errors},
        )
        # A connection that saw the error may hold a half-open transaction (SQLite rolls
        # back on SQLITE_FULL by itself, or not, depending on the statement): never reuse
        # it. Closing a broken one can fail too; the next query opens a fresh one anyway.
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except DatabaseError:
                logger.warning("connection closed with an error", extra={"cause": DISK_FULL})
        wait = DISK_FULL_WAIT.wait_after(self._disk_full_errors)
        self._sleep(wait.total_seconds() if wait is not None else 30.0)

    def _after_disk_full(self) -> None:
        """The disk has room again (or this raises again): put things straight, then alert."""
        renew(self._tasks.worker_id)
        settled = settle_own_tasks(self._tasks.worker_id, failed_ids=self._tasks.failed_unsettled)
        self._tasks.failed_unsettled.clear()
        alert_disk_was_full()
        logger.warning(
            "worker writes again after a full disk",
            extra={"cause": DISK_FULL, "count": settled},
        )
        self._disk_full_errors = 0

    def _say(self, line: str) -> None:
        self.stderr.write(line)
        self.stderr.flush()

    def _run_queued_tasks(self, *, until_empty: bool) -> None:
        while self._running:
            self._tasks.running = True
            self._tasks._run_tasks = 0
            self._tasks.run()
            if not until_empty or self._tasks._run_tasks < TASKS_PER_BATCH:
                return

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            time.sleep(0.1)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # The task that runs now finishes; no other starts.
        self._running = False
        self._tasks.running = False
