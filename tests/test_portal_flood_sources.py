"""The portal's door stays open under a flood from one network (docs/security.md C25).

`corridor serve` with two workers on loopback; 127.0.0.1 and ::1 are two sources. One
floods wrong codenames and submissions from fresh cookies while
the other writes a request, gets its codename and signs in with it: both succeed, the
second source is never shown a refusal, the flood's later requests are flagged `flood`,
and neither address is written anywhere in the data directory.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.processes import CORRIDOR, corridor_env, free_port, run_corridor

pytestmark = pytest.mark.process

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename" id="codename">([^<]+)</p>')
STORY = "Мне угрожают дома, нужна помощь, чтобы уехать в безопасное место."
FLOOD_SECONDS = 15
FLOOD_THREADS = 4
# The flood: at most this many wrong codenames and submissions (bounded in count as
# in time: it stops at whichever comes first).
FLOOD_CODENAMES = 1000
FLOOD_SUBMISSIONS = 200


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@dataclass
class Browser:
    """One browser on one source: its own portal cookie, every answer remembered."""

    address: str
    port: int
    cookie: str = ""
    statuses: list[int] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str, str]:
        connection = http.client.HTTPConnection(self.address, self.port, timeout=60)
        headers = {"Host": "localhost"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body.encode(), headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("corridor_portal="):
                    self.cookie = value.split(";", 1)[0]
            location = response.getheader("Location", "")
            self.statuses.append(response.status)
            self.bodies.append(text)
            return response.status, text, location
        finally:
            connection.close()

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        from urllib.parse import urlencode

        status, page, _ = self.request("GET", path)
        match = TOKEN.search(page)
        assert match, (status, page[:500])
        return self.request("POST", path, urlencode({"form_token": match.group(1), **fields}))


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    data_dir = tmp_path_factory.mktemp("flood")
    # Loopback is pooled by default (tor, a proxy without the client's address); here its
    # two addresses stand for two networks.
    env = corridor_env(data_dir, CORRIDOR_PORTAL_POOLED_SOURCES="")
    result = run_corridor("setup", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    assert "Created the administrator" in result.stdout, result.stdout
    port = free_port()
    log = data_dir / "serve.log"
    with log.open("w") as handle:
        # "::" takes IPv4 too (as ::ffff:127.0.0.1): one server, both loopback sources.
        process = subprocess.Popen(
            [CORRIDOR, "serve", "--host", "::", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                try:
                    Browser("127.0.0.1", port).request("GET", "/help/")
                    break
                except OSError:
                    time.sleep(0.3)
            yield port, data_dir
        finally:
            process.terminate()
            process.wait(timeout=30)


@dataclass
class Budget:
    """What the flood may still send, shared by its threads."""

    codenames: int = FLOOD_CODENAMES
    submissions: int = FLOOD_SUBMISSIONS
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> str | None:
        with self.lock:
            if self.submissions and (self.submissions * 5 >= self.codenames or not self.codenames):
                self.submissions -= 1
                return "submission"
            if self.codenames:
                self.codenames -= 1
                return "codename"
            return None


def flood(port: int, stop: threading.Event, seen: list[int], budget: Budget) -> None:
    """Wrong codenames and submissions, each from a fresh cookie, as fast as it can, until
    the budget is spent or the time is up."""
    number = 0
    while not stop.is_set():
        kind = budget.next()
        if kind is None:
            return
        number += 1
        attacker = Browser("127.0.0.1", port)
        try:
            if kind == "submission":
                attacker.form("/help/", {"story": f"{STORY} {number}"})
            else:
                attacker.form("/help/enter/", {"codename": f"облако сирень компас {number:04d}"})
        except (OSError, AssertionError):
            pass
        seen.extend(attacker.statuses)


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_a_flood_from_one_source_never_refuses_a_requester_from_another(server):
    port, data_dir = server
    env = corridor_env(data_dir, CORRIDOR_PORTAL_POOLED_SOURCES="")
    before = {
        row["ref"] for row in json.loads(run_corridor("intake", "list", "--json", env=env).stdout)
    }
    stop = threading.Event()
    flood_statuses: list[int] = []
    budget = Budget()
    threads = [
        threading.Thread(target=flood, args=(port, stop, flood_statuses, budget), daemon=True)
        for _ in range(FLOOD_THREADS)
    ]
    for thread in threads:
        thread.start()
    started = time.monotonic()
    try:
        time.sleep(3)  # the flood is in full swing before the genuine requester arrives
        person = Browser("::1", port)
        status, _, location = person.form("/help/", {"story": STORY})
        assert status == 303, person.bodies[-1][:2000]
        status, page, _ = person.request("GET", location or "/help/codename/")
        assert status == 200
        match = CODENAME.search(page)
        assert match, page[:2000]
        codename = match.group(1).strip()
        returning = Browser("::1", port)  # the same person later, in a new browser
        status, _, location = returning.form("/help/enter/", {"codename": codename})
        assert status == 303
        assert location.endswith("/help/thread/")
        status, page, _ = returning.request("GET", "/help/thread/")
        assert status == 200
        remaining = FLOOD_SECONDS - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    genuine = person.statuses + returning.statuses
    assert 429 not in genuine
    assert all(status in (200, 303) for status in genuine), genuine
    for body in person.bodies + returning.bodies:
        assert "слишком много попыток" not in body
    # The flood was there, and its own source was the one refused.
    assert len(flood_statuses) > 100
    assert flood_statuses.count(429) > 50
    # What the flood still got stored is flagged `flood`; the genuine request is not.
    listed = json.loads(run_corridor("intake", "list", "--json", env=env).stdout)
    new = [row for row in listed if row["ref"] not in before]
    assert any("flood" in row["flags"] for row in new), new
    assert any("flood" not in row["flags"] for row in new), new
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in (b"127.0.0.1", b"127.0.0.0/24", b"::ffff:127", b"::/48"):
                assert needle not in content, (path, needle)
