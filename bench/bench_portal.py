"""The portal under load, and the codename derivation's share of it, measured in one run.

1. Concurrent genuine clients against `corridor serve` on loopback (2 workers, as
   installed), 1, 10 and 30 at once, each in a closed loop:
   - a submission: the request form sent, until the page with the codename is shown
     (the POST, then the GET that derives and shows the codename);
   - a sign-in: the codename typed in a new browser, until the conversation is shown;
   - a page while the 30 sign in: the portal's first page, fetched alongside them;
   each reported as p50 and p95 beside a bare Django POST (one view, no middleware, no
   database, served by gunicorn with the same workers and threads) at the same
   concurrency, measured in the same run. Goal: p95 of a submission and a sign-in at 30
   clients at most 2 s on the 2-core machine; the page's p95 near the bare POST's.
   First, the server's own CPU per submission, sign-in and page, one client at a time
   (read from /proc: it hardly moves with other load on a shared machine, unlike the
   latencies). The server's rate limits are out of the way (every client here is genuine); the
   derivation runs at its configured cost (settings CORRIDOR_CODENAME_KDF).
2. In process, one sign-in against one bare Argon2id run at the configured cost: a wrong
   codename, a malformed one and the right one each cost about one run (the lookup value
   and the key pair come from the same run); a refused attempt runs none.

`--smoke` uses the cheapest derivation, 1 and 2 clients and few repeats: it proves the
benchmark runs, its figures mean nothing. Run from the checkout:
`.venv/bin/python -m bench.bench_portal`.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlencode

from bench._harness import Timing, measure, parser, report, scratch_dir, setup_django

CHECKOUT = Path(__file__).resolve().parent.parent
CORRIDOR = str(Path(sys.executable).with_name("corridor"))
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename" id="codename">([^<]+)</p>')
STORY = "Мне угрожают дома, нужна помощь, чтобы уехать в безопасное место."
SMOKE_COST = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
# Operations per client at each concurrency: at least about 30 samples per line.
FULL_LEVELS = {1: 20, 10: 3, 30: 2}
SMOKE_LEVELS = {1: 1, 2: 1}


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__ or "").parse_args(argv)
    data_dir = Path(scratch_dir("corridor-bench-portal-"))
    env = _server_env(data_dir, smoke=options.smoke)
    # This process and the servers share one data dir, migrated and keyed once, here.
    os.environ.update(env)
    setup_django()
    from corridor.vault.longlived import initialise_keys

    initialise_keys()
    bench_under_load(env, data_dir, smoke=options.smoke)
    bench_sign_in(smoke=options.smoke)


# ------------------------------------------------------------------ concurrent clients


# A person told "wait a moment" (503) waits as told, at most this long, and sends again.
MAX_PATIENCE = 3
_waits = 0
_waits_lock = threading.Lock()


class Browser:
    """One browser: its own portal cookie, one connection per request (as the flood test)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def patiently(self, method: str, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """Send a form; on "wait a moment" (503) wait as the page says and send it again
        with the token the page carries, as a person would."""
        global _waits
        body = urlencode(fields) if method == "POST" else ""
        for _ in range(20):
            status, page, location = self.request(method, path, body)
            if status != 503:
                return status, page, location
            with _waits_lock:
                _waits += 1
            time.sleep(MAX_PATIENCE)
            match = TOKEN.search(page)
            if match is not None:
                body = urlencode({**fields, "form_token": match.group(1)})
        raise RuntimeError(f"{path} kept answering 503")

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
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
            return response.status, text, response.getheader("Location", "")
        finally:
            connection.close()

    def token(self, path: str) -> str:
        status, page, _ = self.request("GET", path)
        match = TOKEN.search(page)
        if match is None:
            raise RuntimeError(f"no form on {path} ({status})")
        return match.group(1)


def submit(port: int, codenames: list[str]) -> Callable[[], float]:
    """One submission from a new browser; returns the seconds from sending to the codename."""

    def run() -> float:
        browser = Browser(port)
        fields = {"form_token": browser.token("/help/"), "story": STORY}
        started = time.perf_counter()
        status, _, location = browser.patiently("POST", "/help/", fields)
        if status != 303:
            raise RuntimeError(f"the submission answered {status}")
        status, page, _ = browser.patiently("GET", location, {})
        seconds = time.perf_counter() - started
        match = CODENAME.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"no codename shown ({status})")
        codenames.append(match.group(1).strip())
        return seconds

    return run


def sign_in(port: int, codenames: list[str]) -> Callable[[], float]:
    """One sign-in from a new browser with a codename the submissions got."""
    lock = threading.Lock()

    def run() -> float:
        with lock:
            codename = codenames.pop()
        browser = Browser(port)
        fields = {"form_token": browser.token("/help/enter/"), "codename": codename}
        started = time.perf_counter()
        status, _, location = browser.patiently("POST", "/help/enter/", fields)
        if status != 303 or not location.endswith("/help/thread/"):
            raise RuntimeError(f"the sign-in answered {status} {location}")
        status, _, _ = browser.request("GET", location)
        seconds = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"the conversation answered {status}")
        return seconds

    return run


