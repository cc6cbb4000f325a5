"""Who may have a data key: the policies other apps register with the vault.

The vault knows no domain, so keyd asks the policies that apps register at start-up
(in their AppConfig.ready: `corridor.intake`, who may read an intake request while it
is screened or verified; `corridor.cases`, case keys made before keyd's ledger), for
keys the ledger does not decide (tickets.py: case, draft and watchlist keys whose
owner it recorded are the ledger's alone). A policy reads
the database through the read-only alias it is given. A request is granted when
any policy grants it; with no policy registered, nothing is (fail closed).

    register_unwrap_policy("cases.assigned_or_revealed", case_policy)
    register_keyd_reads({"cases_case": ("id", "key_id", "erased_at")})

The columns a policy reads are registered too: on PostgreSQL, `corridor setup` and
`corridor restore` grant keyd's read-only role SELECT on exactly those (grants.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

# The principal `corridor setup --demo` unwraps as (docs/decisions/0009-demo-with-keyd.md);
# keyd serves it only when keyd itself runs as a demo or development installation.
DEMO_PRINCIPAL = "system:demo"

_STAFF = re.compile(r"staff:([1-9][0-9]{0,17})")


@dataclass(frozen=True)
class UnwrapRequest:
    """One request to unwrap a data key, as keyd received it."""

    principal: str
    case_id: str | None
    key_id: uuid.UUID
    # The read-only database alias a policy must read through.
    database: str

    @property
    def staff_id(self) -> int | None:
        return staff_id_of(self.principal)


UnwrapPolicy = Callable[[UnwrapRequest], bool]

_POLICIES: dict[str, UnwrapPolicy] = {}
_READS: dict[str, set[str]] = {}


def staff_id_of(principal: str) -> int | None:
    """The staff id in `staff:<id>`, or None for any other principal."""
    matched = _STAFF.fullmatch(principal)
    return int(matched.group(1)) if matched else None


def register_unwrap_policy(name: str, policy: UnwrapPolicy) -> None:
    """Add (or replace, by name) a policy keyd consults before unwrapping for staff."""
    _POLICIES[name] = policy


def register_keyd_reads(columns: dict[str, tuple[str, ...]]) -> None:
    """Add the columns (by table) that a registered policy reads."""
    for table, names in columns.items():
        _READS.setdefault(table, set()).update(names)


def keyd_reads() -> dict[str, tuple[str, ...]]:
    """Every column keyd's policies read, by table (sorted, for stable grants)."""
    return {table: tuple(sorted(_READS[table])) for table in sorted(_READS)}


def granting_policy(request: UnwrapRequest) -> str | None:
    """The name of the first policy that grants `request`, or None (refuse)."""
    for name, policy in list(_POLICIES.items()):
        if policy(request):
            return name
    return None
