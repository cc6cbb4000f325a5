"""Where signed tree heads go to be witnessed off the server, as the audit app sees it.

The audit app knows heads, not organisations: the app that keeps the witnesses (the
organisations directory) registers a `WitnessNetwork` here, and `corridor audit
witness` and `audit verify --witnesses` reach it through `witness_network()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from corridor.audit.heads import SignedHead


@dataclass(frozen=True)
class WitnessOutcome:
    """One witness's answer to one head: `kept`, `conflict` (it holds a head this one
    does not extend) or `failed` (unreachable, refused); `problem` says why, in words."""

    witness: str
    status: str
    problem: str = ""

    def line(self) -> str:
        text = f"witness {self.witness}: {self.status}"
        return f"{text} ({self.problem})" if self.problem else text


@dataclass(frozen=True)
class HeldHead:
    """A head of ours a witness holds, its countersignature checked."""

    witness: str
    head: SignedHead


class WitnessNetwork(Protocol):
    def send(self, head: SignedHead) -> Sequence[WitnessOutcome]: ...

    def held(self) -> tuple[Sequence[HeldHead], Sequence[WitnessOutcome]]: ...


class _Nobody:
    def send(self, head: SignedHead) -> Sequence[WitnessOutcome]:
        return ()

    def held(self) -> tuple[Sequence[HeldHead], Sequence[WitnessOutcome]]:
        return (), ()


_NETWORK: list[WitnessNetwork] = [_Nobody()]


def register_witness_network(network: WitnessNetwork) -> None:
    _NETWORK[0] = network


def witness_network() -> WitnessNetwork:
    return _NETWORK[0]
