"""An installation that survives restarts: keyd starts again after setup as a user who
cannot read the web's data directory, and the web, portal and worker start while keyd is
down or sealed (each part its own process, as an operator runs it)."""

from __future__ import annotations

import os
import pwd
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.keyd.helpers import (
    is_root,
    keyd_process,
    send_portal_request,
    short_dir,
    with_checkout,
)
from tests.keyd.test_commands import unseal
from tests.processes import CORRIDOR, corridor_env, run_corridor, serving
from tests.test_commands import fetch

pytestmark = pytest.mark.process

SHARE = re.compile(r"share \d+/3: (.+)")
COUNT_REQUESTS = "from corridor.intake.models import Request; print(Request.objects.count())"


def count_requests(env: dict[str, str]) -> int:
    counted = run_corridor("shell", "-c", COUNT_REQUESTS, env=env)
    assert counted.returncode == 0, counted.stderr
    return int(counted.stdout.split()[-1])


@pytest.fixture(scope="module")
def installed() -> Iterator[tuple[dict[str, str], list[str]]]:
    """keys init (2 of 3) in keyd's own folder, keyd, unseal, setup; keyd stopped after."""
    with short_dir() as data_dir, short_dir() as keyd_dir:
        env = with_checkout(
            corridor_env(data_dir, CORRIDOR_KEY_PROVIDER="keyd", CORRIDOR_KEYD_DIR=str(keyd_dir))
        )
        made = run_corridor("keys", "init", "--shares", "3", "--threshold", "2", env=env)
        assert made.returncode == 0, made.stderr
        shares = [m.group(1) for m in map(SHARE.fullmatch, made.stdout.splitlines()) if m]
        assert len(shares) == 3
        with keyd_process(env):
            assert unseal(env, *shares[:2]).returncode == 0
            setup = run_corridor("setup", "--no-input", env=env)
            assert setup.returncode == 0, setup.stderr
        yield env, shares


def test_keyd_restarts_after_setup_as_a_user_who_cannot_read_the_data_dir(installed):
    env, shares = installed
    keyd_dir = Path(env["CORRIDOR_KEYD_DIR"])
    secret = Path(env["CORRIDOR_DATA_DIR"]) / "secret_key"
    assert secret.is_file()  # setup made it; keyd must not need it
    if is_root():
        # keyd as its own user, as installed: the data dir (0700, root's) is closed to it.
        nobody = pwd.getpwnam("nobody")
        prefix: tuple[str, ...] = (
            "setpriv",
            f"--reuid={nobody.pw_uid}",
            f"--regid={nobody.pw_gid}",
            "--clear-groups",
        )
        owner = (os.geteuid(), os.getegid())
        for path in (keyd_dir, *keyd_dir.rglob("*")):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    else:
        prefix = ()
        secret.chmod(0)
    # Coverage's hook in each subprocess writes its data file into the checkout, which
    # keyd's own user cannot do (a traceback at exit); keyd runs unmeasured here.
    keyd_env = {
        **{name: value for name, value in env.items() if not name.startswith("COVERAGE_")},
        "HOME": str(keyd_dir),
    }
    try:
        # Otherwise this test would prove nothing.
        assert subprocess.run([*prefix, "cat", str(secret)], capture_output=True).returncode
        for _start in range(2):
            with keyd_process(keyd_env, prefix=prefix) as keyd:
                status = subprocess.run(
                    [*prefix, CORRIDOR, "keyd", "status"],
                    env=keyd_env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert status.returncode == 3, status.stderr[-2000:]
                assert "Traceback" not in status.stderr, status.stderr[-2000:]
                assert "keyd: sealed; need 2 more" in status.stdout
                assert unseal(env, shares[2], shares[0]).returncode == 0
                assert keyd.poll() is None
            assert keyd.returncode == 0
    finally:
        if is_root():
            for path in (keyd_dir, *keyd_dir.rglob("*")):
                os.chown(path, *owner)
        else:
            secret.chmod(0o600)


def test_web_and_portal_servers_start_with_keyd_down(installed):
    env, _shares = installed
    before = count_requests(env)
    with serving(env) as (base, log):
        assert fetch(base + "/")[0] == 200  # the login page
        assert fetch(base + "/help/")[0] == 200
        # The portal stores the request; only the codename page waits for keyd.
        assert send_portal_request(base + "/help/", "Нужна помощь, пишу из дома") == 303
        assert "keyd is not running" in log.read_text()
    with serving(env, "--portal") as (base, _log):
        status, body = fetch(base + "/")
        assert (status, 'name="form_token"' in body) == (200, True)
        assert send_portal_request(base + "/", "Нужна помощь, пишу с работы") == 303
    assert count_requests(env) == before + 2


def test_the_worker_waits_for_keyd_instead_of_exiting(installed):
    env, _shares = installed
    worker = subprocess.Popen(
        [CORRIDOR, "worker", "--interval", "0.5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stderr is not None
        first = worker.stderr.readline()
        assert first.startswith("Waiting for keyd: keyd is not running"), first
        time.sleep(1)
        assert worker.poll() is None
        with keyd_process(env):
            assert worker.stderr.readline().strip() == "keyd answers; the worker starts."
            assert "keyd is sealed" in worker.stderr.readline()
            assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert worker.returncode == 0
