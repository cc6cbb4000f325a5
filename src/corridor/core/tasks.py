"""Background work: tasks that carry ids only, and periodic jobs the worker runs.

django-tasks-db stores a task's arguments, return value and traceback in the
database, so a task here takes ids only, returns None, and on failure raises
`TaskFailed`, which carries no message: the original exception's text (which
may quote personal data) never reaches the task table. What went wrong is
logged by type and location only (see core.logging).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ParamSpec, overload

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task

from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.core.disk_full import is_disk_full
from corridor.core.exceptions import CorridorError, KeyFailure, KeysUnavailable
from corridor.core.key_failure_reports import report_key_failure
from corridor.core.models import PeriodicJobState
from corridor.core.retries import DEFAULT_RETRY, RetryPolicy, register_policy

logger = logging.getLogger(__name__)
P = ParamSpec("P")

TaskArgument = str | int


class TaskFailed(CorridorError):
    """A background task failed; see the worker's log for the exception type and place."""


class TaskArgumentNotAnId(CorridorError):
    """A task was given something other than an id."""


@overload
def corridor_task(function: Callable[P, None], /) -> Task[P, None]: ...


@overload
def corridor_task(*, retry: RetryPolicy) -> Callable[[Callable[P, None]], Task[P, None]]: ...


def corridor_task(
    function: Callable[P, None] | None = None, /, *, retry: RetryPolicy = DEFAULT_RETRY
) -> Task[P, None] | Callable[[Callable[P, None]], Task[P, None]]:
    """Register `function` as a background task that never stores exception text and is
    tried again on failure by `retry` (core.retries): its effects must be safe to repeat."""

    def register(function: Callable[P, None]) -> Task[P, None]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            try:
                function(*args, **kwargs)
            except KeyFailure as failure:
                # Audited and alerted as on a page; retried by its policy like any failure.
                report_key_failure(failure, actor=WORKER, work=function.__qualname__)
                raise TaskFailed from None
            except Exception:
                logger.exception("task failed", extra={"task": function.__qualname__})
                raise TaskFailed from None

        registered = task(run)
        register_policy(registered.module_path, retry)
        return registered

    return register if function is None else register(function)


def enqueue_on_commit(
    job: Task[P, None], *ids: TaskArgument, run_after: datetime | None = None
) -> None:
    """Queue `job` with id arguments once the current transaction commits; with
    `run_after`, no worker takes it before then (a promised delay)."""
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TaskArgumentNotAnId(type(value).__name__)
        if isinstance(value, str):
            _check_id_string(value)
    queued = job.using(run_after=run_after) if run_after is not None else job
    transaction.on_commit(lambda: queued.enqueue(*ids))  # type: ignore[arg-type,call-arg]  # ids match P at run time


def _check_id_string(value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        if not (len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()):
            raise TaskArgumentNotAnId("str") from None


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[], None]


_PERIODIC: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register a job the worker runs every `every`; jobs must be safe to run twice."""

    def register(function: Callable[[], None]) -> Callable[[], None]:
        _PERIODIC[name] = PeriodicJob(name=name, every=every, run=function)
        return function

    return register


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_PERIODIC.values(), key=lambda job: job.name)


def run_due_jobs(at: datetime | None = None) -> list[str]:
    """Run every periodic job that is due, claiming each so two workers never run it at once.

    Returns the names of the jobs this call ran.
    """
    moment = at or clock.now()
    ran: list[str] = []
    for job in periodic_jobs():
        state, _ = PeriodicJobState.objects.get_or_create(name=job.name)
        if state.last_run_at is not None and state.last_run_at + job.every > moment:
            continue
        # Compare-and-set on the last run time: only one worker wins the claim.
        claimed = PeriodicJobState.objects.filter(
            name=job.name, last_run_at=state.last_run_at
        ).update(last_run_at=moment)
        if not claimed:
            continue
        try:
            job.run()
        except KeyFailure as failure:
            # Sealed after a restart is expected, and the job runs again at its next turn;
            # still audited (an alert once per kind), as a refusal or a failed check is.
            report_key_failure(failure, actor=WORKER, work=job.name)
            if isinstance(failure, KeysUnavailable):
                logger.warning("periodic job waits for unseal", extra={"job": job.name})
            continue
        except Exception as error:
            if is_disk_full(error):
                # Not this job's fault: the worker waits until the disk has room again.
                raise
            logger.exception("periodic job failed", extra={"job": job.name})
            continue
        ran.append(job.name)
    return ran
