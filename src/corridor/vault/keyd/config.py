"""keyd's settings, read from Django settings at call time into one typed object."""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.keyd.limits import KeydLimits
from corridor.vault.keyd.policy import DEMO_PRINCIPAL

# The installations `corridor setup --demo` runs on (its own check, setup.py).
DEMO_MODES = ("demo", "development")

# sockaddr_un holds 108 bytes including the terminating zero.
MAX_SOCKET_PATH = 107


@dataclass(frozen=True)
class KeydConfig:
    directory: Path
    socket: Path
    admin_socket: Path
    log: Path
    database: str
    client_users: tuple[str, ...]
    admin_users: tuple[str, ...]
    limits: KeydLimits
    system_principals: frozenset[str]

    def client_uids(self) -> frozenset[int]:
        """Who may use the data socket: the configured users, else keyd's own user."""
        return resolve_users(self.client_users) or frozenset({os.getuid()})

    def admin_uids(self) -> frozenset[int]:
        """Who may use the admin socket: the configured users, else keyd's own user and root."""
        return resolve_users(self.admin_users) or frozenset({os.getuid(), 0})


def keyd_config() -> KeydConfig:
    principals = set(settings.CORRIDOR_KEYD_SYSTEM_PRINCIPALS)
    if settings.CORRIDOR_ENV in DEMO_MODES:
        # `corridor setup --demo` unwraps as system:demo (docs/decisions/0009): only a keyd
        # that itself runs as a demo or development installation serves it.
        principals.add(DEMO_PRINCIPAL)
    else:
        principals.discard(DEMO_PRINCIPAL)
    return KeydConfig(
        directory=Path(settings.CORRIDOR_KEYD_DIR),
        socket=Path(settings.CORRIDOR_KEYD_SOCKET),
        admin_socket=Path(settings.CORRIDOR_KEYD_ADMIN_SOCKET),
        log=Path(settings.CORRIDOR_KEYD_LOG),
        database=settings.CORRIDOR_KEYD_DATABASE,
        client_users=tuple(settings.CORRIDOR_KEYD_CLIENT_USERS),
        admin_users=tuple(settings.CORRIDOR_KEYD_ADMIN_USERS),
        limits=KeydLimits(**settings.CORRIDOR_KEYD_LIMITS),
        system_principals=frozenset(principals),
    )


def resolve_users(names: Iterable[str]) -> frozenset[int]:
    """User names or numeric ids to uids; an unknown name is a configuration error."""
    uids = set()
    for name in names:
        if name.isdigit():
            uids.add(int(name))
            continue
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            raise KeyProviderUnavailable(
                f"keyd: there is no user {name!r} on this machine."
            ) from None
    return frozenset(uids)


def check_socket_path(path: Path) -> None:
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise KeyProviderUnavailable(
            f"keyd's socket path {path} is longer than {MAX_SOCKET_PATH} bytes; "
            "set CORRIDOR_KEYD_SOCKET (and CORRIDOR_KEYD_ADMIN_SOCKET) to a shorter path."
        )
