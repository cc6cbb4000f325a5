"""A full disk, as an operator meets it: the data directory on a small tmpfs that the test
fills while `corridor worker` and `corridor serve` run, then frees.

The worker stays alive and names the cause in its log, staff get a 503 that says the disk
is full, and once space is back every task queued before runs, each effect committed once.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keyd.helpers import with_checkout
from tests.processes import CORRIDOR, corridor_env, free_port, run_corridor, wait_until_up

pytestmark = pytest.mark.process

SENTENCE = "The server&#x27;s disk is full; nothing you entered was lost."
TASKS = 5
SESSIONS = 8

# A coordinator with a session last seen two minutes ago: their next page writes to the
# session table (and their alerts are read back at the end).
STAFF_SESSION = """
from datetime import timedelta
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from corridor.accounts.models import Staff
from corridor.accounts.sessions import LAST_SEEN, start_staff_session
from corridor.core import clock
staff = Staff.objects.create(username="coordinator1", must_change_password=False)
staff.groups.add(Group.objects.get_or_create(name="coordinator")[0])
for _ in range({sessions}):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    start_staff_session(request, staff=staff, method="totp")
    request.session[LAST_SEEN] = (clock.now() - timedelta(minutes=2)).isoformat()
    request.session.save()
    print(request.session.session_key)
"""
ENQUEUE = """
from datetime import timedelta
from corridor.core import clock
from tests import sample_tasks
later = sample_tasks.commit_once.using(run_after=clock.now() + timedelta(seconds={delay}))
for item in {items!r}:
    later.enqueue(item)
"""
STATE = """
import json
from django_tasks_db.models import DBTaskResult
from corridor.accounts.models import StaffAlert
from corridor.core.models import Tally
items = {items!r}
print(json.dumps({{
    "statuses": sorted(
        DBTaskResult.objects.filter(task_path__endswith="commit_once").values_list(
            "status", flat=True
        )
    ),
    "effects": sorted(
        Tally.objects.filter(name="sample.effect", dimensions__in=[f"item={{i}}" for i in items])
        .values_list("count", flat=True)
    ),
    "alerts": sorted(StaffAlert.objects.values_list("code", flat=True).distinct()),
}}))
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MB tmpfs, unmounted afterwards; the test is skipped where none can be mounted."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the databases live on the PostgreSQL server, not on the small disk")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("this machine cannot mount a tmpfs (CI runs as root and can)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> None:
    """Write a new file until the disk refuses another byte."""
    filler = directory / f"filler-{uuid.uuid4().hex}"
    with filler.open("wb", buffering=0) as handle:
        for size in (1024**2, 64 * 1024, 4096, 512, 1):
            chunk = b"\0" * size
            try:
                while True:
                    handle.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise


def fetch(url: str, session_key: str) -> tuple[int, str]:
    cookie = {"Cookie": f"corridor_session={session_key}"}
    request = urllib.request.Request(url, headers=cookie)  # noqa: S310 - loopback http
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def state(env: dict[str, str], items: list[str]) -> dict[str, list[object]]:
    shown = run_corridor("shell", "-c", STATE.format(items=items), env=env)
    assert shown.returncode == 0, shown.stderr
    found: dict[str, list[object]] = json.loads(shown.stdout.splitlines()[-1])
    return found


def test_a_full_disk_leaves_the_worker_alive_and_staff_told_and_loses_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    # Given an installation on a small disk, a coordinator logged in and five tasks queued
    # (acknowledged: committed) to run in a moment,
    env = with_checkout(corridor_env(small_disk / "data"))
    installed = run_corridor("setup", "--no-input", env=env, timeout=300)
    assert installed.returncode == 0, installed.stderr
    made = run_corridor("shell", "-c", STAFF_SESSION.format(sessions=SESSIONS), env=env)
    assert made.returncode == 0, made.stderr
    session_keys = made.stdout.split()[-SESSIONS:]
    items = [uuid.uuid4().hex for _ in range(TASKS)]
    queued = run_corridor("shell", "-c", ENQUEUE.format(delay=45, items=items), env=env)
    assert queued.returncode == 0, queued.stderr

    # Logs go beside the small disk, not onto it.
    worker_log = tmp_path / "worker.log"
    serve_log = tmp_path / "serve.log"
    port = free_port()
    with worker_log.open("wb") as worker_out, serve_log.open("wb") as serve_out:
        worker = subprocess.Popen(
            [CORRIDOR, "worker", "--interval", "1"], env=env, stdout=worker_out, stderr=worker_out
        )
        server = subprocess.Popen(
            [CORRIDOR, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=serve_out,
            stderr=serve_out,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)

            # When the disk fills before the tasks are due,
            fill(small_disk)
            deadline = time.monotonic() + 90
            # (SQLite can find room for a small write where its write-ahead log was
            # checkpointed or removed: the disk is topped up until the worker's loop fails.)
            while b"worker cannot write: disk full" not in worker_log.read_bytes():
                assert time.monotonic() < deadline, worker_log.read_text()
                assert worker.poll() is None, worker_log.read_text()
                time.sleep(1)
                fill(small_disk)

            # then the worker names the cause and stays alive, waiting,
            time.sleep(5)
            assert worker.poll() is None, worker_log.read_text()
            lines = [json.loads(line) for line in worker_log.read_text().splitlines() if line]
            assert any(line.get("cause") == "disk full" for line in lines)
            # and a coordinator's page answers 503 with the sentence, never 500 (topped up
            # before each page; a page that found room to write answers as usual).
            statuses = []
            for key in session_keys[:-1]:
                fill(small_disk)
                status, body = fetch(base + "/", key)
                statuses.append(status)
                if status == 503:
                    break
            assert set(statuses) <= {200, 503}, statuses
            assert (status, SENTENCE in body) == (503, True), body
            assert "Traceback" not in body
            assert "OperationalError" not in body

            # When space is freed again,
            for filler in small_disk.glob("filler*"):
                filler.unlink()
            deadline = time.monotonic() + 120
            while state(env, items)["statuses"] != ["SUCCESSFUL"] * TASKS:
                assert time.monotonic() < deadline, (state(env, items), worker_log.read_text())
                assert worker.poll() is None, worker_log.read_text()
                time.sleep(2)

            # then every task queued before ran, each effect is there once, the worker still
            # runs, coordinators are told the disk was full, and the page works again.
            after = state(env, items)
            assert after["effects"] == [1] * TASKS
            assert "disk_full" in after["alerts"]
            assert worker.poll() is None
            assert fetch(base + "/", session_keys[-1])[0] == 200
            log = worker_log.read_text()
            assert "worker writes again after a full disk" in log
        finally:
            for process in (worker, server):
                process.terminate()
                process.wait(timeout=30)
