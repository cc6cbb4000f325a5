"""Speaking to keyd's data socket as another Unix user: a keyd whose web, worker and
portal callers are bound to separate uids, and a subprocess that asks it as one of them.

Tests run as root: the worker is root here, the web `nobody`, the portal a bare uid.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from corridor.vault.keyd.config import KeydConfig
from corridor.vault.keyd.server import KeydDaemon
from corridor.vault.keyd.service import Peer
from tests.keyd.helpers import config_in

WEB_UID = pwd.getpwnam("nobody").pw_uid
PORTAL_UID = 65530
WORKER_UID = 0
OPERATOR = Peer(pid=1, uid=0, gid=0)

# The client, as small as the wire format: 4-byte length, then JSON.
_ASK = """
import json, socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
sock.connect(sys.argv[1])
body = sys.stdin.buffer.read()
try:
    sock.sendall(struct.pack(">I", len(body)) + body)
except OSError:
    pass  # keyd may answer a refused peer and close before reading
header = b""
while len(header) < 4:
    header += sock.recv(4 - len(header))
(length,) = struct.unpack(">I", header)
answer = b""
while len(answer) < length:
    answer += sock.recv(length - len(answer))
sys.stdout.buffer.write(answer)
"""


def bound_config(directory: Path, **changes: object) -> KeydConfig:
    callers = {"web": (str(WEB_UID),), "worker": (str(WORKER_UID),), "portal": (str(PORTAL_UID),)}
    return config_in(directory, callers=callers, **changes)


@contextmanager
def bound_keyd(directory: Path, shares: list[str], **changes: object) -> Iterator[KeydDaemon]:
    """keyd in this process, unsealed, its data socket reachable by the other uids (the file
    mode lets them through: only SO_PEERCRED and the caller map stand in their way)."""
    running = KeydDaemon(bound_config(directory, **changes))
    running.start()
    try:
        for share in shares[:3]:
            running.service.handle({"op": "unseal", "share": share}, peer=OPERATOR, admin=True)
        directory.chmod(0o711)
        running.config.socket.chmod(0o666)
        yield running
    finally:
        running.stop()


def ask_as(uid: int, path: Path, message: dict[str, Any]) -> dict[str, Any]:
    """One request to the keyd socket at `path` from a process running as `uid`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("COVERAGE")}
    done = subprocess.run(
        [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            sys.executable,
            "-I",
            "-c",
            _ASK,
            str(path),
        ],
        input=json.dumps(message).encode("ascii"),
        capture_output=True,
        env=env,
        timeout=30,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def ask_here(path: Path, message: dict[str, Any]) -> dict[str, Any]:
    """One request from this process (root: the worker's uid here)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(path))
        body = json.dumps(message).encode("ascii")
        sock.sendall(struct.pack(">I", len(body)) + body)
        (length,) = struct.unpack(">I", _read(sock, 4))
        answer: dict[str, Any] = json.loads(_read(sock, length))
        return answer


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("keyd closed the connection")
        data += chunk
    return data


def wrap_message(key: bytes, *, purpose: str = "data") -> dict[str, Any]:
    return {
        "op": "wrap",
        "key_id": str(uuid.uuid4()),
        "purpose": purpose,
        "kek_version": 1,
        "key": base64.b64encode(key).decode("ascii"),
    }


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def ticket_for(keyd: KeydDaemon, staff_id: int, roles: list[str]) -> str:
    """A login keyd issued to a person its ledger knows with `roles` (the operator admits
    them and enrols a known TOTP secret; then the person logs in)."""
    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    secret = os.urandom(20)
    for op, fields in (
        ("ledger_roles", {"roles": roles}),
        ("factor_begin", {"secret": base64.b64encode(secret).decode("ascii")}),
    ):
        answer = keyd.service.handle(
            {"op": op, "staff_id": staff_id, **fields}, peer=OPERATOR, admin=True
        )
        assert answer["ok"], answer
    code = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False).generate(  # noqa: S303
        int(time.time())
    )
    answer = ask_here(
        keyd.config.socket, {"op": "login", "staff_id": staff_id, "code": code.decode("ascii")}
    )
    assert answer["ok"], answer
    return str(answer["ticket"])
