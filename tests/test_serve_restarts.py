"""`corridor serve` restarts at once on its own port: after SIGTERM, and after its gunicorn
master is killed outright (its workers must not keep holding the port)."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.processes import (
    CORRIDOR,
    corridor_env,
    free_port,
    installed_data_dir,
    wait_until_up,
)

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def installed(tmp_path_factory, seed_root) -> dict[str, str]:
    return corridor_env(installed_data_dir(tmp_path_factory.mktemp("serve"), seed_root))


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def serve(env: dict[str, str], port: int, started: list[subprocess.Popen[bytes]]) -> int:
    """Start `corridor serve` with two workers on `port`; its pid once it answers."""
    process = subprocess.Popen(
        [CORRIDOR, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started.append(process)
    wait_until_up(f"http://127.0.0.1:{port}", process)
    return process.pid


@contextmanager
def upload_in_flight(port: int) -> Iterator[None]:
    """A client sending a form slowly (a large upload over Tor, say): the worker that
    handles it is busy until the body is complete."""
    stop = threading.Event()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(
            b"POST / HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\nusername="
        )

        def trickle() -> None:
            while not stop.wait(0.3):
                try:
                    client.sendall(b"x")
                except OSError:
                    return

        sender = threading.Thread(target=trickle, daemon=True)
        sender.start()
        time.sleep(1)  # a worker has the request
        try:
            yield
        finally:
            stop.set()
            sender.join()


def workers_of(pid: int) -> set[int]:
    """The master's two workers, once it has forked both."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if len(children) == 2:
            return {int(child) for child in children}
        time.sleep(0.1)
    raise AssertionError("the master did not fork two workers")


def gone(pid: int) -> bool:
    """Exited: no such process, or a zombie nobody has reaped yet."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def wait_until_gone(pids: set[int], within: float) -> set[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and not all(map(gone, pids)):
        time.sleep(0.1)
    return {pid for pid in pids if not gone(pid)}


def test_a_restart_right_after_the_master_is_killed_binds_the_port(installed, servers):
    """The master killed with SIGKILL (the OOM killer, `kill -9`) while a worker serves a
    slow upload: its workers die with it, and a new `corridor serve` started at once on
    the same port answers."""
    port = free_port()
    master = serve(installed, port, servers)
    workers = workers_of(master)
    with upload_in_flight(port):
        servers[0].send_signal(signal.SIGKILL)
        servers[0].wait(timeout=10)
        serve(installed, port, servers)  # gunicorn gives up on a busy port after 5 s
        # Not still serving the upload for gunicorn's 20 s of grace, holding the port.
        assert wait_until_gone(workers, within=5) == set()


def test_sigterm_stops_master_and_workers_and_the_port_is_free_at_once(installed, servers):
    """SIGTERM (what systemd sends to the main process) stops everything cleanly: exit 0,
    no worker left behind, and the next start binds the port."""
    port = free_port()
    master = serve(installed, port, servers)
    workers = workers_of(master)
    with upload_in_flight(port):
        servers[0].send_signal(signal.SIGTERM)
        assert servers[0].wait(timeout=30) == 0
    assert wait_until_gone(workers, within=1) == set()
    serve(installed, port, servers)
