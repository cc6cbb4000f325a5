"""A task survives the death of its worker and a restore, as an operator would meet them:
`corridor worker` killed mid-task, another started; a backup taken while a task ran,
restored. Each task runs again and its effect is committed once."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keyd.helpers import with_checkout
from tests.processes import CORRIDOR, corridor_env, installed_data_dir, run_corridor

pytestmark = pytest.mark.process

HANGING_TASK = "tests.sample_tasks.commit_once_then_hang"
TASK_STATE = """
import json
from django_tasks_db.models import DBTaskResult
from corridor.core.models import Tally
row = DBTaskResult.objects.filter(args_kwargs__args=[{item!r}]).first()
tally = Tally.objects.filter(dimensions="item={item}").first()
print(json.dumps({{
    "status": row and row.status, "attempts": row and len(row.worker_ids),
    "effects": tally and tally.count,
}}))
"""


@pytest.fixture(scope="module")
def installation(tmp_path_factory, seed_root) -> tuple[Path, dict[str, str]]:
    data_dir = installed_data_dir(tmp_path_factory.mktemp("reclaim"), seed_root)
    return data_dir, with_checkout(corridor_env(data_dir))


def enqueue(env: dict[str, str], item: str) -> None:
    code = f"from tests import sample_tasks; sample_tasks.commit_once_then_hang.enqueue({item!r})"
    queued = run_corridor("shell", "-c", code, env=env)
    assert queued.returncode == 0, queued.stderr


def task_state(env: dict[str, str], item: str) -> dict[str, object]:
    shown = run_corridor("shell", "-c", TASK_STATE.format(item=item), env=env)
    assert shown.returncode == 0, shown.stderr
    state: dict[str, object] = json.loads(shown.stdout.splitlines()[-1])
    return state


def wait_for(env: dict[str, str], item: str, wanted: dict[str, object], within: float) -> float:
    """Seconds until the task's state holds `wanted`; fails after `within` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        state = task_state(env, item)
        if all(state[key] == value for key, value in wanted.items()):
            return time.monotonic() - start
        time.sleep(1)
    raise AssertionError(f"after {within} s the task is {task_state(env, item)}, not {wanted}")


@pytest.fixture
def worker_processes(installation) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def start_worker(env: dict[str, str], started: list[subprocess.Popen[bytes]]) -> None:
    worker = subprocess.Popen(
        [CORRIDOR, "worker", "--interval", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started.append(worker)


def test_a_killed_workers_task_runs_again_within_a_minute_and_commits_once(
    installation, worker_processes
):
    """The worker is killed after the task committed its effect but before it finished;
    another worker runs the task again within a minute, and the effect is there once."""
    _data_dir, env = installation
    item = uuid.uuid4().hex
    enqueue(env, item)
    start_worker(env, worker_processes)
    wait_for(env, item, {"status": "RUNNING", "effects": 1}, within=60)
    worker_processes[0].send_signal(signal.SIGKILL)
    worker_processes[0].wait(timeout=10)
    killed_at = time.monotonic()
    start_worker(env, worker_processes)
    wait_for(env, item, {"status": "SUCCESSFUL"}, within=90)
    assert time.monotonic() - killed_at < 60
    assert task_state(env, item) == {"status": "SUCCESSFUL", "attempts": 2, "effects": 1}


def test_a_restore_queues_again_the_tasks_running_at_the_backup(installation, tmp_path):
    """A backup taken while a task ran restores with that task queued to run at once."""
    data_dir, env = installation
    item = uuid.uuid4().hex
    enqueue(env, item)
    # What a worker caught mid-task by the backup leaves: the row claimed, the effect not yet.
    claim = (
        "from django_tasks_db.models import DBTaskResult; "
        f"DBTaskResult.objects.filter(args_kwargs__args=[{item!r}]).update("
        "status='RUNNING', worker_ids=['worker-of-the-old-machine'])"
    )
    assert run_corridor("shell", "-c", claim, env=env).returncode == 0
    backups = tmp_path / "backups"
    made = run_corridor("backup", str(backups), env=env)
    assert made.returncode == 0, made.stderr
    restored_env = with_checkout(
        corridor_env(tmp_path / "restored", CORRIDOR_SECRET_KEY=secrets.token_urlsafe(48))
    )
    restored = run_corridor(
        "restore", str(backups), "--kek-file", str(data_dir / "kek.demo"), env=restored_env
    )
    assert restored.returncode == 0, restored.stderr
    assert "Queued again 1 task running at the backup." in restored.stdout
    assert task_state(restored_env, item) == {"status": "READY", "attempts": 1, "effects": None}
