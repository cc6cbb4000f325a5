"""Which key kinds each of the worker's tasks may have keyd unwrap: the one place it is said.

keyd serves `system:worker` a data key only when the request names a task listed here
and the key's owner (recorded in keyd's ledger at wrap time) is of a kind that task
needs. A task not listed gets no data key at all, so a new task that must read
personal data is added here, on purpose, with the fewest kinds it needs. The tasks that
move intake requests on in keyd's ledger without a person's ticket are listed here too
(TASK_REQUEST_MOVES), with the phases they move them to.

    with working_on(SCREEN_REQUEST):        # the worker, around the task's body
        key = data_key(request.key_id, for_actor="system:worker", case_id=...)
    check_worker_task(principal, task, owner_kind)   # keyd: UnwrapRefused if not listed

The task name is the worker's word: only the worker's Unix user may name
`system:worker` at all (callers.py), so this keeps a task from reaching keys it has
no business with (a bug, or a task tricked by its input); it does not stop a
compromised worker, which may name any task here.
"""

from __future__ import annotations

from corridor.vault.errors import UnwrapRefused
from corridor.vault.keyd.ledger import SYSTEM_KINDS

WORKER = "system:worker"
# Screening a new request (the task queued per request and the sweep of waiting ones):
# the request's own key, earlier requests' keys and watchlist entries' keys.
SCREEN_REQUEST = "intake.screen_request"
# `corridor restore` samples one sealed value per model to prove the KEK and the key
# store belong together (operations.restore_checks): any kind but a person's draft.
RESTORE_CHECK = "operations.restore_check"
# Delivering a notification opens the address of the staff member's channel, nothing else.
DELIVER_NOTIFICATION = "accounts.deliver_notification"
# `corridor cases reindex-people` (run as the worker's user, like restore): the blind indexes
# of people written before their names and phones were indexed; a case's key only.
PEOPLE_REINDEX = "people.reindex"

# Erasing the declined, duplicate and suspected requests whose day has come: no key, but
# it moves them on in keyd's ledger (to closed).
ERASE_DUE_REQUESTS = "intake.erase_due_requests"
# A requester's own deletion, carried out by the worker once its delay has passed: no key;
# it closes the request in keyd's ledger.
REQUESTER_DELETION = "intake.carry_out_deletion"

TASK_KINDS: dict[str, frozenset[str]] = {
    SCREEN_REQUEST: frozenset({"request", "watch"}),
    RESTORE_CHECK: SYSTEM_KINDS,
    DELIVER_NOTIFICATION: frozenset({"channel"}),
    PEOPLE_REINDEX: frozenset({"case"}),
}


# The screening phases (ledger.PHASES) each task may move a request on to without a
# person's ticket; only from the worker's Unix user (tickets.Gatekeeper._screening). The
# web's user moves a request on only with a verifier's or coordinator's ticket.
TASK_REQUEST_MOVES: dict[str, frozenset[str]] = {
    SCREEN_REQUEST: frozenset({"screening"}),
    ERASE_DUE_REQUESTS: frozenset({"closed"}),
    REQUESTER_DELETION: frozenset({"closed"}),
}


def worker_may_move(task: str | None, phase: str) -> bool:
    """Whether the worker's `task` may move a request on to `phase` with no ticket."""
    return phase in TASK_REQUEST_MOVES.get(task or "", frozenset())


def check_worker_task(principal: str, task: str | None, kind: str | None, case_id: str) -> None:
    """UnwrapRefused unless `task` may have a key of `kind` (None: a key the ledger does
    not know, made before it, which any listed task may still have)."""
    kinds = TASK_KINDS.get(task or "")
    if kinds is None:
        raise UnwrapRefused(
            f"keyd refused: {principal} names no task that may have a data key.",
            reason="not_allowed",
            principal=principal,
            case_id=case_id,
        )
    if kind is not None and kind not in kinds:
        raise UnwrapRefused(
            f"keyd refused: the task {task} may not have a {kind} key.",
            reason="not_allowed",
            principal=principal,
            case_id=case_id,
        )
