"""Unwrapping a data key through keyd, per call, against the `file` provider in the same run.

- keyd, for a staff member logged in through keyd (a ticket) and assigned to the case in
  keyd's ledger: the socket round trip, the ticket and ledger checks, the limits, the log
  line and AES-GCM; goal: under 1 ms per call;
- keyd, as the worker's system principal naming a task that may have data keys (no
  ticket, no assignment), to show the checks' share;
- the baseline: the file provider's unwrap in this process (AES-GCM with the KEK at hand).

keyd runs as a subprocess (`corridor keyd`) on a short socket path, reading the
benchmark's own database; runs alternate so load falls on all alike. From the checkout:
`.venv/bin/python -m bench.bench_keyd [--smoke]`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench._harness import Timing, measure, parser, report, setup_django


def main(argv: list[str] | None = None) -> None:
    options = parser(__doc__ or "").parse_args(argv)
    data_dir = setup_django()
    from django.conf import settings

    from corridor.vault.longlived import initialise_keys
    from corridor.vault.providers import key_provider

    initialise_keys()
    file_provider = key_provider()
    repeat = 30 if options.smoke else 3000
    keyd_dir = Path(tempfile.mkdtemp(prefix="kdb", dir="/tmp"))
    try:
        with running_keyd(keyd_dir, data_dir, settings.DATABASES["default"]["NAME"]) as shares:
            bench_unwrap(file_provider, keyd_dir, shares, repeat=repeat)
    finally:
        shutil.rmtree(keyd_dir, ignore_errors=True)


class running_keyd:  # noqa: N801 - used as a context manager, read like a function
    """`corridor keys init` then `corridor keyd` on `keyd_dir`; yields the shares."""

    def __init__(self, keyd_dir: Path, data_dir: str, database: str) -> None:
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(keyd_dir),
            "CORRIDOR_ENV": "development",
            "CORRIDOR_DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{database}",
            "CORRIDOR_KEYD_DIR": str(keyd_dir),
            "CORRIDOR_KEYD_LIMIT_STAFF": str(10**9),
            "CORRIDOR_KEYD_LIMIT_SYSTEM": str(10**9),
            "CORRIDOR_KEYD_LIMIT_PROCESS": str(10**9),
        }
        self.keyd_dir = keyd_dir
        self.corridor = str(Path(sys.executable).with_name("corridor"))

    def __enter__(self) -> list[str]:
        init = subprocess.run(
            [self.corridor, "keys", "init", "--shares", "3", "--threshold", "2"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.process = subprocess.Popen(
            [self.corridor, "keyd"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while not (self.keyd_dir / "keyd-admin.sock").exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("keyd did not start")
            time.sleep(0.05)
        return [line.split(": ", 1)[1] for line in init.stdout.splitlines()]

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=20)


def bench_unwrap(file_provider: object, keyd_dir: Path, shares: list[str], *, repeat: int) -> None:
    from django.conf import settings
    from tests.ledger_helpers import code_for

    from corridor.accounts.models import Staff
    from corridor.cases.models import Case, CaseAssignment
    from corridor.vault import ledger as vault_ledger
    from corridor.vault.keyd.client import KeydAdmin, KeydKeyProvider
    from corridor.vault.keyd.ledger import KeyOwner
    from corridor.vault.keyd.worker_tasks import RESTORE_CHECK
    from corridor.vault.providers.file import FileKeyProvider

    assert isinstance(file_provider, FileKeyProvider)
    settings.CORRIDOR_KEYD_SOCKET = keyd_dir / "keyd.sock"
    settings.CORRIDOR_KEYD_ADMIN_SOCKET = keyd_dir / "keyd-admin.sock"
    admin = KeydAdmin(settings.CORRIDOR_KEYD_ADMIN_SOCKET)
    for share in shares[:2]:
        admin.unseal(share)
    keyd = KeydKeyProvider()
    key_id, secret = uuid.uuid4(), os.urandom(32)
    staff = Staff.objects.create(username=f"bench-{key_id.hex[:8]}")
    case = Case.objects.create(ref=f"CR-{key_id.hex[:4]}-{key_id.hex[4:8]}".upper(), key_id=key_id)
    CaseAssignment.objects.create(case=case, staff=staff)
    # What setup, an assignment and a login tell keyd, through the ledger's own calls.
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    totp_secret = os.urandom(20)
    with vault_ledger.as_operator():
        vault_ledger.record_new_account(staff_id=staff.pk, roles=["caseworker"])
        vault_ledger.enrol_known_secret(staff.pk, totp_secret)
        vault_ledger.record_assignment(case_id=str(case.pk), staff_id=staff.pk, assigned=True)
    ticket = vault_ledger.log_in(staff.pk, code_for(totp_secret))
    owner = KeyOwner(kind="case", object_id=str(case.pk))
    file_blob = file_provider.wrap(key_id=key_id, purpose="data", key=secret)
    keyd_blob = keyd.wrap(key_id=key_id, purpose="data", key=secret, owner=owner)
    runs: dict[str, list[float]] = {"staff": [], "system": [], "file": []}
    actions = {
        "staff": lambda: keyd.unwrap(
            key_id=key_id,
            purpose="data",
            blob=keyd_blob,
            for_actor=staff.actor_id,
            case_id=str(case.pk),
            ticket=ticket,
        ),
        "system": lambda: keyd.unwrap(
            key_id=key_id,
            purpose="data",
            blob=keyd_blob,
            for_actor="system:worker",
            case_id=None,
            task=RESTORE_CHECK,
        ),
        "file": lambda: file_provider.unwrap(key_id=key_id, purpose="data", blob=file_blob),
    }
    for action in actions.values():
        assert action() == secret
    for _ in range(repeat):
        for name, action in actions.items():
            runs[name].extend(measure(name, action, repeat=1).seconds)
    baseline = Timing("file provider unwrap", runs["file"])
    report(Timing("keyd unwrap (staff, policy)", runs["staff"]), baseline, goal="< 1 ms per call")
    report(Timing("keyd unwrap (system:worker)", runs["system"]), baseline, goal="informative")


if __name__ == "__main__":
    main()
