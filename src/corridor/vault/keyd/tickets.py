"""Tickets keyd issued itself, and the ledger checks an unwrap for staff must pass.

keyd (and the demo's `file` provider, in-process, with the same code) verifies a
staff member's TOTP code itself and answers with a ticket: 32 random bytes bound to
that staff member for TICKET_LIFETIME (a staff session's absolute limit). keyd keeps
only the ticket's SHA-256. Every unwrap for `staff:<id>` must carry a live ticket
of that same person, and the key must be one the ledger lets them have:

- a case's key (recorded at wrap time as kind `case`) to a person the ledger lists
  as assigned to that case, or who recorded a break-glass reveal in the last ten minutes;
- a draft's key (kind `draft`) to the person whose draft it is, with no case named;
- a watchlist entry's key (kind `watch`) to a coordinator (by the ledger), for that entry;
- a shelter's key (kind `shelter`: its address and host) to a coordinator (by the ledger),
  for that shelter only, never any case's key;
- an intake request's key (kind `request`) only for that request, and by the phase the
  ledger keeps for it: verifiers and coordinators until it is decided, its recorder until
  it is screened, then the team the ledger assigns to the case it was accepted into (a
  request with no phase, made before the ledger kept them, is the registered policy's
  until `corridor factors adopt` records every phase, and nobody's after);
- nothing of a case the ledger records as erased, nor of a request accepted into it.

keyd also checks passkey assertions (passkeys.py) against public keys it keeps and
challenges it issued, and asks a first factor for the enrolment code it made when the
account was created or its factors reset (decision 0012).

    gate = Gatekeeper(ledger, kek=..., current_version=...)
    answer = gate.handle("login", {"staff_id": 12, "code": "123456"})   # {"ticket": ...}
    gate.check_unwrap(staff_id=12, ticket=ticket, case_id=..., key_id=...)

A row written into the data database grants nothing here: the ledger is keyd's own.
What a compromised web process can still do is act for staff who are logged in right
now (it relays their tickets), within what the ledger lets them have.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor import InvalidToken
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from corridor.vault import aead
from corridor.vault.errors import DecryptionFailed, InputRejected, UnwrapRefused
from corridor.vault.keyd import passkeys
from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.ledger import (
    PHASES,
    SYSTEM_KINDS,
    Factor,
    KeyOwner,
    Ledger,
    Passkey,
    Screening,
)
from corridor.vault.keyd.worker_tasks import WORKER, check_worker_task, worker_may_move

TICKET_LIFETIME = 8 * 60 * 60
REVEAL_LIFETIME = 10 * 60  # as cases.access.REVEAL_LIFETIME
BACKUP_CODES = 10
# A backup code: 16 characters of base32 (80 bits), shown in groups of four. Long
# enough that keyd keeps only a SHA-256 of each and no copy of its ledger can be searched.
BACKUP_CODE_CHARS = 16
TOTP_STEP = 30
TOTP_DIGITS = 6
SECRET_BYTES = 20
# Failures before each further code waits, doubling from 2 seconds (as passwords do).
FREE_FAILURES = 3
_FACTOR_PURPOSE = "keyd-totp"
_FACTOR_INFO = b"corridor-keyd-factor-v1"
LEDGER_OPS = (
    "factor_status",
    "factor_begin",
    "factor_confirm",
    "login",
    "ticket_end",
    "tickets_end_all",
    "factor_remove",
    "ledger_assign",
    "ledger_reveal",
    "ledger_owner",
    "ledger_roles",
    "ledger_role",
    "ledger_propose",
    "ledger_approve",
    "ledger_active",
    "ledger_surge",
    "backup_new",
    "login_backup",
    "passkey_challenge",
    "passkey_add",
    "passkey_remove",
    "passkey_login",
    "enrolment_token",
    "ledger_screening",
    "ledger_case_erased",
    "ledger_phases_adopted",
    "ledger_confirm",
)
# What `ledger_phases_adopted` marks: `corridor factors adopt` recorded every request's
# phase; from then on a request key the ledger has no phase for is nobody's.
PHASES_ADOPTED = "request_phases"
ADMIN = "admin"
COORDINATOR = "coordinator"
CASE_ROLES = frozenset({"caseworker", COORDINATOR})
# Who reads an intake request while it is screened (as intake.unwrap_policy said).
SCREENING_ROLES = frozenset({"verifier", COORDINATOR})
# As accounts.roles.TWO_PERSON_ROLES: granting or removing one, resetting the factors of
# its holder or switching the holder back on takes two people's tickets (a proposal and
# a coordinator's approval), never one.
TWO_PERSON_ROLES = frozenset({COORDINATOR, "caseworker", "verifier", "auditor"})
# Granting the administrator role is gated the same way (accounts.roles.TWO_PERSON_GRANTS);
# taking it away only takes power away: one administrator's ticket.
PROPOSAL_LIFETIME = 24 * 60 * 60  # as accounts.approvals.APPROVAL_LIFETIME
# As accounts.roles.DATA_ROLES: who may be listed in an evacuation night.
DATA_ROLES = frozenset({"hotline_operator", "verifier", "caseworker", COORDINATOR})
MAX_SURGE_HOURS = 12  # as accounts.surges.MAX_SURGE_HOURS (a test holds them equal)
MAX_SURGE_MEMBERS = 500
# A gated change: a role, a factor reset, a reactivation, or a case's erasure (which keyd
# never undoes: a coordinator asks, a second coordinator approves, then one carries it out).
ERASE_CASE = "erase_case"
CHANGE_OPS = frozenset({"role", "factor_remove", "active", ERASE_CASE})
# A change keyd records in the web's transaction and applies only once that transaction
# commits (`ledger_confirm`): a surge, a request's move. Unconfirmed, it grants nothing
# and is forgotten after this long.
PENDING_LIFETIME = 10 * 60
MANAGERS = frozenset({ADMIN, COORDINATOR})
# The refusal reasons that mean "no live ticket or wrong code", not "not your case".
TICKET_REASONS = frozenset(
    {"ticket", "code", "code_delayed", "not_enrolled", "inactive", "passkey", "enrolment"}
)
CHALLENGE_LIFETIME = 5 * 60  # a passkey challenge, as the login's password step waits
_PASSKEY_PURPOSE = "keyd-passkey"
ENROLMENT_REFUSED = "keyd needs the enrolment code this account was given, and it is not this one."
TICKET_REFUSED = "keyd has no live login for this person: log in again."
# What `corridor setup` makes before anyone logs in: the first administrator and the first
# coordinators (accounts.roles.MIN_ACTIVE_COORDINATORS, which keyd does not import).
BOOTSTRAP_ACCOUNTS = 1 + 2
# An enrolment token: what keyd hands out (once) when an account is made or its factors
# reset, for the person's first factor. 72 hours: a new colleague is told by phone, and
# may be told on a Friday.
ENROLMENT_TOKEN_LIFETIME = 72 * 60 * 60
ENROLMENT_TOKEN_CHARS = 16  # base32, 80 bits, shown in groups of four like a backup code


class TicketRefused(UnwrapRefused):
    """A ledger request without a live ticket (or with the wrong code)."""


def ticket_digest(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("ascii", "replace")).hexdigest()


class Gatekeeper:
    """The ticket and ledger operations keyd (or the file provider) runs.

    `enforce` False (the file provider in most of the test suite) records everything
    but checks no ticket on unwraps and changes; keyd always enforces.
    """

    def __init__(
        self,
        ledger: Ledger,
        *,
        kek: Callable[[int], bytes | bytearray],
        current_version: Callable[[], int],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ledger = ledger
        self._kek = kek
        self._current_version = current_version
        self._clock = clock

    # ------------------------------------------------------------ dispatch
    def handle(
        self,
        op: str,
        message: dict[str, Any],
        *,
        operator: bool,
        enforce: bool = True,
        worker: bool = False,
    ) -> dict[str, Any]:
        """One ledger operation. `operator`: the admin socket (or the demo's key-file holder);
        `worker`: the caller's Unix user is the worker's (keyd's caller map; the file
        provider, which has no users to tell apart, says yes)."""
        if op == "factor_status":
            staff_id = _staff(message)
            factor = self.ledger.factor(staff_id)
            return {
                "enrolled": factor is not None and factor.confirmed,
                "backup_codes": self.ledger.backup_codes_left(staff_id),
            }
        if op == "backup_new":
            # Fresh backup codes that keyd made: the person's own live ticket (their login
            # or the enrolment that just brought it), or the operator.
            staff_id = _staff(message)
            if not operator and enforce:
                self._require_ticket(message, staff_id=staff_id)
            codes = [_new_backup_code() for _ in range(BACKUP_CODES)]
            self.ledger.replace_backup_codes(
                staff_id, [_backup_digest(staff_id, code) for code in codes]
            )
            return {"codes": codes}
        if op == "login_backup":
            # A backup code instead of the app's: spent once, then a ticket as for a code.
            staff_id = _staff(message)
            self._check_active(staff_id)
            code = _backup_compact(wire.read_text(message, "code", limit=40))
            if not code or not self.ledger.use_backup_code(
                staff_id, _backup_digest(staff_id, code)
            ):
                raise TicketRefused(
                    "keyd did not accept this backup code.",
                    reason="code",
                    principal=f"staff:{staff_id}",
                )
            return {"ticket": self._issue(staff_id)}
        if op == "factor_begin":
            return self._factor_begin(message, operator=operator, enforce=enforce)
        if op == "factor_confirm":
            staff_id = _staff(message)
            self._check_active(staff_id)
            first = False
            if not operator and enforce:
                first = self._authorise_enrolment(message, staff_id, spend=False)
            self._check_code(staff_id, _code(message), confirming=True)
            if first:
                self._spend_enrolment_token(message, staff_id)
            return {"ticket": self._issue(staff_id)}
        if op == "passkey_challenge":
            # Anyone may ask (a login starts before any ticket); each is spent once.
            challenge = os.urandom(32)
            now = self._clock()
            self.ledger.put_challenge(
                _challenge_digest(challenge), now + CHALLENGE_LIFETIME, now=now
            )
            return {"challenge": wire.encode_bytes(challenge)}
        if op == "passkey_add":
            return self._passkey_add(message, operator=operator, enforce=enforce)
        if op == "passkey_remove":
            # Only takes access away: the person's own ticket, or a manager's (a lost key).
            staff_id = _staff(message)
            if not operator and enforce:
                holder = self._require_ticket(message)
                if holder != staff_id and not self.ledger.roles(holder) & MANAGERS:
                    raise TicketRefused("keyd refused this change.", reason="not_allowed")
            self.ledger.drop_passkey(_credential(message), staff_id)
            return {}
        if op == "passkey_login":
            return self._passkey_login(message)
        if op == "ledger_screening":
            return self._screening(message, operator=operator, enforce=enforce, worker=worker)
        if op == "ledger_case_erased":
            # A case's erasure: proposed by one coordinator, approved by a second (both by
            # keyd's ledger, with their tickets), carried out with a coordinator's ticket
            # naming the proposal. keyd serves no key of it, nor of the requests accepted
            # into it, from now on. Not undone: so never on one person's word.
            case_id = wire.read_code(message, "case_id")
            if self.ledger.is_erased(case_id):
                return {}  # already (a retry after the web's transaction rolled back)
            if not operator and enforce:
                holder = self._require_role(message, COORDINATOR)
                # Two coordinators agreed in keyd (ledger_propose, ledger_approve); any
                # coordinator may carry it out, once: one ticket alone erases nothing.
                self._consume(message, holder, _erase_change(case_id), any_carrier=True)
            self.ledger.erase_case(case_id, self._clock())
            return {}
        if op == "ledger_phases_adopted":
            # `corridor factors adopt` has recorded every request's phase (operator only).
            if not operator:
                raise TicketRefused("Only the operator adopts the old requests.", reason="ticket")
            self.ledger.mark_adopted(PHASES_ADOPTED, self._clock())
            return {}
        if op == "enrolment_token":
            # The operator (`corridor factors token`): a new code for a first enrolment.
            staff_id = _staff(message)
            if not operator:
                raise TicketRefused("Only the operator makes an enrolment code.", reason="ticket")
            if not self.ledger.is_member(staff_id):
                raise TicketRefused("keyd does not know this account.", reason="not_enrolled")
            return {"enrolment_token": self._new_enrolment_token(staff_id)}

        if op == "login":
            staff_id = _staff(message)
            self._check_active(staff_id)
            self._check_code(staff_id, _code(message), confirming=False)
            return {"ticket": self._issue(staff_id)}
        if op == "ticket_end":
            self.ledger.drop_ticket(ticket_digest(wire.read_text(message, "ticket", limit=100)))
            return {}
        if op == "tickets_end_all":
            # Ending logins only takes access away: any live ticket (or the operator) will do.
            if not operator and enforce:
                self._require_ticket(message)
            self.ledger.drop_tickets_of(_staff(message))
            return {}
        if op == "factor_remove":
            # A reset (the web's approved "reset all second factors"): the person's own
            # ticket; for a holder of a TWO_PERSON role, a proposal and a second
            # coordinator's approval; for anyone else an administrator's or coordinator's.
            staff_id = _staff(message)
            if not operator and enforce:
                holder = self._require_ticket(message)
                if holder == staff_id:
                    pass
                elif self.ledger.roles(staff_id) & TWO_PERSON_ROLES:
                    self._consume(message, holder, _change("factor_remove", staff_id))
                elif not self.ledger.roles(holder) & MANAGERS:
                    raise TicketRefused("keyd refused this reset.", reason="not_allowed")
            self.ledger.delete_factor(staff_id)
            # What the person enrols again with: shown once, to whoever reset the factors.
            return {"enrolment_token": self._new_enrolment_token(staff_id)}
        if op == "ledger_roles":
            staff_id = _staff(message)
            roles = _roles(message.get("roles"))
            if not operator and enforce and not self._setup_admits(staff_id, roles):
                # Through the web an administrator adds an account with no role; the roles
                # come one by one (ledger_role).
                self._require_role(message, ADMIN)
                if roles or self.ledger.is_member(staff_id):
                    raise TicketRefused("keyd refused this account change.", reason="not_allowed")
            new = not self.ledger.is_member(staff_id)
            self.ledger.admit(staff_id, roles)
            if not new or self._has_confirmed_factor(staff_id):
                return {}
            # The new person's first factor needs this code, handed over with the password.
            return {"enrolment_token": self._new_enrolment_token(staff_id)}
        if op == "ledger_role":
            staff_id = _staff(message)
            role = wire.read_code(message, "role")
            granted = bool(message.get("granted"))
            if not operator and enforce:
                holder = self._require_role(message, ADMIN)
                if not self.ledger.is_member(staff_id):
                    raise TicketRefused("keyd does not know this account.", reason="not_allowed")
                if role in TWO_PERSON_ROLES or (role == ADMIN and granted):
                    self._consume(message, holder, _change("role", staff_id, role, granted))
            self.ledger.set_role(staff_id, role, granted=granted)
            return {}
        if op == "ledger_active":
            # Switching an account off only takes access away: an administrator's or a
            # coordinator's ticket. Switching a TWO_PERSON role holder back on is gated.
            staff_id = _staff(message)
            active = bool(message.get("active"))
            if not operator and enforce:
                holder = self._require_ticket(message)
                if not self.ledger.roles(holder) & MANAGERS or holder == staff_id:
                    raise TicketRefused("keyd refused this account change.", reason="not_allowed")
                if active and self.ledger.roles(staff_id) & TWO_PERSON_ROLES:
                    self._consume(message, holder, _change("active", staff_id, "", True))
            self.ledger.set_inactive(staff_id, inactive=not active)
            return {}
        if op == "ledger_surge":
            return self._surge(message, operator=operator, enforce=enforce)
        if op == "ledger_confirm":
            return self._confirm(message)
        if op == "ledger_propose":
            return self._propose(message, operator=operator, enforce=enforce)
        if op == "ledger_approve":
            return self._approve(message, operator=operator, enforce=enforce)
        if op == "ledger_assign":
            case_id = wire.read_code(message, "case_id")
            staff_id = _staff(message)
            assigned = bool(message.get("assigned"))
            if not operator and enforce and assigned:
                self._check_assign(message, case_id, staff_id)
            elif not operator and enforce:
                self._require_ticket(message)  # ending an assignment only takes access away
            self.ledger.set_assigned(case_id, staff_id, assigned=assigned)
            return {}
        if op == "ledger_reveal":
            staff_id = _staff(message)
            # A reveal is recorded only for the coordinator whose live ticket asks for it.
            if not operator and enforce and self._require_role(message, COORDINATOR) != staff_id:
                raise TicketRefused(TICKET_REFUSED, reason="ticket")
            self.ledger.record_reveal(wire.read_code(message, "case_id"), staff_id, self._clock())
            return {}
        if op == "ledger_owner":
            # Keys made before the ledger (`corridor factors adopt`, once, at the upgrade).
            if not operator:
                raise TicketRefused(
                    "Only the operator records an existing key's owner.", reason="ticket"
                )
            return {
                "detail": self.record_wrap(wire.read_uuid(message, "key_id"), message.get("owner"))
            }
        raise InputRejected("Unknown ledger operation.")

    # ------------------------------------------------------------ surges
    def _surge(self, message: dict[str, Any], *, operator: bool, enforce: bool) -> dict[str, Any]:
        """Open or close an evacuation night: a coordinator's ticket (by keyd's ledger).

        keyd times the night itself (now + hours, by its own clock, from the moment the
        change takes effect) and lists only accounts it knows with a role that works with
        data; the web's word on either is not taken. A surge row written into the data
        database lifts nothing. With `pending`, the change is checked now and takes effect
        only when the web confirms its transaction committed (`ledger_confirm`)."""
        surge_id = str(wire.read_uuid(message, "surge"))
        checked = not operator and enforce
        holder = self._require_role(message, COORDINATOR) if checked else 0
        if message.get("closed"):
            change: dict[str, Any] = {"surge": surge_id, "closed": True}
        else:
            hours = wire.read_int(message, "hours", low=1, high=MAX_SURGE_HOURS)
            raw = message.get("members")
            if not isinstance(raw, list) or not 0 < len(raw) <= MAX_SURGE_MEMBERS:
                raise InputRejected("A surge lists from 1 to 500 people by number.")
            members = [_staff({"staff_id": member}) for member in raw]
            if checked and any(
                self.ledger.is_inactive(member) or not self.ledger.roles(member) & DATA_ROLES
                for member in members
            ):
                raise TicketRefused(
                    "keyd refused: a surge lists only active people who work with data.",
                    reason="not_allowed",
                )
            change = {"surge": surge_id, "holder": holder, "members": members, "hours": hours}
        if message.get("pending"):
            return {"pending": self._put_pending("surge", change)}
        self._apply_surge(change)
        return {}

    def _apply_surge(self, change: dict[str, Any]) -> None:
        if change.get("closed"):
            self.ledger.close_surge(str(change["surge"]), self._clock())
            return
        self.ledger.open_surge(
            str(change["surge"]),
            int(change["holder"]),
            [int(member) for member in change["members"]],
            self._clock() + int(change["hours"]) * 3600,
        )

    # ------------------------------------------------------------ changes awaiting a commit
    def _put_pending(self, op: str, change: dict[str, Any]) -> str:
        """Keep a checked change until the web's transaction commits; its id, to confirm."""
        pending = str(uuid.uuid4())
        now = self._clock()
        self.ledger.put_pending(
            pending, op, json.dumps(change, sort_keys=True), now + PENDING_LIFETIME, now=now
        )
        return pending

    def _confirm(self, message: dict[str, Any]) -> dict[str, Any]:
        """The web's transaction committed: the change it recorded takes effect, once. No
        ticket: the change was checked when it was recorded, and the id is keyd's secret
        answer to that request. Unknown, spent or expired: refused, nothing changes."""
        found = self.ledger.take_pending(str(wire.read_uuid(message, "pending")), self._clock())
        if found is None:
            raise TicketRefused(
                "keyd holds no such change waiting (confirmed already, or too late).",
                reason="not_pending",
            )
        op, body = found
        change = json.loads(body)
        if op == "surge":
            self._apply_surge(change)
        else:
            self._apply_screening(change)
        return {"detail": op}

    # ------------------------------------------------------------ intake screening
    def _screening(
        self, message: dict[str, Any], *, operator: bool, enforce: bool, worker: bool
    ) -> dict[str, Any]:
        """An intake request moved on: `phase` (awaiting, screening, closed) and the case it
        was accepted into (`into_case`, "" for none).

        Going back a phase, a first phase for a request keyd had none for, or naming a
        case takes the ticket of a verifier or coordinator by keyd's ledger. Moving on or
        forgetting the case only takes access away, but is not the web's alone either: a
        verifier's or coordinator's ticket, or the worker's Unix user running a task that
        moves requests that way (worker_tasks.TASK_REQUEST_MOVES: screening, the erasure
        of requests whose day has come). keyd never forgets that a request was accepted
        into a case since erased. With `pending`, the move takes effect on `ledger_confirm`.
        """
        request_id = str(wire.read_uuid(message, "request_id"))
        phase = wire.read_code(message, "phase")
        if phase not in PHASES:
            raise InputRejected("Unknown screening phase.")
        case_id = str(wire.read_uuid(message, "into_case")) if message.get("into_case") else None
        if case_id is not None and self.ledger.is_erased(case_id):
            raise TicketRefused("keyd refused: that case was erased.", reason="not_allowed")
        current = self.ledger.screening(request_id)
        phase, case_id = _keep_erased_case(self.ledger, current, phase, case_id)
        changes = current is None or (phase, case_id) != (current.phase, current.case_id)
        widening_ok = operator or not enforce
        if changes and not widening_ok:
            holder = self.ticket_holder(message.get("ticket"))
            if holder is not None and self.ledger.is_inactive(holder):
                holder = None
            screener = holder is not None and bool(self.ledger.roles(holder) & SCREENING_ROLES)
            if _widens(current, phase, case_id):
                if holder is None:
                    raise TicketRefused(TICKET_REFUSED, reason="ticket")
                if not screener:
                    raise TicketRefused(
                        "keyd refused: only a verifier or coordinator moves a request back.",
                        reason="not_allowed",
                    )
            elif not screener and not (
                worker and worker_may_move(wire.read_optional_code(message, "task"), phase)
            ):
                raise TicketRefused(
                    "keyd refused: a request moves on with a verifier's or coordinator's "
                    "ticket, or in the worker's own task.",
                    reason="not_allowed",
                )
            widening_ok = screener
        change = {
            "request": request_id,
            "phase": phase,
            "case": case_id,
            "widening_ok": widening_ok,
        }
        if message.get("pending"):
            return {"pending": self._put_pending("screening", change)}
        self._apply_screening(change)
        return {}

    def _apply_screening(self, change: dict[str, Any]) -> None:
        """Record a checked move, checked again against the ledger as it is now (another
        move may have come between): a widening the move was not entitled to is refused."""
        request_id = str(change["request"])
        raw_case = change.get("case")
        case_id = str(raw_case) if raw_case else None
        current = self.ledger.screening(request_id)
        if _names_erased_case(self.ledger, current, case_id):
            raise TicketRefused("keyd refused: that case was erased.", reason="not_allowed")
        phase, case_id = _keep_erased_case(self.ledger, current, str(change["phase"]), case_id)
        if _widens(current, phase, case_id) and not change.get("widening_ok"):
            raise TicketRefused(
                "keyd refused: only a verifier or coordinator moves a request back.",
                reason="not_allowed",
            )
        recorded_by = current.recorded_by if current is not None else None
        self.ledger.set_screening(request_id, Screening(phase, recorded_by, case_id))

    def _screening_rule(self, owner: KeyOwner, staff_id: int, refused: UnwrapRefused) -> str | None:
        if owner.kind != "request":
            return None
        screening = self.ledger.screening(owner.object_id)
        if screening is None:
            # Wrapped before the ledger kept phases: the registered policy's until
            # `corridor factors adopt` recorded every phase, nobody's after.
            if self.ledger.adopted(PHASES_ADOPTED):
                raise refused
            return None
        if screening.case_id is not None and self.ledger.is_erased(screening.case_id):
            raise refused  # accepted into a case since erased: nobody's
        roles = self.ledger.roles(staff_id)
        if screening.phase != "closed" and roles & SCREENING_ROLES:
            return "ledger.screening"
        if screening.phase == "awaiting" and screening.recorded_by == staff_id:
            return "ledger.recorded"
        if screening.case_id is not None and self.ledger.is_assigned(screening.case_id, staff_id):
            return "ledger.request_case"
        raise refused

    def ticket_holder(self, ticket: object) -> int | None:
        """Whose live ticket this is (None: none, or not live): what keyd's log names."""
        if not isinstance(ticket, str):
            return None
        return self.ledger.ticket_staff(ticket_digest(ticket), self._clock())

    def in_surge(self, staff_id: int) -> bool:
        """Whether keyd's ledger lists this person in an evacuation night open now."""
        return self.ledger.in_surge(staff_id, self._clock())

    # ------------------------------------------------------------ two-person changes
    def _propose(self, message: dict[str, Any], *, operator: bool, enforce: bool) -> dict[str, Any]:
        """One person (an administrator or a coordinator, by keyd's ledger) asks for a gated
        change; the web sends it when the approval is requested, under the approval's id."""
        if not enforce:
            return {}
        change = _read_change(message.get("change"))
        if operator:
            # The operator changes the ledger directly; a case's erasure it asks for
            # (`corridor cases erase-request`) is kept, under no one (0), so that a
            # coordinator can approve it and the web or the operator carry it out.
            if change.startswith(f"{ERASE_CASE}:"):
                self.ledger.propose(_proposal(message), change, 0, self._clock())
            return {}
        holder = self._require_ticket(message)
        needed = {COORDINATOR} if change.startswith(f"{ERASE_CASE}:") else MANAGERS
        if not self.ledger.roles(holder) & needed:
            raise TicketRefused(
                "keyd refused: your role cannot ask for this.", reason="not_allowed"
            )
        self.ledger.propose(_proposal(message), change, holder, self._clock())
        return {}

    def _approve(self, message: dict[str, Any], *, operator: bool, enforce: bool) -> dict[str, Any]:
        """A second person, a coordinator by keyd's ledger, approves a proposal: never the
        person who proposed it, nor the person the change is about."""
        if operator or not enforce:
            return {}
        holder = self._require_role(message, COORDINATOR)
        proposal = _proposal(message)
        found = self.ledger.proposal(proposal)
        if (
            found is None
            or found[2] is not None
            or found[1] == holder
            or _change_subject(found[0]) == holder
            or found[3] + PROPOSAL_LIFETIME <= self._clock()
        ):
            raise TicketRefused("keyd refused this approval.", reason="not_allowed")
        self.ledger.approve(proposal, holder)
        return {}

    def _consume(
        self, message: dict[str, Any], holder: int, change: str, *, any_carrier: bool = False
    ) -> None:
        """The gated change is carried out by the person who proposed it (`any_carrier`: by
        anyone the caller checked, two people having agreed), once, within the proposal's
        lifetime, after a second coordinator approved exactly this change."""
        refused = TicketRefused(
            "keyd refused: this change needs a second coordinator's approval.",
            reason="not_approved",
        )
        if not isinstance(message.get("proposal"), str):
            raise refused
        proposal = _proposal(message)
        found = self.ledger.proposal(proposal)
        if (
            found is None
            or found[0] != change
            or (found[1] != holder and not any_carrier)
            or found[2] is None
            or (found[2] == holder and not any_carrier)
            or found[3] + PROPOSAL_LIFETIME <= self._clock()
            or not self.ledger.use_proposal(proposal)
        ):
            raise refused

    # ------------------------------------------------------------ wrap and unwrap
    def _check_assign(self, message: dict[str, Any], case_id: str, staff_id: int) -> None:
        """A coordinator assigns; someone who opened the case may take it on themselves."""
        holder = self._require_ticket(message)
        holder_roles = self.ledger.roles(holder)
        if not self.ledger.roles(staff_id) & CASE_ROLES:
            raise TicketRefused(
                "keyd refused: cases go to caseworkers and coordinators.", reason="not_allowed"
            )
        if COORDINATOR in holder_roles:
            return
        if (
            holder == staff_id
            and holder_roles & CASE_ROLES
            and self.ledger.opened_by(case_id, holder)
        ):
            return
        raise TicketRefused(
            "keyd refused: only a coordinator assigns this case.", reason="not_allowed"
        )

    def _setup_admits(self, staff_id: int, roles: frozenset[str]) -> bool:
        """`corridor setup` (run as the web's user, before anyone can log in) makes the
        first accounts: the administrator of an empty ledger, then the first coordinators,
        while nobody has enrolled a factor. Nothing else is added without a ticket."""
        if not self.ledger.has_members():
            return True
        return (
            not self.ledger.has_factors()
            and roles == {COORDINATOR}
            and not self.ledger.is_member(staff_id)
            and self.ledger.member_count() < BOOTSTRAP_ACCOUNTS
        )

    def _require_role(self, message: dict[str, Any], role: str) -> int:
        holder = self._require_ticket(message)
        if role not in self.ledger.roles(holder):
            raise TicketRefused(f"keyd refused: this needs the {role} role.", reason="not_allowed")
        return holder

    def record_wrap(self, key_id: uuid.UUID, owner: object, ticket: object = None) -> str:
        """Record the owner a wrap request names (a dict on the wire); returns the log detail.

        A case key records who opened the case from the ticket, never from the request."""
        if owner is None:
            return ""
        if not isinstance(owner, dict):
            raise InputRejected("A key owner is an object.")
        staff = owner.get("staff_id")
        kind = owner.get("kind")
        object_id = owner.get("object_id")
        if not isinstance(kind, str) or not isinstance(object_id, str):
            raise InputRejected("A key owner names its kind and object.")
        if staff is not None and (isinstance(staff, bool) or not isinstance(staff, int)):
            raise InputRejected("A draft key names its staff member by number.")
        if kind in {"case", "request"}:
            staff = (
                self.ledger.ticket_staff(ticket_digest(ticket), self._clock())
                if isinstance(ticket, str)
                else None
            )
        self.ledger.record_owner(key_id, KeyOwner(kind, object_id, staff))
        if kind == "request" and self.ledger.screening(object_id) is None:
            # A new request awaits screening; who recorded it is the ticket's, never the
            # request's word (a hotline operator's call; the portal's come with none).
            self.ledger.set_screening(object_id, Screening("awaiting", recorded_by=staff))
        return f"owner:{kind}"

    def check_system_unwrap(
        self, *, principal: str, case_id: str | None, key_id: uuid.UUID, task: str | None
    ) -> None:
        """The worker's policy by task and key kind: the ledger knows each key's owner from
        its wrap; `system:worker` gets only the kinds the task it names needs
        (worker_tasks.TASK_KINDS), another system principal (the demo's builder) any kind
        but a person's form draft (SYSTEM_KINDS). A key the ledger does not know (made
        before it) is refused only to an unlisted task."""
        owner = self.ledger.owner(key_id)
        if owner is not None and self._of_erased_case(owner):
            # An erased case, or a request accepted into one: no task, no system principal
            # (a worker task naming a kept wrapped key gets nothing either).
            raise UnwrapRefused(
                f"keyd refused: {principal} may not have a key of an erased case.",
                reason="not_allowed",
                principal=principal,
                case_id=case_id or "",
            )
        if principal == WORKER:
            check_worker_task(
                principal, task, owner.kind if owner is not None else None, case_id or ""
            )
        elif owner is not None and owner.kind not in SYSTEM_KINDS:
            raise UnwrapRefused(
                f"keyd refused: {principal} may not have a {owner.kind} key.",
                reason="not_allowed",
                principal=principal,
                case_id=case_id or "",
            )

    def _of_erased_case(self, owner: KeyOwner) -> bool:
        """Whether the key belongs to a case keyd records as erased, or to a request (or a
        request's file) accepted into one."""
        if owner.kind == "case":
            return self.ledger.is_erased(owner.object_id)
        if owner.kind in {"request", "file"}:
            screening = self.ledger.screening(owner.object_id)
            return (
                screening is not None
                and screening.case_id is not None
                and self.ledger.is_erased(screening.case_id)
            )
        return False

    def check_unwrap(
        self, *, staff_id: int, ticket: str | None, case_id: str | None, key_id: uuid.UUID
    ) -> str | None:
        """The ledger rule that grants this unwrap; None when the ledger does not know the
        key's owner (another kind decides); TicketRefused / UnwrapRefused otherwise."""
        principal = f"staff:{staff_id}"
        if (
            not ticket
            or self.ledger.ticket_staff(ticket_digest(ticket), self._clock()) != staff_id
            or self.ledger.is_inactive(staff_id)
        ):
            raise TicketRefused(
                TICKET_REFUSED, reason="ticket", principal=principal, case_id=case_id or ""
            )
        owner = self.ledger.owner(key_id)
        if owner is None:
            return None
        refused = UnwrapRefused(
            f"keyd refused: {principal} may not have this key.",
            reason="not_allowed",
            principal=principal,
            case_id=case_id or "",
        )
        if owner.kind in {"request", "file"}:
            # Bound to its own object by the ledger; who may read a request while it is
            # screened is the ledger's too (a request keyd has no phase for, made before
            # the ledger kept them, is still the registered policy's).
            if case_id != owner.object_id:
                raise refused
            return self._screening_rule(owner, staff_id, refused)
        if owner.kind == "watch":
            # A watchlist entry's key: coordinators by keyd's ledger, for that entry only.
            if case_id == owner.object_id and COORDINATOR in self.ledger.roles(staff_id):
                return "ledger.watchlist"
            raise refused
        if owner.kind == "shelter":
            # A shelter's address and host: coordinators by keyd's ledger, for that shelter.
            if case_id == owner.object_id and COORDINATOR in self.ledger.roles(staff_id):
                return "ledger.shelter"
            raise refused
        if owner.kind == "draft":
            if case_id is None and owner.staff_id == staff_id:
                return "ledger.own_draft"
            raise refused
        if owner.kind == "channel":
            # A notification channel's address: its owner only (the worker sends).
            if case_id is None and owner.staff_id == staff_id:
                return "ledger.own_channel"
            raise refused
        roles = self.ledger.roles(staff_id)
        if (
            case_id != owner.object_id
            or not roles & CASE_ROLES
            or self.ledger.is_erased(owner.object_id)
        ):
            raise refused
        if self.ledger.is_assigned(owner.object_id, staff_id):
            return "ledger.assigned"
        since = self._clock() - REVEAL_LIFETIME
        if COORDINATOR in roles and self.ledger.revealed_since(owner.object_id, staff_id, since):
            return "ledger.revealed"
        raise refused

    # ------------------------------------------------------------ factors and tickets
    def _factor_begin(
        self, message: dict[str, Any], *, operator: bool, enforce: bool
    ) -> dict[str, Any]:
        """A new TOTP secret keyd made; it counts once the person confirms a code from it.

        Until then the same secret is given again (a page reloaded, a wrong code: the QR
        code the person scanned stays valid); `restart` (enrolment cancelled) makes a new
        one. A person who already has a confirmed factor replaces it only with their own
        live ticket (or through the operator). The demo's seed may name the secret
        (operator).
        """
        staff_id = _staff(message)
        existing = self.ledger.factor(staff_id)
        if not operator and enforce:
            # The person's own ticket, or (a first factor) the enrolment code keyd made.
            self._authorise_enrolment(message, staff_id, spend=False)
        if (
            existing is not None
            and not existing.confirmed
            and "secret" not in message
            and not message.get("restart")
        ):
            with contextlib.suppress(TicketRefused):  # sealed under a retired KEK: a new one
                return {"secret": wire.encode_bytes(self._open_secret(existing))}
        secret = os.urandom(SECRET_BYTES)
        if operator and "secret" in message:
            secret = wire.read_bytes(message, "secret", limit=64)
        version = self._current_version()
        sealed = aead.wrap_key(
            self._factor_key(version), secret, key_id=_factor_id(staff_id), purpose=_FACTOR_PURPOSE
        )
        self.ledger.put_factor(
            Factor(
                staff_id=staff_id,
                kek_version=version,
                sealed=sealed,
                confirmed=operator and "secret" in message,
                last_step=-1,
                failures=0,
                failed_at=0.0,
            )
        )
        return {"secret": wire.encode_bytes(secret)}

    # ------------------------------------------------------------ first enrolment
    def _has_confirmed_factor(self, staff_id: int) -> bool:
        factor = self.ledger.factor(staff_id)
        return (factor is not None and factor.confirmed) or self.ledger.has_passkey(staff_id)

    def _authorise_enrolment(self, message: dict[str, Any], staff_id: int, *, spend: bool) -> bool:
        """May this request set up a factor for `staff_id`? Their own live ticket (a factor
        added or replaced while logged in): False. Someone with no factor yet: only with the
        enrolment code keyd made when their account was created or their factors reset
        (spent once, if `spend`): True. A staff row the web wrote, alone, is refused."""
        principal = f"staff:{staff_id}"
        if not self.ledger.is_member(staff_id):
            # A staff row written into the data database is nobody to keyd.
            raise TicketRefused(
                "keyd does not know this account.", reason="not_enrolled", principal=principal
            )
        raw = message.get("ticket")
        if (
            isinstance(raw, str)
            and 0 < len(raw) <= 100
            and self.ledger.ticket_staff(ticket_digest(raw), self._clock()) == staff_id
            and not self.ledger.is_inactive(staff_id)
        ):
            return False
        if self._has_confirmed_factor(staff_id):
            raise TicketRefused(TICKET_REFUSED, reason="ticket", principal=principal)
        digest = _enrolment_digest(staff_id, message.get("enrolment_token"))
        now = self._clock()
        valid = (
            self.ledger.use_enrolment_token(digest, staff_id, now)
            if spend
            else self.ledger.enrolment_token_valid(digest, staff_id, now)
        )
        if not valid:
            raise TicketRefused(ENROLMENT_REFUSED, reason="enrolment", principal=principal)
        return True

    def _spend_enrolment_token(self, message: dict[str, Any], staff_id: int) -> None:
        digest = _enrolment_digest(staff_id, message.get("enrolment_token"))
        if not self.ledger.use_enrolment_token(digest, staff_id, self._clock()):
            raise TicketRefused(
                ENROLMENT_REFUSED, reason="enrolment", principal=f"staff:{staff_id}"
            )

    def _new_enrolment_token(self, staff_id: int) -> str:
        """A new enrolment code for this person (the old one stops working); keyd keeps
        only its SHA-256. Shown once."""
        raw = "".join(_BASE32[byte % 32] for byte in os.urandom(ENROLMENT_TOKEN_CHARS))
        token = "-".join(raw[index : index + 4] for index in range(0, ENROLMENT_TOKEN_CHARS, 4))
        self.ledger.put_enrolment_token(
            _enrolment_digest(staff_id, token), staff_id, self._clock() + ENROLMENT_TOKEN_LIFETIME
        )
        return token

    # ------------------------------------------------------------ passkeys
    def _passkey_add(
        self, message: dict[str, Any], *, operator: bool, enforce: bool
    ) -> dict[str, Any]:
        """keyd keeps a new credential's public key (the web checked the registration).

        With the person's own ticket (a passkey added while logged in), or as a first
        factor with their enrolment code, spent here; then keyd answers with a ticket, as
        a first TOTP code does. The public key is sealed under a key derived from the KEK
        and bound to the person and the credential."""
        staff_id = _staff(message)
        credential_id = _credential(message)
        public_key = wire.read_bytes(message, "public_key", limit=2048)
        sign_count = wire.read_int(message, "sign_count", low=0, high=2**32 - 1)
        rp_id = wire.read_text(message, "rp_id", limit=253)
        origin = wire.read_text(message, "origin", limit=300)
        self._check_active(staff_id)
        first = False
        if not operator and enforce:
            first = self._authorise_enrolment(message, staff_id, spend=True)
        version = self._current_version()
        sealed = aead.wrap_key(
            self._factor_key(version),
            public_key,
            key_id=_factor_id(staff_id),
            purpose=f"{_PASSKEY_PURPOSE}:{credential_id}",
        )
        self.ledger.put_passkey(
            Passkey(credential_id, staff_id, version, sealed, sign_count, rp_id, origin)
        )
        return {"ticket": self._issue(staff_id)} if first else {}

    def _passkey_login(self, message: dict[str, Any]) -> dict[str, Any]:
        """A passkey assertion the web relays: checked against the public key keyd keeps and
        a challenge keyd issued (spent here: a replay is refused). `staff_id` given (the
        second step after a password): the credential must be theirs; not given (a passkey
        on its own): user verification is required. Answers the ticket and whose it is."""
        named = _staff(message) if message.get("staff_id") is not None else None
        assertion = passkeys.read_assertion(message.get("assertion"))
        stored = self.ledger.passkey(assertion.credential_id)
        principal = f"staff:{named or (stored.staff_id if stored else '')}"
        refused = TicketRefused(
            "keyd did not accept this passkey.", reason="passkey", principal=principal
        )
        now = self._clock()
        spent = self.ledger.use_challenge(_challenge_digest(assertion.challenge), now)
        if stored is None or not spent or (named is not None and stored.staff_id != named):
            raise refused
        self._check_active(stored.staff_id)
        try:
            public_key = aead.unwrap_key(
                self._factor_key(stored.kek_version),
                stored.sealed,
                key_id=_factor_id(stored.staff_id),
                purpose=f"{_PASSKEY_PURPOSE}:{stored.credential_id}",
            )
        except DecryptionFailed:
            raise refused from None
        count = passkeys.verify(
            assertion,
            public_key=public_key,
            sign_count=stored.sign_count,
            rp_id=stored.rp_id,
            origin=stored.origin,
            user_verification=named is None,
        )
        if count is None:
            raise refused
        self.ledger.count_passkey_use(stored.credential_id, count)
        return {"ticket": self._issue(stored.staff_id), "staff_id": stored.staff_id}

    def _check_code(self, staff_id: int, code: str, *, confirming: bool) -> None:
        factor = self.ledger.factor(staff_id)
        principal = f"staff:{staff_id}"
        wrong = TicketRefused("keyd did not accept this code.", reason="code", principal=principal)
        if factor is None or factor.confirmed == confirming:
            raise TicketRefused(
                "keyd holds no second factor for this person: enrol it again.",
                reason="not_enrolled",
                principal=principal,
            )
        now = self._clock()
        if factor.failures >= FREE_FAILURES:
            wait = 2 ** min(factor.failures - FREE_FAILURES + 1, 12)
            if now < factor.failed_at + wait:
                raise TicketRefused(
                    "Too many wrong codes: wait a little and try again.",
                    reason="code_delayed",
                    principal=principal,
                )
        secret = self._open_secret(factor)
        step = self._matching_step(secret, code, now)
        if step is None or step <= factor.last_step:
            # A wrong code, or a code already used (replayed) or older than the last one.
            self.ledger.put_factor(_with(factor, failures=factor.failures + 1, failed_at=now))
            raise wrong
        version = self._current_version()
        sealed = factor.sealed
        if factor.kek_version != version:
            # After a KEK rotation the secret moves to the new KEK at its next use.
            sealed = aead.wrap_key(
                self._factor_key(version),
                secret,
                key_id=_factor_id(staff_id),
                purpose=_FACTOR_PURPOSE,
            )
        self.ledger.put_factor(
            Factor(
                staff_id=staff_id,
                kek_version=version,
                sealed=sealed,
                confirmed=True,
                last_step=step,
                failures=0,
                failed_at=0.0,
            )
        )

    def _matching_step(self, secret: bytes, code: str, now: float) -> int | None:
        digits = "".join(ch for ch in code if ch.isdigit())
        if len(digits) != TOTP_DIGITS:
            return None
        # SHA-1 is what RFC 6238 and every authenticator app use; HMAC-SHA1 is not broken.
        totp = TOTP(secret, TOTP_DIGITS, SHA1(), TOTP_STEP, enforce_key_length=False)  # noqa: S303
        current = int(now) // TOTP_STEP
        # One step either side, for clocks that drift.
        for step in (current, current - 1, current + 1):
            try:
                totp.verify(digits.encode("ascii"), step * TOTP_STEP)
            except InvalidToken:
                continue
            return step
        return None

    def _open_secret(self, factor: Factor) -> bytes:
        try:
            return aead.unwrap_key(
                self._factor_key(factor.kek_version),
                factor.sealed,
                key_id=_factor_id(factor.staff_id),
                purpose=_FACTOR_PURPOSE,
            )
        except DecryptionFailed:
            raise TicketRefused(
                "keyd cannot open this person's second factor: enrol it again.",
                reason="not_enrolled",
                principal=f"staff:{factor.staff_id}",
            ) from None

    def _factor_key(self, version: int) -> bytes:
        return aead.derive_key(bytes(self._kek(version)), info=_FACTOR_INFO)

    def _issue(self, staff_id: int) -> str:
        ticket = base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")
        now = self._clock()
        self.ledger.put_ticket(ticket_digest(ticket), staff_id, now + TICKET_LIFETIME, now=now)
        return ticket

    def _require_ticket(self, message: dict[str, Any], *, staff_id: int | None = None) -> int:
        """The staff member whose live ticket the request carries (`staff_id` if given)."""
        raw = message.get("ticket")
        holder = (
            self.ledger.ticket_staff(ticket_digest(raw), self._clock())
            if isinstance(raw, str) and 0 < len(raw) <= 100
            else None
        )
        if (
            holder is None
            or (staff_id is not None and holder != staff_id)
            or self.ledger.is_inactive(holder)
        ):
            raise TicketRefused(TICKET_REFUSED, reason="ticket")
        return holder

    def _check_active(self, staff_id: int) -> None:
        """A deactivated or suspended account gets no ticket (the ledger, not the web, says)."""
        if self.ledger.is_inactive(staff_id):
            raise TicketRefused(
                "keyd refused: this account is switched off.",
                reason="inactive",
                principal=f"staff:{staff_id}",
            )


