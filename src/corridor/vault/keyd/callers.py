"""Who is calling keyd's data socket, as the operating system says, and what each may ask.

The web server, the worker and the portal-only server run as separate Unix users
(docs/operators.md, "The users"). The kernel tells keyd the uid at the other end of
each connection (SO_PEERCRED); keyd's configuration names the users of each caller,
and this module says what each caller may do:

- the web (`CORRIDOR_KEYD_WEB_USERS`) unwraps for staff principals only;
- neither wraps a head-signing key or has arbitrary bytes signed: keyd signs only tree
  heads that extend the last one it signed, with its own key (headkey.py), and backup
  manifests (bytes under a prefix no head starts with: domains.py);
- the worker (`CORRIDOR_KEYD_WORKER_USERS`) is the only caller that may name
  `system:worker` (or another system principal);
- the portal (`CORRIDOR_KEYD_PORTAL_USERS`) gets the codename pepper and the blind
  indexes screening needs, and nothing else: no unwrap, no wrap.

With no caller users configured at all (one user for everything: development and the
test suite), every client holds every caller's rights; keyd logs that it is no boundary.

    callers = callers_of(uid, config)          # frozenset({Caller.WEB})
    check_operation(callers, "unwrap")         # UnwrapRefused(reason="caller") if none may
    check_principal(callers, "system:worker")  # the web's uid: refused
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from corridor.vault.errors import UnwrapRefused
from corridor.vault.keyd.policy import staff_id_of
from corridor.vault.keyd.tickets import LEDGER_OPS
from corridor.vault.models import Purpose


class Caller(StrEnum):
    WEB = "web"
    WORKER = "worker"
    PORTAL = "portal"


ALL_CALLERS = frozenset(Caller)

# keyd's ledger and tickets (tickets.py): logins, factors, assignments, reveals, roles.
# Each change still needs the acting person's ticket; the worker ends assignments and
# standby roles on schedules. The portal asks none of them.
_LEDGER = frozenset(LEDGER_OPS)

# Data-socket operations by caller. `rewrap` moves a wrapped key to another KEK version
# (a rotation's batches) and hands out no key; `kek_check` is a check value.
# What the web and the worker both ask: keys, indexes, tree heads and manifests.
_SERVER = frozenset(
    {
        "ping",
        "wrap",
        "unwrap",
        "index",
        "open_intake",
        "pepper",
        "kek_check",
        "rewrap",
        "sign_head",
        "sign_manifest",
        "last_head",
        "head_key",
    }
)
OPERATIONS: dict[Caller, frozenset[str]] = {
    Caller.WEB: _SERVER | _LEDGER,
    # The worker also copies keyd's log into the audit log (audit.jobs).
    Caller.WORKER: _SERVER | _LEDGER | {"log_since"},
    Caller.PORTAL: frozenset({"ping", "pepper", "index"}),
}

# Key purposes each caller may wrap. Long-lived keys are made once, at `corridor setup`
# (run as the web's user) and by the worker's rotations; the audit head-signing key is
# never wrapped by a caller at all: keyd made it at `keys init` and keeps it.
_WRAPPABLE = frozenset({Purpose.DATA, Purpose.BLIND_INDEX_ROOT, Purpose.INTAKE, Purpose.PEPPER})
WRAP_PURPOSES: dict[Caller, frozenset[str]] = {
    Caller.WEB: _WRAPPABLE,
    Caller.WORKER: _WRAPPABLE,
    Caller.PORTAL: frozenset(),
}


def callers_named(names: Iterable[str]) -> frozenset[Caller]:
    return frozenset(Caller(name) for name in names)


def check_operation(callers: frozenset[Caller], op: str) -> None:
    """UnwrapRefused(reason="caller") unless one of `callers` may use `op`."""
    if not any(op in OPERATIONS[caller] for caller in callers):
        raise _refused(f"keyd does not serve {op} to this caller.")


def check_principal(callers: frozenset[Caller], principal: str) -> None:
    """Only the worker may name a system principal; only the web a staff principal."""
    if staff_id_of(principal) is not None:
        allowed = Caller.WEB in callers
    elif principal.startswith("system:"):
        allowed = Caller.WORKER in callers
    else:
        allowed = True  # no caller's: refused as an unknown principal after this check
    if not allowed:
        raise _refused(f"keyd does not unwrap for {principal} to this caller.", principal)


def check_wrap(callers: frozenset[Caller], purpose: str) -> None:
    if not any(purpose in WRAP_PURPOSES[caller] for caller in callers):
        raise _refused(f"keyd does not wrap {purpose} keys for this caller.")


def _refused(message: str, principal: str = "") -> UnwrapRefused:
    return UnwrapRefused(message, reason="caller", principal=principal)
