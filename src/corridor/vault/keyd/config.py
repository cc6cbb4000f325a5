"""keyd's settings, read from Django settings at call time into one typed object."""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.keyd.callers import ALL_CALLERS, Caller
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
    # The Unix users of each caller ("web", "worker", "portal"; vault.keyd.callers).
    callers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def client_uids(self) -> frozenset[int]:
        """Who may use the data socket: the configured users and every caller's, else
        keyd's own user."""
        uids = resolve_users(self.client_users) | frozenset(self.caller_uids())
        return uids or frozenset({os.getuid()})

    def caller_uids(self) -> dict[int, frozenset[Caller]]:
        """Each configured caller uid and the callers it is (one user may be two)."""
        found: dict[int, set[Caller]] = {}
        for name, users in self.callers.items():
            for uid in resolve_users(users):
                found.setdefault(uid, set()).add(Caller(name))
        return {uid: frozenset(callers) for uid, callers in found.items()}

    @property
    def callers_bound(self) -> bool:
        """Whether any caller is bound to a user; if not, every client is every caller."""
        return any(self.callers.values())

    def callers_of(self, uid: int) -> frozenset[Caller]:
        """What the peer with `uid` may act as: with no caller users configured, every
        caller (one user for everything, no boundary); else only its own."""
        if not self.callers_bound:
            return ALL_CALLERS
        return self.caller_uids().get(uid, frozenset())

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
        callers={name: tuple(users) for name, users in settings.CORRIDOR_KEYD_CALLERS.items()},
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
