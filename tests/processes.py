"""Run the real `corridor` command in a subprocess with its own data dir.

On the PostgreSQL run (DATABASE_URL set) each data dir gets fresh databases on
the same server, so setup and serve are exercised against PostgreSQL too.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

CORRIDOR = str(Path(sys.executable).with_name("corridor"))
_DATABASES: dict[str, str] = {}


def corridor_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a subprocess: PATH, the data dir, and what the test sets."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "CORRIDOR_ENV": "demo",
        "CORRIDOR_DATA_DIR": str(data_dir),
        "CORRIDOR_PUBLIC_ORIGIN": "http://localhost:8000",
    }
    base_url = os.environ.get("DATABASE_URL")
    if base_url:
        # One set of databases per data dir, made on first use: `setup` and a later
        # `serve` of the same data dir must see the same data.
        key = str(data_dir)
        if key not in _DATABASES:
            _DATABASES[key] = _fresh_postgres_database(base_url)
        env["DATABASE_URL"] = _DATABASES[key]
    env.update(extra)
    return env


def run_corridor(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CORRIDOR, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], *extra_args: str) -> Iterator[tuple[str, Path]]:
    """Start `corridor serve` on a free port; yield its base URL and its log file."""
    port = free_port()
    log = Path(env["CORRIDOR_DATA_DIR"]) / f"serve-{port}.log"
    with log.open("w") as log_handle:
        process = subprocess.Popen(
            [CORRIDOR, "serve", "--port", str(port), "--workers", "1", *extra_args],
            env=env,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, process)
            yield base, log
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("corridor serve exited early")
        try:
            urllib.request.urlopen(base + "/", timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError("corridor serve did not answer within 30 s")


def installed_data_dir(destination: Path, shared_root: Path, *, demo: bool = False) -> Path:
    """`destination` holding what `corridor setup --no-input` (with `--demo`, the demo) makes.

    Setting up takes seconds (every migration) and the demo about a minute; the tests that
    only need an installation each get a copy of one seed built once per test run (the data
    dir holds no absolute path, so a copy runs as the original would). The pytest-xdist
    workers share `shared_root`; a lock lets one build while the rest wait. On the PostgreSQL
    run the databases live outside the data dir, so each test sets up its own.
    """
    arguments = ("setup", "--no-input", *(("--demo",) if demo else ()))
    if "DATABASE_URL" in os.environ:
        destination.mkdir(parents=True, exist_ok=True)
        _set_up(destination, arguments)
        return destination
    seed = shared_root / ("demo-seed" if demo else "setup-seed")
    with seed.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (seed / "complete").exists():
            shutil.rmtree(seed, ignore_errors=True)
            seed.mkdir(parents=True)
            _set_up(seed, arguments)
            (seed / "complete").touch()
    shutil.copytree(
        seed, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns("complete")
    )
    return destination


def _set_up(data_dir: Path, arguments: tuple[str, ...]) -> None:
    result = run_corridor(*arguments, env=corridor_env(data_dir), timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"corridor {' '.join(arguments)} failed: {result.stderr[-3000:]}")


def _fresh_postgres_database(base_url: str) -> str:
    import psycopg

    parts = urlsplit(base_url)
    name = f"corridor_proc_{secrets.token_hex(4)}"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for database in (name, f"{name}_keys"):
            connection.execute(f'CREATE DATABASE "{database}"')
    return parts._replace(path=f"/{name}").geturl()
