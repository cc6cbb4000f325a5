"""Who did something: a staff member, the anonymous requester, or a system process.

The audit log names actors as `staff:<id>`, `requester`, `system:<name>` or
`system:cli:<os-user>`. Staff accounts satisfy `Actor` through their own
`actor_id` property, so core needs no import of accounts.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@runtime_checkable
class Actor(Protocol):
    @property
    def actor_id(self) -> str: ...


@dataclass(frozen=True)
class SystemActor:
    """A process acting on its own: the worker, keyd, a command run by an operator."""

    name: str

    @property
    def actor_id(self) -> str:
        return f"system:{self.name}"


@dataclass(frozen=True)
class RequesterActor:
    """The anonymous person writing through the portal; never identified further.

    `source` is the network the request came from (intake/sources.py), held only while
    the request is served, for the in-memory limits; it is never stored or logged."""

    source: str = field(default="unknown", repr=False, compare=False)

    @property
    def actor_id(self) -> str:
        return "requester"


def cli_actor() -> SystemActor:
    """The operator running a `corridor` command, named by their OS user."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return SystemActor(name=f"cli:{user}")


WORKER = SystemActor(name="worker")
