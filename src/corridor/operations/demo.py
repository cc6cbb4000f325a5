"""Fictional demo data for `corridor setup --demo`, and the demo.json that lists the logins.

Everything here is generated: usernames are role names, passwords and TOTP
secrets are random per installation. No real person's name or story.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import TypedDict

from django.db import transaction

from corridor.accounts import services as accounts
from corridor.accounts.roles import Role
from corridor.core.actors import Actor

DEMO_FILE = "demo.json"


class DemoAccount(TypedDict):
    username: str
    password: str
    role: str
    totp_secret: str
    cases: list[str]


def demo_file(data_dir: Path) -> Path:
    return data_dir / DEMO_FILE


@transaction.atomic
def create_demo_data(*, actor: Actor, data_dir: Path) -> Path:
    """Create one account per role and write demo.json; a second call changes nothing."""
    target = demo_file(data_dir)
    if target.exists():
        return target
    accounts_out: list[DemoAccount] = []
    for role in Role:
        password = _demo_password()
        staff = accounts.create_staff(
            actor=actor,
            username=f"demo-{role.value}".replace("_", "-"),
            password=password,
            roles=[role],
        )
        device = accounts.enrol_totp_for_demo(actor=actor, staff=staff)
        accounts_out.append(
            DemoAccount(
                username=staff.username,
                password=password,
                role=role.value,
                totp_secret=base32_secret(device.bin_key),
                cases=[],
            )
        )
    _write_json_atomically(target, {"accounts": accounts_out})
    return target


def base32_secret(key: bytes) -> str:
    """RFC 4648 base32 without padding, as authenticator apps expect."""
    return base64.b32encode(key).decode("ascii").rstrip("=")


def _demo_password() -> str:
    # Four random words' worth of entropy, easy to type from the terminal.
    return "-".join(secrets.token_hex(3) for _ in range(4))


def _write_json_atomically(target: Path, payload: object) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".json.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
