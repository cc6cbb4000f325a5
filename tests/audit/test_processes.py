"""The log under several processes, and `corridor audit` as a separate program.

On the PostgreSQL run each data dir gets a fresh PostgreSQL database, so the
concurrency test runs against PostgreSQL there and against a SQLite file here.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections import Counter

import pytest

from tests.processes import CORRIDOR, corridor_env, run_corridor

pytestmark = pytest.mark.process

WRITERS = 4
EVENTS_EACH = 60
# Each writer waits at a barrier so all four start together, then records its
# events one transaction at a time; every fifth transaction fails after
# recording, and its number must go to whichever writer comes next.
WRITER = """
import pathlib, time
from django.db import transaction
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import SystemActor

barrier = pathlib.Path("{barrier}")
(barrier / "ready-{number}").touch()
while not (barrier / "go").exists():
    time.sleep(0.01)
actor = SystemActor("writer{number}")
for index in range({count}):
    record_event(actor=actor, event=EventType.ACCESS_DENIED, detail={{"index": index}})
    time.sleep(0.002)  # let the others at the lock, so the writers interleave
    if index % 5 == 0:
        try:
            with transaction.atomic():
                record_event(actor=actor, event=EventType.LOGOUT)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
"""


@pytest.fixture
def installation(tmp_path):
    env = corridor_env(tmp_path, CORRIDOR_SECRET_KEY=secrets.token_urlsafe(48))
    result = run_corridor("setup", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    return env


def events_so_far(env) -> int:
    """How many events the log holds (setup records its own, e.g. the first admin)."""
    verified = run_corridor("audit", "verify", env=env)
    return int(verified.stdout.split()[1])


def test_concurrent_writers_leave_no_gap_and_no_duplicate(installation, tmp_path):
    """Four processes writing at once add exactly 240 numbers after setup's, and the log
    verifies."""
    before = events_so_far(installation)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    script = {"barrier": barrier, "count": EVENTS_EACH}
    writers = [
        subprocess.Popen(
            [CORRIDOR, "shell", "-c", WRITER.format(number=number, **script)],
            env=installation,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for number in range(WRITERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(barrier.glob("ready-*"))) < WRITERS and time.monotonic() < deadline:
        time.sleep(0.05)
    (barrier / "go").touch()
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors

    verified = run_corridor("audit", "verify", env=installation)
    total = before + WRITERS * EVENTS_EACH
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"verified {total} events, root ")

    exported = run_corridor("audit", "export", "--since", "1970-01-01", env=installation)
    items = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [item["seq"] for item in items] == list(range(1, total + 1))
    written = [item for item in items if item["leaf"]["actor"].startswith("system:writer")]
    assert Counter(item["leaf"]["actor"] for item in written) == {
        f"system:writer{number}": EVENTS_EACH for number in range(WRITERS)
    }


def test_the_operator_sees_exit_codes_and_lines_of_the_issue(installation, tmp_path):
    """head, then verify: exit 0 and the verified line; an unreadable head file: exit 2."""
    before = events_so_far(installation)
    head = run_corridor("audit", "head", env=installation)
    assert head.returncode == 0, head.stderr
    (tmp_path / "head.json").write_text(head.stdout)
    verified = run_corridor(
        "audit", "verify", "--head", str(tmp_path / "head.json"), env=installation
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith(f"verified {before + 1} events, root ")
    unreadable = run_corridor("audit", "verify", "--head", str(tmp_path / "nope"), env=installation)
    assert unreadable.returncode == 2
    assert "cannot read the head file" in unreadable.stderr


def test_a_database_without_the_log_is_unusable_input(tmp_path):
    """Before `corridor setup` there is no log to read: exit 2 with a sentence, no traceback."""
    env = corridor_env(tmp_path, CORRIDOR_SECRET_KEY=secrets.token_urlsafe(48))
    result = run_corridor("audit", "verify", env=env)
    assert result.returncode == 2
    assert "cannot read the audit log" in result.stderr
    assert "Traceback" not in result.stderr