def _staff(message: dict[str, Any]) -> int:
    return wire.read_int(message, "staff_id", low=1)


def _proposal(message: dict[str, Any]) -> str:
    return str(wire.read_uuid(message, "proposal"))


def _change(op: str, staff_id: int, role: str = "", flag: bool = False) -> str:
    """A gated change as keyd compares it: what a proposal names and a carry-out asks."""
    return f"{op}:{staff_id}:{role}:{int(flag)}"


def _widens(current: Screening | None, phase: str, case_id: str | None) -> bool:
    """Whether a move gives a request's key to more people: a first phase, a phase back,
    or a case named that was not."""
    return (
        current is None
        or PHASES.index(phase) < PHASES.index(current.phase)
        or (case_id is not None and case_id != current.case_id)
    )


def _names_erased_case(ledger: Ledger, current: Screening | None, case_id: str | None) -> bool:
    """A move naming an erased case the request was not already tied to."""
    return (
        case_id is not None
        and (current is None or current.case_id != case_id)
        and ledger.is_erased(case_id)
    )


def _keep_erased_case(
    ledger: Ledger, current: Screening | None, phase: str, case_id: str | None
) -> tuple[str, str | None]:
    """A request accepted into a case since erased stays closed and tied to that case."""
    if current is not None and current.case_id is not None and ledger.is_erased(current.case_id):
        return "closed", current.case_id
    return phase, case_id