def bare_post(port: int) -> Callable[[], float]:
    def run() -> float:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        try:
            connection.request(
                "POST",
                "/bare/",
                body=urlencode({"story": STORY}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"the bare POST answered {response.status}")
        return time.perf_counter() - started

    return run


def page(port: int) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        status, _, _ = Browser(port).request("GET", "/help/")
        if status != 200:
            raise RuntimeError(f"the first page answered {status}")
        return time.perf_counter() - started

    return run


def concurrently(label: str, action: Callable[[], float], *, clients: int, rounds: int) -> Timing:
    """`clients` threads start together, each running `action` `rounds` times in a row."""
    barrier = threading.Barrier(clients)
    seconds: list[float] = []
    failures: list[BaseException] = []

    def client() -> None:
        barrier.wait()
        for _ in range(rounds):
            try:
                seconds.append(action())
            except (OSError, RuntimeError) as error:
                failures.append(error)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{label}: {len(failures)} of {clients * rounds} failed: {failures[0]}")
    return Timing(label, seconds)


def alongside(label: str, action: Callable[[], float], busy: Callable[[], object]) -> Timing:
    """`action` in a loop while `busy()` runs in another thread; the loop's timings."""
    done = threading.Event()
    seconds: list[float] = []

    def loop() -> None:
        while not done.is_set():
            seconds.append(action())
            time.sleep(0.05)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        busy()
    finally:
        done.set()
        thread.join()
    return Timing(label, seconds)


class _SignIns:
    """The concurrent sign-ins of one level, run while a page is fetched alongside."""

    def __init__(self, port: int, codenames: list[str], *, clients: int, rounds: int) -> None:
        self.port, self.codenames, self.clients, self.rounds = port, codenames, clients, rounds
        self.timing = Timing("sign-in", [])

    def __call__(self) -> None:
        self.timing = concurrently(
            f"sign-in x{self.clients}",
            sign_in(self.port, self.codenames),
            clients=self.clients,
            rounds=self.rounds,
        )


def line(subject: Timing, baseline: Timing) -> None:
    """p50 and p95 beside the baseline's, their ratios, and how often "wait" was seen."""
    global _waits
    p50 = subject.median / baseline.median if baseline.median else float("inf")
    p95 = subject.p95 / baseline.p95 if baseline.p95 else float("inf")
    with _waits_lock:
        waits, _waits = _waits, 0
    print(
        f"{subject.label}: p50 {subject.median * 1000:.0f} ms, p95 {subject.p95 * 1000:.0f} ms "
        f"(n={len(subject.seconds)}, {waits} told to wait) | {baseline.label}: "
        f"p50 {baseline.median * 1000:.1f} ms, p95 {baseline.p95 * 1000:.1f} ms | "
        f"ratio p50 {p50:.0f}, p95 {p95:.0f}"
    )


def bench_under_load(env: dict[str, str], data_dir: Path, *, smoke: bool) -> None:
    levels = SMOKE_LEVELS if smoke else FULL_LEVELS
    with _serving(env, data_dir) as (portal_port, bare_port, portal_pid):
        _server_cpu_per_operation(portal_port, portal_pid, repeat=2 if smoke else 10)
        for clients, rounds in levels.items():
            codenames: list[str] = []
            bare = concurrently(
                f"bare Django POST x{clients}", bare_post(bare_port), clients=clients, rounds=rounds
            )
            submission = concurrently(
                f"submission x{clients}",
                submit(portal_port, codenames),
                clients=clients,
                rounds=rounds,
            )
            line(submission, bare)
            signing_in = _SignIns(portal_port, codenames, clients=clients, rounds=rounds)
            pages = alongside(
                f"first page during {clients} sign-ins", page(portal_port), signing_in
            )
            line(signing_in.timing, bare)
            line(pages, bare)
    print("goal: submission and sign-in p95 at most 2000 ms at 30 clients (2 cores)")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of `pid` and all its descendants (gunicorn's workers)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return total


def _server_cpu_per_operation(port: int, pid: int, *, repeat: int) -> None:
    """The server's own CPU per operation, one client at a time: unlike the latencies, it
    hardly moves with other load on the machine. 30 clients on 2 cores need at least
    30 x this / 2 for everyone to be served once."""
    codenames: list[str] = []
    for label, action in (
        ("submission (form, send, codename)", submit(port, codenames)),
        ("sign-in (form, send, conversation)", sign_in(port, codenames)),
        ("first page", page(port)),
    ):
        action()  # warm
        before = _cpu_seconds(pid)
        for _ in range(repeat):
            action()
        spent = (_cpu_seconds(pid) - before) / repeat
        print(
            f"server CPU per {label}: {spent * 1000:.0f} ms; "
            f"30 at once on 2 cores: at least {30 * spent / 2 * 1000:.0f} ms for the last"
        )


def _server_env(data_dir: Path, *, smoke: bool) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(CHECKOUT),
        "DJANGO_SETTINGS_MODULE": "bench._portal_settings",
        "CORRIDOR_ENV": "demo",
        "CORRIDOR_DATA_DIR": str(data_dir),
        "CORRIDOR_PUBLIC_ORIGIN": "http://localhost:8000",
        "CORRIDOR_SECRET_KEY": secrets.token_urlsafe(48),
        "CORRIDOR_LOG_LEVEL": "WARNING",
        "BENCH_SMOKE": "1" if smoke else "0",
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _serving(env: dict[str, str], data_dir: Path) -> Iterator[tuple[int, int, int]]:
    """`corridor serve` and the bare Django server on loopback; stopped on the way out."""
    from corridor.operations.management.commands.serve import THREADS

    portal_port, bare_port = _free_port(), _free_port()
    commands = [
        [CORRIDOR, "serve", "--host", "127.0.0.1", "--port", str(portal_port), "--workers", "2"],
        [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{bare_port}",
            "--workers", "2", "--threads", str(THREADS), "--worker-class", "gthread",
            "--log-level", "warning", "bench._bare_django:application",
        ],
    ]  # fmt: skip
    log = (data_dir / "servers.log").open("w")
    processes = [
        subprocess.Popen(command, env=env, cwd=CHECKOUT, stdout=log, stderr=subprocess.STDOUT)
        for command in commands
    ]
    try:
        for port, path in ((portal_port, "/help/"), (bare_port, "/bare/")):
            _wait_for(port, path, processes, data_dir)
        yield portal_port, bare_port, processes[0].pid
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        log.close()


def _wait_for(port: int, path: str, processes: list[subprocess.Popen[bytes]], data: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise SystemExit((data / "servers.log").read_text())
        with suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        time.sleep(0.3)
    raise SystemExit(f"nothing answered on port {port}")


# ------------------------------------------------------------------ in process


def bench_sign_in(*, smoke: bool) -> None:
    from django.conf import settings

    if smoke:
        settings.CORRIDOR_CODENAME_KDF = SMOKE_COST
    # Limits out of the way, except where a refusal is what is measured.
    settings.CORRIDOR_PORTAL_RATES = dict.fromkeys(settings.CORRIDOR_PORTAL_RATES, (10**9, 1))
    repeat = 3 if smoke else 30

    from argon2.low_level import Type, hash_secret_raw

    from corridor.core.actors import RequesterActor
    from corridor.intake.codenames import new_codename
    from corridor.intake.errors import PortalSaturated, TooManyAttempts
    from corridor.intake.models import RequesterSession
    from corridor.intake.services.codenames import (
        issue_codename,
        sign_in_with_codename,
        skip_codename_check,
    )
    from corridor.intake.services.requests import receive_portal_request

    actor = RequesterActor()
    digest = secrets.token_hex(32)
    receive_portal_request(
        actor=actor,
        answers={"story": "bench"},
        session_digest=digest,
        form_token=secrets.token_urlsafe(16),
    )
    session = RequesterSession.objects.get(digest=digest)
    codename = issue_codename(actor=actor, session=session, holder=secrets.token_bytes(32))
    skip_codename_check(actor=actor, session=session)
    cost = settings.CORRIDOR_CODENAME_KDF
    print(f"in process, Argon2id {cost}:")

    def attempt(typed: str) -> object:
        return sign_in_with_codename(
            actor=actor,
            attempt_digest=secrets.token_hex(32),
            session_digest=secrets.token_hex(32),
            holder=secrets.token_bytes(32),
            typed=typed,
        )

    def bare() -> None:
        hash_secret_raw(secret=b"bare", salt=b"s" * 16, hash_len=32, type=Type.ID, **cost)

    baseline = measure("bare Argon2id", bare, repeat=repeat)
    wrong = measure("wrong codename", lambda: attempt(new_codename()), repeat=repeat)
    malformed = measure("malformed codename", lambda: attempt("x"), repeat=repeat)
    right = measure("right codename", lambda: attempt(codename), repeat=repeat)
    report(wrong, baseline, unit="attempt", goal="about 1 (one derivation)")
    report(malformed, wrong, unit="attempt", goal="about 1 (same work as any wrong one)")
    report(right, baseline, unit="attempt", goal="about 1 (the same one derivation)")

    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "codename_global": (1, 10**9),
    }

    def refused() -> None:
        with suppress(TooManyAttempts, PortalSaturated):
            attempt(new_codename())

    refused()  # empties the bucket
    refusal = measure("refused attempt", refused, repeat=repeat)
    report(refusal, baseline, unit="attempt", goal="far below 1 (no derivation)")


if __name__ == "__main__":
    main()
