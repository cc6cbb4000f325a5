"""Helpers for keyd's tests: short socket folders, an in-process keyd, a keyd subprocess.

Unix socket paths hold at most 107 bytes and pytest's tmp_path is long, so every
keyd here lives under a short folder in /tmp.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from corridor.config.env import KEYD_LIMITS
from corridor.vault.keyd.config import KeydConfig
from corridor.vault.keyd.limits import KeydLimits
from tests.processes import CORRIDOR

REPOSITORY = Path(__file__).resolve().parents[2]


@contextmanager
def short_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="kd", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def limits(**changes: int) -> KeydLimits:
    return KeydLimits(**{**KEYD_LIMITS, **changes})


def config_in(directory: Path, **changes: object) -> KeydConfig:
    values: dict[str, object] = {
        "directory": directory,
        "socket": directory / "d.sock",
        "admin_socket": directory / "a.sock",
        "log": directory / "keyd.log",
        "database": "default",
        "client_users": (),
        "admin_users": (),
        "limits": limits(),
        "system_principals": frozenset({"system:worker"}),
    }
    values.update(changes)
    return KeydConfig(**values)  # type: ignore[arg-type]


def point_settings_at(settings, config: KeydConfig) -> None:
    """Make this process's keyd provider and admin client talk to `config`'s sockets."""
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_DIR = config.directory
    settings.CORRIDOR_KEYD_SOCKET = config.socket
    settings.CORRIDOR_KEYD_ADMIN_SOCKET = config.admin_socket
    settings.CORRIDOR_KEYD_LOG = config.log


@contextmanager
def keyd_process(
    env: dict[str, str], *, wait: bool = True, prefix: tuple[str, ...] = ()
) -> Iterator[subprocess.Popen[str]]:
    """`corridor keyd` as a subprocess (of the current user, or as `prefix` runs it, e.g.
    setpriv to another user); stopped with SIGTERM after."""
    keyd_dir = Path(env.get("CORRIDOR_KEYD_DIR") or Path(env["CORRIDOR_DATA_DIR"]) / "keyd")
    admin = Path(env.get("CORRIDOR_KEYD_ADMIN_SOCKET") or keyd_dir / "keyd-admin.sock")
    process = subprocess.Popen(
        [*prefix, CORRIDOR, "keyd"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if wait:
            deadline = time.monotonic() + 30
            while not admin.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"keyd did not start: {process.communicate()[1][-2000:]}")
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def with_checkout(env: dict[str, str]) -> dict[str, str]:
    """The subprocess can import the test-only modules under tests/."""
    return {**env, "PYTHONPATH": str(REPOSITORY)}


def load_script(name: str) -> ModuleType:
    """A module of scripts/ (the install drill's helpers), which is no package."""
    spec = importlib.util.spec_from_file_location(name, REPOSITORY / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_root() -> bool:
    return os.geteuid() == 0


def send_portal_request(base: str, story: str) -> int:
    """Send one request through a running portal at `base` (its start page's form, with
    the portal cookie that binds the form token); the POST's status, redirects unfollowed."""
    import http.cookiejar
    import re
    import urllib.error
    import urllib.parse
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(base, timeout=10) as page:
        html = page.read().decode()
    token = re.search(r'name="form_token" value="([^"]+)"', html)
    assert token, html[:2000]
    body = urllib.parse.urlencode({"form_token": token.group(1), "story": story}).encode()
    try:
        with opener.open(base, data=body, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def keyd_ticket(service: Any, principal: str) -> str | None:
    """A ticket keyd (this in-process service) issued to `principal` at a login, made once
    per service: the operator enrols a known TOTP secret, then the person logs in."""
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    from corridor.vault.keyd import protocol as wire
    from corridor.vault.keyd.policy import staff_id_of
    from corridor.vault.keyd.service import Peer

    staff_id = staff_id_of(principal)
    if staff_id is None or service.sealed:
        return None
    tickets: dict[int, str] = service.__dict__.setdefault("test_tickets", {})
    if staff_id not in tickets:
        operator = Peer(pid=1, uid=0, gid=0)
        secret = os.urandom(20)
        for op, fields, admin in [
            ("ledger_roles", {"roles": ["caseworker", "coordinator"]}, True),
            ("factor_begin", {"secret": wire.encode_bytes(secret)}, True),
        ]:
            answer = service.handle(
                {"op": op, "staff_id": staff_id, **fields}, peer=operator, admin=admin
            )
            assert answer["ok"], answer
        code = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False).generate(  # noqa: S303
            int(time.time())
        )
        answer = service.handle(
            {"op": "login", "staff_id": staff_id, "code": code.decode("ascii")},
            peer=operator,
            admin=False,
        )
        assert answer["ok"], answer
        tickets[staff_id] = answer["ticket"]
    return tickets[staff_id]
