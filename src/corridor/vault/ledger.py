"""What the web and worker ask of keyd's ledger and tickets (corridor.vault.keyd.tickets).

keyd, not the data database, decides who may have a key: the web relays a staff
member's TOTP code and keeps the ticket keyd answers with in the session; every
unwrap for that person carries it (the middleware sets it for the request).

    ticket = log_in(staff_id=12, code="123456")          # TicketRefused if wrong
    with acting_with(ticket):
        key = data_key(case.key_id, for_actor="staff:12", case_id=str(case.pk))
    record_assignment(case_id=str(case.pk), staff_id=12, assigned=True)
    with as_operator():                                 # the demo seed, `corridor keyd` commands
        enrol_known_secret(staff_id=12, secret=b"...")

Changes carry the acting person's ticket; keyd refuses them without one. keyd's
own log records each request; the calling service records the audit event.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Collection
from typing import Any

from django.db import transaction

from corridor.core.exceptions import KeyFailure
from corridor.vault.errors import VaultError
from corridor.vault.keyd.acting import (
    acting_as_operator,
    acting_with,
    as_operator,
    current_task,
    current_ticket,
    working_on,
)
from corridor.vault.keyd.ledger import KeyOwner, owner_fields
from corridor.vault.keyd.tickets import TicketRefused
from corridor.vault.providers import key_provider

logger = logging.getLogger(__name__)

__all__ = [
    "KeyOwner",
    "TicketRefused",
    "acting_with",
    "add_passkey",
    "approve_change",
    "as_operator",
    "backup_codes_left",
    "begin_enrolment",
    "confirm_enrolment",
    "current_ticket",
    "end_all_tickets",
    "end_ticket",
    "enrol_known_secret",
    "enrolled",
    "log_in",
    "log_in_with_backup_code",
    "log_in_with_passkey",
    "new_backup_codes",
    "new_enrolment_token",
    "passkey_challenge",
    "propose_change",
    "record_active",
    "record_assignment",
    "record_case_erased",
    "record_key_owner",
    "record_new_account",
    "record_phases_adopted",
    "record_reveal",
    "record_role",
    "record_screening",
    "record_surge",
    "record_surge_closed",
    "remove_factor",
    "remove_passkey",
    "working_on",
]


def _call(op: str, **fields: Any) -> dict[str, Any]:
    ticket = current_ticket()
    if ticket is not None and "ticket" not in fields:
        fields["ticket"] = ticket
    return key_provider().ledger(op, fields, operator=acting_as_operator())


# ------------------------------------------------------------ second factors and tickets
def enrolled(staff_id: int) -> bool:
    """Whether keyd holds a confirmed TOTP factor for this person (VaultSealed if sealed)."""
    return bool(_call("factor_status", staff_id=staff_id)["enrolled"])


def begin_enrolment(
    staff_id: int, *, restart: bool = False, enrolment_token: str | None = None
) -> bytes:
    """The TOTP secret keyd made and keeps for this enrolment (QR code), then confirm it.
    The same secret until a code confirms it; `restart` (cancelled) makes a new one.
    A first factor needs the enrolment code keyd made for this person (`enrolment_token`);
    a factor replaced while logged in, the person's own ticket (TicketRefused otherwise)."""
    fields: dict[str, Any] = {"staff_id": staff_id, **_token(enrolment_token)}
    if restart:
        fields["restart"] = True
    return base64.b64decode(_call("factor_begin", **fields)["secret"])


def confirm_enrolment(staff_id: int, code: str, *, enrolment_token: str | None = None) -> str:
    """The first code from the new secret; keyd answers with a ticket (TicketRefused) and,
    for a first factor, spends the enrolment code."""
    answer = _call("factor_confirm", staff_id=staff_id, code=code, **_token(enrolment_token))
    return str(answer["ticket"])


def new_enrolment_token(staff_id: int) -> str:
    """Operator only (`corridor factors token`): a new enrolment code for this person."""
    return str(_call("enrolment_token", staff_id=staff_id)["enrolment_token"])


# ------------------------------------------------------------ passkeys
def passkey_challenge() -> bytes:
    """A challenge keyd made for a passkey login; keyd accepts an assertion over it once."""
    return base64.b64decode(_call("passkey_challenge")["challenge"])


