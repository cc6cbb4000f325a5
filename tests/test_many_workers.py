"""Several `corridor worker` processes share one queue on PostgreSQL, as an operator runs
them on the keyd host: three workers, a thousand tasks, each task run once."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keyd.helpers import with_checkout
from tests.processes import CORRIDOR, corridor_env, installed_data_dir, run_corridor

pytestmark = [pytest.mark.process, pytest.mark.postgres]

WORKERS = 3
TASKS = 1000
# One shell, so that Django starts once: wait until every worker holds its lease, queue
# the tasks (in one transaction) while they poll, wait until none is queued or running,
# and count.
QUEUE_AND_COUNT = """
import json, time
from collections import Counter
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from corridor.core.models import Tally, WorkerLease
from tests import sample_tasks

def wait_until(done, within):
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.2)

wait_until(lambda: WorkerLease.objects.count() >= {workers}, within=60)
with transaction.atomic():
    for number in range({tasks}):
        sample_tasks.count_run.enqueue(f"item-{{number:04}}")
rows = DBTaskResult.objects.filter(task_path="tests.sample_tasks.count_run")
wait_until(lambda: not rows.filter(status__in=["READY", "RUNNING"]).exists(), within=120)
claims = list(rows.values_list("worker_ids", flat=True))
runs = Tally.objects.filter(name="sample.run").values_list("dimensions", "count")
print(json.dumps({{
    "statuses": Counter(rows.values_list("status", flat=True)),
    "claims per task": Counter(len(ids) for ids in claims),
    "workers that ran tasks": len({{worker for ids in claims for worker in ids}}),
    "tasks with an effect": len(runs),
    "runs per effect": Counter(count for _, count in runs),
}}))
"""


@pytest.fixture
def installation(tmp_path: Path, seed_root: Path) -> dict[str, str]:
    return with_checkout(corridor_env(installed_data_dir(tmp_path, seed_root)))


@pytest.fixture
def workers(
    installation: dict[str, str], tmp_path: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    for number in range(WORKERS):
        with (tmp_path / f"worker-{number}.log").open("wb") as log:
            started.append(
                subprocess.Popen(
                    [CORRIDOR, "worker", "--interval", "0.2"],
                    env=installation,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_three_workers_on_postgresql_run_a_thousand_tasks_exactly_once(installation, workers):
    """Every task ends SUCCESSFUL after one claim and one run: none is lost, none runs
    twice, and all three workers take their share of the queue."""
    ran = run_corridor(
        "shell",
        "-c",
        QUEUE_AND_COUNT.format(workers=WORKERS, tasks=TASKS),
        env=installation,
        timeout=240,
    )
    assert ran.returncode == 0, ran.stderr
    counted = json.loads(ran.stdout.splitlines()[-1])
    assert counted == {
        "statuses": {"SUCCESSFUL": TASKS},
        "claims per task": {"1": TASKS},
        "workers that ran tasks": WORKERS,
        "tasks with an effect": TASKS,
        "runs per effect": {"1": TASKS},
    }
    assert all(process.poll() is None for process in workers)
