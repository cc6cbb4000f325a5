"""The worker's heartbeat: a periodic job that does nothing, so its run time says the loop turns.

`corridor doctor` reads it to tell a running worker from a dead or stuck one. It
holds a time and nothing else; every worker process stamps the same row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from corridor.core.models import PeriodicJobState
from corridor.core.tasks import periodic

HEARTBEAT_JOB = "core.worker_heartbeat"
HEARTBEAT_EVERY = timedelta(seconds=30)


@periodic(HEARTBEAT_JOB, every=HEARTBEAT_EVERY)
def worker_heartbeat() -> None:
    """Nothing to do: run_due_jobs stamping this job's last run time is the beat."""


def last_heartbeat() -> datetime | None:
    """When a worker last went round its loop, or None if no worker ever has."""
    return (
        PeriodicJobState.objects.filter(name=HEARTBEAT_JOB)
        .values_list("last_run_at", flat=True)
        .first()
    )