def add_passkey(
    staff_id: int,
    *,
    credential_id: str,
    public_key: bytes,
    sign_count: int,
    rp_id: str,
    origin: str,
    enrolment_token: str | None = None,
) -> str | None:
    """keyd keeps a registered credential's public key: with the person's own ticket, or as
    a first factor with their enrolment code (then keyd answers with a ticket)."""
    answer = _call(
        "passkey_add",
        staff_id=staff_id,
        credential_id=credential_id,
        public_key=base64.b64encode(public_key).decode("ascii"),
        sign_count=sign_count,
        rp_id=rp_id,
        origin=origin,
        **_token(enrolment_token),
    )
    ticket = answer.get("ticket")
    return ticket if isinstance(ticket, str) else None


def remove_passkey(staff_id: int, *, credential_id: str) -> None:
    """keyd forgets one credential of this person (their own ticket)."""
    _call("passkey_remove", staff_id=staff_id, credential_id=credential_id)


def log_in_with_passkey(assertion: dict[str, Any], *, staff_id: int | None) -> tuple[int, str]:
    """keyd checks the assertion against the public key it keeps and a challenge it issued;
    answers (whose it is, their ticket). `staff_id`: the person who gave the password."""
    fields: dict[str, Any] = {"assertion": assertion}
    if staff_id is not None:
        fields["staff_id"] = staff_id
    answer = _call("passkey_login", **fields)
    return int(answer["staff_id"]), str(answer["ticket"])


def _token(enrolment_token: str | None) -> dict[str, str]:
    return {"enrolment_token": enrolment_token} if enrolment_token else {}


def enrol_known_secret(staff_id: int, secret: bytes) -> None:
    """Operator only (the demo's seed): a confirmed factor with a given secret."""
    _call("factor_begin", staff_id=staff_id, secret=base64.b64encode(secret).decode("ascii"))


def remove_factor(staff_id: int, *, proposal: str | None = None) -> str:
    """Forget this person's factors and tickets (a reset): they enrol again at next login
    with the enrolment code answered here (show it once). For a holder of a TWO_PERSON
    role, `proposal` names the approved proposal."""
    answer = _call("factor_remove", staff_id=staff_id, **_proposal(proposal))
    return str(answer.get("enrolment_token", ""))


def new_backup_codes(staff_id: int) -> list[str]:
    """Fresh backup codes keyd made and keeps (SHA-256 only), with the person's own ticket;
    the old ones stop working. Show them once."""
    return [str(code) for code in _call("backup_new", staff_id=staff_id)["codes"]]


def backup_codes_left(staff_id: int) -> int:
    return int(_call("factor_status", staff_id=staff_id)["backup_codes"])


def log_in_with_backup_code(staff_id: int, code: str) -> str:
    """keyd spends one of the person's backup codes and answers with a ticket."""
    return str(_call("login_backup", staff_id=staff_id, code=code)["ticket"])


def log_in(staff_id: int, code: str) -> str:
    """keyd checks the code and answers with a ticket bound to this person."""
    return str(_call("login", staff_id=staff_id, code=code)["ticket"])


def end_ticket(ticket: str) -> None:
    _call("ticket_end", ticket=ticket)


def end_all_tickets(staff_id: int) -> None:
    """keyd forgets every login of this person (logged out everywhere, disabled, a role
    taken away)."""
    _call("tickets_end_all", staff_id=staff_id)


# ------------------------------------------------------------ ledger changes
def record_assignment(*, case_id: str, staff_id: int, assigned: bool) -> None:
    """Tell keyd that `staff_id` now works on the case (or no longer does)."""
    _call("ledger_assign", case_id=case_id, staff_id=staff_id, assigned=assigned)


def record_key_owner(key_id: str, owner: KeyOwner) -> None:
    """Operator only (`corridor factors adopt`): the owner of a key made before the ledger."""
    _call("ledger_owner", key_id=key_id, owner=owner_fields(owner))


def record_new_account(*, staff_id: int, roles: Collection[str]) -> str | None:
    """An account keyd should know: setup and the demo (operator) with roles, an
    administrator through the web without (the roles then come one by one). Answers the
    enrolment code keyd made for the person's first factor (None if already enrolled)."""
    answer = _call("ledger_roles", staff_id=staff_id, roles=sorted(roles))
    token = answer.get("enrolment_token")
    return token if isinstance(token, str) else None


def record_role(*, staff_id: int, role: str, granted: bool, proposal: str | None = None) -> None:
    """A role granted or revoked, with the administrator's ticket; a TWO_PERSON role also
    names the proposal a second coordinator approved (`propose_change`, `approve_change`)."""
    _call("ledger_role", staff_id=staff_id, role=role, granted=granted, **_proposal(proposal))