def _erase_change(case_id: str) -> str:
    """A case's erasure as a gated change: no staff subject (0), the case's id in place of
    a role."""
    return _change(ERASE_CASE, 0, case_id, True)


def _change_subject(change: str) -> int:
    return int(change.split(":")[1])


def _read_change(raw: object) -> str:
    if not isinstance(raw, dict):
        raise InputRejected("A proposal names its change.")
    op = wire.read_code(raw, "op")
    if op not in CHANGE_OPS:
        raise InputRejected("keyd gates no such change.")
    if op == ERASE_CASE:
        return _erase_change(str(wire.read_uuid(raw, "case_id")))
    role = wire.read_code(raw, "role") if raw.get("role") else ""
    return _change(op, _staff(raw), role, bool(raw.get("flag")))


def _roles(raw: object) -> frozenset[str]:
    if not isinstance(raw, list) or len(raw) > 16:
        raise InputRejected("Roles are a list of codes.")
    return frozenset(wire.read_code({"role": role}, "role") for role in raw)


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _new_backup_code() -> str:
    raw = "".join(_BASE32[byte % 32] for byte in os.urandom(BACKUP_CODE_CHARS))
    return "-".join(raw[index : index + 4] for index in range(0, BACKUP_CODE_CHARS, 4))


def _backup_compact(code: str) -> str:
    """A typed backup code as keyd compares it: letters and digits, upper case; "" if it
    cannot be one (wrong length or characters)."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(compact) != BACKUP_CODE_CHARS or any(ch not in _BASE32 for ch in compact):
        return ""
    return compact


def _backup_digest(staff_id: int, code: str) -> str:
    compact = _backup_compact(code)
    return hashlib.sha256(f"{staff_id}:{compact}".encode("ascii")).hexdigest()


def _enrolment_digest(staff_id: int, token: object) -> str:
    """An enrolment code as keyd keeps it ("" matches nothing): bound to the person."""
    compact = _backup_compact(token) if isinstance(token, str) and len(token) <= 40 else ""
    if not compact:
        return ""
    return hashlib.sha256(f"enrol:{staff_id}:{compact}".encode("ascii")).hexdigest()


def _challenge_digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()


def _credential(message: dict[str, Any]) -> str:
    """A credential id as base64url text (how WebAuthn names it)."""
    value = wire.read_text(message, "credential_id", limit=1400)
    if not value or any(not (ch.isalnum() or ch in "-_") for ch in value):
        raise InputRejected("A credential id is base64url text.")
    return value


def _code(message: dict[str, Any]) -> str:
    return wire.read_text(message, "code", limit=16)


def _factor_id(staff_id: int) -> uuid.UUID:
    return uuid.UUID(int=staff_id)


def _with(factor: Factor, *, failures: int, failed_at: float) -> Factor:
    return Factor(
        staff_id=factor.staff_id,
        kek_version=factor.kek_version,
        sealed=factor.sealed,
        confirmed=factor.confirmed,
        last_step=factor.last_step,
        failures=failures,
        failed_at=failed_at,
    )


def decode_secret(encoded: str) -> bytes:
    """A base32 TOTP secret (as demo.json and authenticator apps show it) as bytes."""
    compact = encoded.strip().replace(" ", "").upper()
    try:
        return base64.b32decode(compact + "=" * (-len(compact) % 8))
    except (binascii.Error, ValueError):
        raise InputRejected("A TOTP secret is base32.") from None
