"""Worker leases: a task whose worker died is queued again within a minute.

Every `corridor worker` process holds a lease (core.models.WorkerLease) that a thread
renews every few seconds, also while a long task runs. A task left RUNNING by a worker
whose lease has lapsed (killed, out of memory, the machine gone) counts as a failed
attempt, and the retry policy queues it again (core.retries). The reclaiming job runs in
every worker, so a restarted worker or any other one picks it up:

    lapse 20 s + reclaim every 10 s + first retry wait 10 s + poll 2 s: under a minute.

A restore brings back tasks that were RUNNING when the backup was taken; no worker of
theirs exists any more, so `queue_again_after_restore` puts them back at once.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta
from types import TracebackType
from uuid import UUID

from django.db import DatabaseError, connection
from django.db.models import Q
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from corridor.core import clock
from corridor.core.disk_full import CAUSE as DISK_FULL
from corridor.core.disk_full import is_disk_full
from corridor.core.models import WorkerLease
from corridor.core.retries import retry_or_give_up
from corridor.core.tasks import periodic

logger = logging.getLogger(__name__)

RENEW_EVERY = timedelta(seconds=5)
LAPSES_AFTER = timedelta(seconds=20)
RECLAIM_EVERY = timedelta(seconds=10)
# A lease this old belongs to a worker that is long gone and has nothing left to reclaim.
FORGOTTEN_AFTER = timedelta(days=1)


def new_worker_id() -> str:
    """Host, process and a random part: unique across restarts and machines, at most 64."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(4)}"


def renew(worker_id: str) -> None:
    WorkerLease.objects.update_or_create(worker_id=worker_id, defaults={"renewed_at": clock.now()})


class Lease:
    """Hold `worker_id`'s lease while the block runs; a clean exit gives it back.

    The first renewal happens on entry, before the worker claims anything.
    """

    def __init__(self, worker_id: str, *, every: timedelta = RENEW_EVERY) -> None:
        self.worker_id = worker_id
        self._every = every.total_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep_renewing, daemon=True)
        # False when the first renewal failed on a full disk.
        self.taken = True

    def __enter__(self) -> Lease:
        try:
            renew(self.worker_id)
        except DatabaseError as error:
            if not is_disk_full(error):
                raise
            # The worker renews it itself once the disk has room, before it claims a task.
            self.taken = False
            logger.warning("worker lease not taken", exc_info=True, extra={"cause": DISK_FULL})
        # Inside a transaction (a test's), no other process sees the lease, and the
        # thread's renewal would wait on the row this transaction holds.
        if not connection.in_atomic_block:
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            WorkerLease.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("worker lease left to lapse", exc_info=True)

    def _keep_renewing(self) -> None:
        try:
            while not self._stop.wait(self._every):
                try:
                    renew(self.worker_id)
                except DatabaseError:
                    # A busy database or a full disk: the next renewal tries again, and a
                    # lease lapses only after several missed ones.
                    logger.warning("worker lease not renewed", exc_info=True)
                    # A fresh connection for the next renewal: one that failed mid-write
                    # (SQLite on a full disk) is not trusted again.
                    _close_quietly()
        finally:
            connection.close()


def _close_quietly() -> None:
    try:
        connection.close()
    except DatabaseError:
        logger.warning("connection closed with an error")


def reclaim_lost_tasks(at: datetime | None = None) -> int:
    """Queue again (or fail, once its attempts are spent) every task left RUNNING by a
    worker whose lease has lapsed; returns how many were reclaimed."""
    moment = at or clock.now()
    # The running tasks first, the leases after: a worker takes its lease before it claims
    # a task, so a worker that starts in between is seen alive with the task it claimed.
    running = list(DBTaskResult.objects.running())
    alive = set(
        WorkerLease.objects.filter(renewed_at__gte=moment - LAPSES_AFTER).values_list(
            "worker_id", flat=True
        )
    )
    reclaimed = 0
    for row in running:
        last_worker = row.worker_ids[-1] if row.worker_ids else None
        if last_worker in alive:
            continue
        logger.warning("task of a lost worker reclaimed", extra={"task": row.task_path})
        retry_or_give_up(row, at=moment)
        reclaimed += 1
    WorkerLease.objects.filter(renewed_at__lt=moment - FORGOTTEN_AFTER).delete()
    return reclaimed


def settle_own_tasks(worker_id: str, *, failed_ids: Iterable[UUID] = ()) -> int:
    """Queue again the tasks this live worker could not finish recording; returns how many.

    After a full disk a worker holds tasks that reclaiming never touches, since their worker
    is alive: left RUNNING because the row could not be marked done or failed, or FAILED
    (`failed_ids`) without their retry being queued. Call it between tasks, never during one.
    """
    rows = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.RUNNING)
        | Q(pk__in=list(failed_ids), status=TaskResultStatus.FAILED)
    )
    settled = 0
    for row in rows:
        if row.worker_ids and row.worker_ids[-1] == worker_id:
            retry_or_give_up(row)
            settled += 1
    return settled


@periodic("core.reclaim_lost_tasks", every=RECLAIM_EVERY)
def reclaim() -> None:
    reclaim_lost_tasks()


def queue_again_after_restore() -> int:
    """Tasks a restored backup holds as RUNNING are queued to run now; returns how many.

    Their workers belong to the installation the backup came from and none of them is
    coming back; the interrupted run counts as an attempt, like any other.
    """
    WorkerLease.objects.all().delete()
    return DBTaskResult.objects.running().update(
        status=TaskResultStatus.READY, run_after=clock.now()
    )