def record_active(*, staff_id: int, active: bool, proposal: str | None = None) -> None:
    """An account switched off (deactivated, suspended) or on again: keyd then issues it no
    ticket and unwraps nothing for it. Switching a TWO_PERSON role holder on names the
    approved proposal."""
    _call("ledger_active", staff_id=staff_id, active=active, **_proposal(proposal))


def record_surge(*, surge_id: str, members: Collection[int], hours: int) -> None:
    """An evacuation night opened, with a coordinator's ticket: keyd checks it now and lifts
    the listed people's hourly limit for `hours` by its own clock once the transaction
    commits (nothing, if it rolls back)."""
    _call_on_commit("ledger_surge", surge=surge_id, members=sorted(members), hours=hours)


def record_surge_closed(*, surge_id: str) -> None:
    """An evacuation night closed early, with a coordinator's ticket (once committed)."""
    _call_on_commit("ledger_surge", surge=surge_id, closed=True)


def _call_on_commit(op: str, **fields: Any) -> None:
    """A change keyd checks now (a refusal raises here, inside the caller's transaction)
    and applies only when that transaction commits: keyd keeps it pending and forgets it
    unconfirmed, so a rollback leaves keyd's ledger as the data database is."""
    operator = acting_as_operator()
    answer = _call(op, pending=True, **fields)
    pending = answer.get("pending")
    if not isinstance(pending, str):
        return

    def confirm() -> None:
        try:
            key_provider().ledger("ledger_confirm", {"pending": pending}, operator=operator)
        except (VaultError, KeyFailure):
            # Committed, but keyd did not take it (down, sealed, or a move refused since):
            # keyd's log shows which; the pages show the data database's word.
            logger.warning(
                "keyd did not confirm a ledger change", extra={"event": "keyd.unconfirmed"}
            )

    transaction.on_commit(confirm)


def propose_change(
    *,
    proposal: str,
    op: str,
    staff_id: int,
    role: str = "",
    flag: bool = False,
    case_id: str = "",
) -> None:
    """A gated ledger change asked for with the requester's ticket, under the approval's id:
    `role` (grant with flag True, removal False), `factor_remove`, `active` (flag True),
    `erase_case` (a coordinator's, naming `case_id`; staff_id 0)."""
    change: dict[str, Any] = {"op": op, "staff_id": staff_id, "role": role, "flag": flag}
    if case_id:
        change["case_id"] = case_id
    _call("ledger_propose", proposal=proposal, change=change)


def approve_change(*, proposal: str) -> None:
    """The second person's word, with their own ticket: a coordinator other than the one who
    proposed it (and than the person it is about)."""
    _call("ledger_approve", proposal=proposal)


def _proposal(proposal: str | None) -> dict[str, str]:
    return {"proposal": proposal} if proposal is not None else {}


def record_screening(*, request_id: str, phase: str, case_id: str | None = None) -> None:
    """An intake request moved on (`awaiting`, `screening`, `closed`), and the case it was
    accepted into: keyd decides from this who may read it, once the transaction commits.
    Going back a phase or naming a case takes a verifier's or coordinator's ticket; moving
    on takes one too, or the worker's user running a task listed for it."""
    fields: dict[str, Any] = {"request_id": request_id, "phase": phase, "into_case": case_id or ""}
    task = current_task()
    if task is not None:
        fields["task"] = task  # the worker's task: what it may move without a ticket
    _call_on_commit("ledger_screening", **fields)


def record_case_erased(*, case_id: str, proposal: str | None = None) -> None:
    """A case erased, with the ticket of a coordinator carrying it out and the proposal two
    coordinators agreed on in keyd (`propose_change(op="erase_case")`, `approve_change`),
    or the operator's: keyd serves no key of it, nor of its requests, after."""
    _call("ledger_case_erased", case_id=case_id, **_proposal(proposal))


def record_phases_adopted() -> None:
    """Operator only (`corridor factors adopt`, after recording every request's phase): a
    request key keyd then has no phase for is nobody's."""
    _call("ledger_phases_adopted")


def record_reveal(*, case_id: str, staff_id: int) -> None:
    """A break-glass reveal, with the revealing person's own ticket."""
    _call("ledger_reveal", case_id=case_id, staff_id=staff_id)
