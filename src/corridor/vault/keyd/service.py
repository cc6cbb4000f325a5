"""keyd's operations apart from its sockets: the KEKs it holds, unseal and seal, who may
unwrap, the limits, and a log line for every request.

The server hands each decoded message here with the peer's credentials:

    service = KeydService(directory=..., journal=KeydJournal(path), database="keyd_readonly")
    answer = service.handle({"op": "unwrap", ...}, peer=Peer(pid, uid, gid), admin=False)

Data operations: ping, wrap, unwrap, index, open_intake, pepper, kek_check, rewrap (a
rotation's batches: wrapped in, wrapped out), sign_head, last_head and head_key (audit
tree heads, signed with keyd's own key: headkey.py). Which caller may use which, and
for which principals and key purposes, callers.py decides from the peer's uid.
Admin operations (the operator): ping, status, unseal, unseal_reset, seal, new_kek,
kek_check, rewrap, forget_keks. What could lock the organisation out of its data
(a new KEK whose shares only the caller saw, forgetting an old KEK) is admin only.
The caller sends the wrapped key it wants used (read from its key store); keyd needs
no key store, and a wrapped key only opens under the id and purpose it was wrapped for.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor.vault import aead, blind_index, intake_box
from corridor.vault.errors import (
    VAULT_FAILURES,
    DecryptionFailed,
    InputRejected,
    IntakeBoxMismatch,
    InvalidShare,
    KekMismatch,
    KeydNotInitialised,
    UnsupportedVersion,
    UnwrapRefused,
    VaultSealed,
)
from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.callers import (
    ALL_CALLERS,
    Caller,
    check_operation,
    check_principal,
    check_wrap,
)
from corridor.vault.keyd.hardening import Hardening
from corridor.vault.keyd.headkey import (
    HeadSigner,
    create_head_key,
    read_last_head,
    rewrap_head_key,
)
from corridor.vault.keyd.journal import KeydJournal, lines_after
from corridor.vault.keyd.ledger import LEDGER_FILE, Ledger
from corridor.vault.keyd.limits import KeydLimits, SlidingWindow
from corridor.vault.keyd.policy import UnwrapRequest, granting_policy, staff_id_of
from corridor.vault.keyd.shares import (
    ShareGathering,
    ShareSet,
    check_split,
    read_record,
    split_kek,
    wipe,
    write_record,
)
from corridor.vault.keyd.tickets import LEDGER_OPS, Gatekeeper
from corridor.vault.models import Purpose

logger = logging.getLogger(__name__)

SEALED = "keyd is sealed: the trustees must enter their shares with `corridor unseal`."
MAX_KEY = 64
MAX_VALUE = 64 * 1024
MAX_SHARE = 1000
# The sliding-window key counting every staff unwrap together, and how often its alert repeats.
ALL_STAFF = ("unwrap", "all_staff")
CEILING_ALERT_EVERY = 15 * 60
# Log lines handed to the worker per request (each a few hundred bytes).
MAX_LOG_LINES = 500
# A consistency proof has at most about 2 log2(size) hashes.
MAX_PROOF = 128
# Errors as the wire names them, most specific first; the client maps them back.
ERROR_CODES: tuple[tuple[type[Exception], str], ...] = (
    (VaultSealed, "sealed"),
    (UnwrapRefused, "refused"),
    (InvalidShare, "invalid_share"),
    (IntakeBoxMismatch, "intake_mismatch"),
    (DecryptionFailed, "decryption_failed"),
    (UnsupportedVersion, "unsupported_version"),
    (KekMismatch, "kek_mismatch"),
    (InputRejected, "invalid"),
    (KeydNotInitialised, "not_initialised"),
)


@dataclass(frozen=True)
class Peer:
    """Who is on the other end of a socket, from the kernel (SO_PEERCRED)."""

    pid: int
    uid: int
    gid: int
    # What the uid may act as (keyd's configuration; callers.py). The server always sets it.
    callers: frozenset[Caller] = ALL_CALLERS

    @property
    def label(self) -> str:
        return f"pid:{self.pid}/uid:{self.uid}"


@dataclass
class _Note:
    """What a request's log line says besides the operation and the outcome."""

    principal: str = ""
    case: str = ""
    key: str = ""
    detail: str = ""


Handler = Callable[["KeydService", dict[str, Any], Peer, _Note], dict[str, Any]]


@dataclass
class KeydService:
    directory: Path
    journal: KeydJournal
    database: str
    limits: KeydLimits
    system_principals: frozenset[str] = frozenset({"system:worker"})
    clock: Callable[[], float] = time.monotonic
    hardening: Hardening | None = None

    def __post_init__(self) -> None:
        self._record = read_record(self.directory)
        self._gathering = ShareGathering(self._record.sets, clock=self.clock)
        self._keks: dict[int, bytearray] = {}
        # Derived blind-index keys by (root key id, index name): HKDF on every lookup would
        # dominate screening. Dropped on seal.
        self._index_keys: dict[tuple[uuid.UUID, str], bytes] = {}
        self._lock = threading.RLock()
        self._limit_lock = threading.Lock()
        self._windows = SlidingWindow(clock=self.clock)
        self._heads = HeadSigner(self.directory)
        self._ceiling_alerted: float | None = None
        # keyd's own ledger and the tickets it issued (tickets.py): what staff unwraps need.
        self.gatekeeper = Gatekeeper(
            Ledger(self.directory / LEDGER_FILE),
            kek=self._kek,
            current_version=lambda: self._record.current.version,
        )

    # ------------------------------------------------------------ dispatch
    def handle(self, message: dict[str, Any], *, peer: Peer, admin: bool) -> dict[str, Any]:
        """Answer one request; every request, refused or not, leaves one log line."""
        op = message.get("op")
        handlers = ADMIN_OPS if admin else DATA_OPS
        if not isinstance(op, str) or op not in handlers:
            self.journal.append("unknown", peer=peer.label, outcome="error:invalid")
            return {"ok": False, "error": "invalid", "message": "Unknown keyd operation."}
        handler = handlers[op]
        note = _Note()
        try:
            if not admin:
                check_operation(peer.callers, op)
            answer = handler(self, message, peer, note)
        except VAULT_FAILURES as error:
            code = error_code(error)
            answer = {"ok": False, "error": code, "message": str(error)}
            outcome = f"error:{code}"
            if isinstance(error, UnwrapRefused):
                answer["reason"] = error.reason
                outcome = f"refused:{error.reason}"
            elif isinstance(error, InvalidShare):
                answer.update(reason=error.reason, needed=error.needed)
                outcome = f"invalid_share:{error.reason}"
            self._log(op, peer, note, outcome)
            return answer
        except Exception:
            # A bug, not a refusal: the type and place go to keyd's log, never the text.
            logger.exception("keyd request failed", extra={"event": "keyd.failed"})
            self._log(op, peer, note, "error:failed")
            return {"ok": False, "error": "failed", "message": "keyd could not do this request."}
        self._log(op, peer, note, "ok")
        return {"ok": True, **answer}

    def _log(self, op: str, peer: Peer, note: _Note, outcome: str) -> None:
        self.journal.append(
            op,
            peer=peer.label,
            principal=note.principal,
            case=note.case,
            key=note.key,
            outcome=outcome,
            detail=note.detail,
        )

    # ------------------------------------------------------------ state
    @property
    def sealed(self) -> bool:
        with self._lock:
            return not set(self._record.sets) <= set(self._keks)

    def seal(self) -> None:
        """Forget every KEK, derived key and share. Best effort: see docs/security.md."""
        with self._lock:
            for kek in self._keks.values():
                wipe(kek)
            self._keks.clear()
            self._index_keys.clear()
            self._gathering.forget()

    def housekeeping(self) -> None:
        """Run about once a second: forget idle shares and stale limit windows."""
        with self._lock:
            if self._gathering.forget_if_idle():
                self.journal.append("unseal_reset", outcome="ok", detail="idle")
        self._windows.forget_idle(self._windows.now())

    def _kek(self, version: int) -> bytearray:
        with self._lock:
            if self.sealed:
                raise VaultSealed(SEALED)
            kek = self._keks.get(version)
        if kek is None:
            raise KekMismatch(
                f"keyd holds no KEK version {version}; `corridor keys rotate` asks keyd for a "
                "new KEK and prints its shares."
            )
        return kek

    def _unwrap_row(self, message: dict[str, Any], note: _Note, *, purpose: str) -> bytes:
        key_id = wire.read_uuid(message, "key_id")
        note.key = str(key_id)
        if wire.read_text(message, "purpose", limit=32) != purpose:
            raise InputRejected(f"This operation needs the {purpose} key.")
        version = wire.read_int(message, "kek_version", low=1)
        blob = wire.read_bytes(message, "blob", limit=MAX_KEY + 64)
        with self._lock:
            return aead.unwrap_key(self._kek(version), blob, key_id=key_id, purpose=purpose)

    # ------------------------------------------------------------ data operations
    def op_ping(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        return {"sealed": self.sealed}

    def op_wrap(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        key_id, purpose = _key_of(message, note)
        note.detail = purpose
        check_wrap(peer.callers, purpose)
        version = wire.read_int(message, "kek_version", low=1)
        key = wire.read_bytes(message, "key", limit=MAX_KEY)
        with self._lock:
            blob = aead.wrap_key(self._kek(version), key, key_id=key_id, purpose=purpose)
        if purpose == Purpose.DATA and message.get("owner") is not None:
            note.detail = self.gatekeeper.record_wrap(
                key_id, message.get("owner"), message.get("ticket")
            )
        return {"blob": wire.encode_bytes(blob)}

    def op_unwrap(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        note.principal = principal = wire.read_code(message, "principal")
        check_principal(peer.callers, principal)
        case_id = wire.read_optional_code(message, "case_id")
        note.case = case_id or ""
        key_id = wire.read_uuid(message, "key_id")
        note.key = str(key_id)
        if wire.read_text(message, "purpose", limit=32) != Purpose.DATA:
            # Long-lived keys (index root, intake, signing) never leave keyd.
            raise self._refusal("purpose", principal, case_id)
        if self.sealed:
            raise VaultSealed(SEALED)
        ticket = message.get("ticket")
        task = wire.read_optional_code(message, "task")
        if task is not None:
            # In the line before the check, so a refused task's attempt names it too.
            note.detail = f"task:{task}"
        granted = self._check_allowed(
            principal,
            case_id,
            key_id,
            ticket=ticket if isinstance(ticket, str) else None,
            task=task,
        )
        note.detail = f"{granted}:task:{task}" if task is not None else granted
        self._charge(principal, peer, case_id)
        return {"key": wire.encode_bytes(self._unwrap_row(message, note, purpose=Purpose.DATA))}

    def op_index(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        name = wire.read_text(message, "name", limit=blind_index.MAX_INDEX_NAME)
        note.detail = f"index:{name}" if wire.CODE.fullmatch(name) else "index"
        value = wire.read_bytes(message, "value", limit=MAX_VALUE)
        bits = wire.read_int(message, "bits", low=1, high=blind_index.MAX_INDEX_BITS)
        root_id = wire.read_uuid(message, "key_id")
        self._charge_process(peer, kind="index", limit=self.limits.index)
        with self._lock:
            key = self._index_keys.get((root_id, name))
        if key is None:
            root = self._unwrap_row(message, note, purpose=Purpose.BLIND_INDEX_ROOT)
            key = blind_index.index_key(root, name)
            with self._lock:
                if not self.sealed:
                    self._index_keys[(root_id, name)] = key
        note.key = str(root_id)
        return {"index": blind_index.blind_index(key, value, bits=bits)}

    def op_open_intake(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        request_id = wire.read_code(message, "request_id")
        note.case = request_id
        sealed = wire.read_bytes(message, "sealed")
        self._charge_process(peer, kind="unwrap", limit=self.limits.process)
        private = self._unwrap_row(message, note, purpose=Purpose.INTAKE)
        payload = intake_box.open_box(private, sealed, request_id=request_id)
        return {"payload": wire.encode_bytes(payload)}

    def op_sign_head(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        """Sign an audit tree head with keyd's own key, only if it extends the last one.

        keyd builds the signed bytes itself from the size, root and time (headkey.py):
        no caller can have it sign anything else.
        """
        size = wire.read_int(message, "tree_size", low=0, high=2**63)
        root = wire.read_bytes(message, "root_hash", limit=32)
        timestamp = wire.read_int(message, "timestamp", low=0, high=2**63)
        nodes = message.get("proof")
        if not isinstance(nodes, list) or len(nodes) > MAX_PROOF:
            raise InputRejected(f"A consistency proof is a list of at most {MAX_PROOF} hashes.")
        proof = [wire.read_bytes({"node": node}, "node", limit=32) for node in nodes]
        note.detail = f"head:{size}:sha256:{hashlib.sha256(root).hexdigest()}"
        if self.sealed:
            raise VaultSealed(SEALED)
        key_id, signature = self._heads.sign(
            self._kek, tree_size=size, root_hash=root, timestamp=timestamp, proof=proof
        )
        note.key = key_id
        return {"key_id": key_id, "signature": wire.encode_bytes(signature)}

    def op_sign_manifest(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        """Sign a backup manifest with the head key: bytes under the manifest prefix only,
        which no tree head starts with, so this signs no head (domains.py)."""
        signed = wire.read_bytes(message, "message", limit=MAX_VALUE)
        note.detail = "manifest:sha256:" + hashlib.sha256(signed).hexdigest()
        if self.sealed:
            raise VaultSealed(SEALED)
        key_id, signature = self._heads.sign_manifest(self._kek, signed)
        note.key = key_id
        return {"key_id": key_id, "signature": wire.encode_bytes(signature)}

    def op_last_head(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        last = read_last_head(self.directory)
        return {"tree_size": last.tree_size if last is not None else 0}

    def op_log_since(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        """keyd's log lines after `after`, for the worker to copy into the audit log."""
        after = wire.read_int(message, "after", low=0)
        limit = wire.read_int(message, "limit", low=1, high=MAX_LOG_LINES)
        note.detail = f"after:{after}"
        return {"lines": lines_after(self.journal.path, after, limit=limit)}

    def op_head_key(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        return {"public": wire.encode_bytes(self._heads.public_key())}

    def op_pepper(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        return {
            "pepper": wire.encode_bytes(self._unwrap_row(message, note, purpose=Purpose.PEPPER))
        }

    def op_kek_check(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        version = wire.read_int(message, "version", low=1)
        note.detail = f"version:{version}"
        with self._lock:
            check = aead.kek_check_value(self._kek(version))
        return {"check": wire.encode_bytes(check)}

    # ------------------------------------------------------------ who may unwrap
    def _refusal(
        self, reason: str, principal: str, case_id: str | None, detail: str = ""
    ) -> UnwrapRefused:
        messages = {
            "purpose": "keyd hands out data keys only.",
            "principal": f"keyd does not unwrap for {principal}.",
            "not_allowed": f"keyd refused: {principal} may not have the key of this case.",
            "policy_unavailable": "keyd could not check who may have this key; it refused.",
            "rate_limited": f"keyd refused: {principal} is over the {detail} limit per hour.",
        }
        return UnwrapRefused(
            messages[reason], reason=reason, principal=principal, case_id=case_id or ""
        )

    def _check_allowed(
        self,
        principal: str,
        case_id: str | None,
        key_id: uuid.UUID,
        *,
        ticket: str | None,
        task: str | None = None,
    ) -> str:
        """The name of what allows this unwrap, or UnwrapRefused."""
        if principal in self.system_principals:
            # The worker's policy by task and key kind (worker_tasks.py, tickets.py).
            self.gatekeeper.check_system_unwrap(
                principal=principal, case_id=case_id, key_id=key_id, task=task
            )
            return "system"
        staff_id = staff_id_of(principal)
        if staff_id is None:
            raise self._refusal("principal", principal, case_id)
        # A live ticket keyd issued to this person, then the ledger's own rule for case
        # and draft keys; the registered policies decide only keys of other kinds.
        rule = self.gatekeeper.check_unwrap(
            staff_id=staff_id, ticket=ticket, case_id=case_id, key_id=key_id
        )
        if rule is not None:
            return rule
        request = UnwrapRequest(
            principal=principal, case_id=case_id, key_id=key_id, database=self.database
        )
        try:
            granted = granting_policy(request)
        except Exception:
            # A database error must refuse, never grant; its text may quote values.
            logger.exception("unwrap policy failed", extra={"event": "keyd.policy_failed"})
            self._close_database()
            raise self._refusal("policy_unavailable", principal, case_id) from None
        if granted is None:
            raise self._refusal("not_allowed", principal, case_id)
        return granted

    def _close_database(self) -> None:
        from django.db import connections

        connections[self.database].close()

    def _charge(self, principal: str, peer: Peer, case_id: str | None) -> None:
        """Count one unwrap against the principal and the peer process, or refuse."""
        system = principal in self.system_principals
        with self._limit_lock:
            now = self._windows.now()
            used = self._windows.count(principal, now)
            limit = self.limits.system if system else self.limits.staff
            if used >= limit:
                surge = not system and used < self.limits.surge and self._in_surge(principal)
                if not surge:
                    kind = (
                        "system" if system else ("surge" if used >= self.limits.surge else "staff")
                    )
                    raise self._refusal("rate_limited", principal, case_id, kind)
            process = ("unwrap", peer.pid)
            if self._windows.count(process, now) >= self.limits.process:
                raise self._refusal("rate_limited", principal, case_id, "process")
            user = ("unwrap_uid", peer.uid)
            if self._windows.count(user, now) >= self.limits.peer:
                raise self._refusal("rate_limited", principal, case_id, "peer")
            if not system and self._windows.count(ALL_STAFF, now) >= self.limits.all_staff:
                self._ceiling_alert(now)
                raise self._refusal("rate_limited", principal, case_id, "all_staff")
            self._windows.add(principal, now)
            self._windows.add(process, now)
            self._windows.add(user, now)
            if not system:
                self._windows.add(ALL_STAFF, now)

    def _ceiling_alert(self, now: float) -> None:
        """All staff together reached the hourly ceiling: far more than people read, so
        most likely a compromised web process inventing principals. Alert (the log line
        operators alert on), at most once per CEILING_ALERT_EVERY seconds."""
        if self._ceiling_alerted is not None and now - self._ceiling_alerted < CEILING_ALERT_EVERY:
            return
        self._ceiling_alerted = now
        logger.error(
            "keyd: all staff together reached the hourly unwrap ceiling",
            extra={"event": "keyd.staff_ceiling_reached"},
        )
        self.journal.append("alert", outcome="staff_ceiling_reached")

    def _charge_process(self, peer: Peer, *, kind: str, limit: int) -> None:
        with self._limit_lock:
            now = self._windows.now()
            if self._windows.count((kind, peer.pid), now) >= limit:
                raise UnwrapRefused(
                    f"keyd refused: this process is over its limit of {kind} requests per hour.",
                    reason="rate_limited",
                )
            self._windows.add((kind, peer.pid), now)

    def _in_surge(self, principal: str) -> bool:
        """Listed in an evacuation night keyd's own ledger holds (never the data database's)."""
        staff_id = staff_id_of(principal)
        return staff_id is not None and self.gatekeeper.in_surge(staff_id)

    # ------------------------------------------------------------ admin operations
    def op_status(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        with self._lock:
            self._gathering.forget_if_idle()
            held = sorted(self._keks)
            answer: dict[str, Any] = {
                "sealed": self.sealed,
                "versions": sorted(self._record.sets),
                "held": held,
                "accepted": self._gathering.accepted,
                "needed": self._gathering.needed(held),
            }
        head = self.journal.head
        answer["log"] = {"seq": head.seq, "hash": head.hash}
        if self.hardening is not None:
            answer["hardening"] = {
                "dumpable": self.hardening.dumpable,
                "core_limit": self.hardening.core_limit,
                "memory_locked": self.hardening.memory_locked,
            }
        return answer

    def op_unseal(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        share = wire.read_text(message, "share", limit=MAX_SHARE)
        with self._lock:
            if not self.sealed:
                note.detail = "already_unsealed"
                return {"sealed": False, "needed": 0}
            offer = self._gathering.offer(share, held=set(self._keks))
            self._keks.update(offer.rebuilt)
            sealed = self.sealed
        note.detail = "unsealed" if not sealed else f"need:{offer.needed}"
        if not sealed:
            logger.info("keyd unsealed", extra={"event": "keyd.unsealed"})
        return {"sealed": sealed, "needed": offer.needed}

    def op_unseal_reset(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        with self._lock:
            self._gathering.forget()
            return {"needed": self._gathering.needed(set(self._keks))}

    def op_seal(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        self.seal()
        logger.info("keyd sealed", extra={"event": "keyd.sealed"})
        return {"sealed": True}

    def op_new_kek(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        """A new random KEK version, held at once and split into fresh shares (a rotation).

        `version` defaults to the next after the record's newest.
        """
        with self._lock:
            current = self._record.current
            self._kek(current.version)
            version = (
                wire.read_int(message, "version", low=2)
                if "version" in message
                else max(self._record.sets) + 1
            )
            note.detail = f"version:{version}"
            if version <= max(self._record.sets):
                raise InputRejected(f"KEK version {version} exists already.")
            count = (
                wire.read_int(message, "shares", low=1, high=16)
                if "shares" in message
                else current.count
            )
            threshold = (
                wire.read_int(message, "threshold", low=1, high=16)
                if "threshold" in message
                else current.threshold
            )
            check_split(shares=count, threshold=threshold)
            kek = bytearray(aead.new_key())
            avoid = {item.identifier for item in self._record.sets.values()}
            identifier, mnemonics = split_kek(kek, shares=count, threshold=threshold, avoid=avoid)
            share_set = ShareSet(
                version=version,
                identifier=identifier,
                threshold=threshold,
                count=count,
                check=aead.kek_check_value(kek),
            )
            record = self._record.with_set(share_set)
            # The record names the new KEK before anything is wrapped under it, so a
            # restart asks for its shares too.
            write_record(self.directory, record)
            self._record = record
            self._gathering = ShareGathering(record.sets, clock=self.clock)
            self._keks[version] = kek
            # The head key moves with the KEK; its public key (the pinned one) stays.
            rewrap_head_key(self.directory, self._kek(current.version), kek, version=version)
        return {"version": version, "shares": mnemonics}

    def op_rewrap(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        key_id, purpose = _key_of(message, note)
        to_version = wire.read_int(message, "to_version", low=1)
        note.detail = f"version:{to_version}"
        version = wire.read_int(message, "kek_version", low=1)
        blob = wire.read_bytes(message, "blob", limit=MAX_KEY + 64)
        with self._lock:
            key = aead.unwrap_key(self._kek(version), blob, key_id=key_id, purpose=purpose)
            rewrapped = aead.wrap_key(self._kek(to_version), key, key_id=key_id, purpose=purpose)
        return {"blob": wire.encode_bytes(rewrapped)}

    def op_new_head_key(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        """An installation made before keyd kept its own head key gets one (once): wrapped
        under the current KEK, its public key returned for the trustees to pin."""
        with self._lock:
            version = self._record.current.version
            public = create_head_key(self.directory, self._kek(version), version=version)
        return {"public": wire.encode_bytes(public)}

    def op_forget_keks(self, message: dict[str, Any], peer: Peer, note: _Note) -> dict[str, Any]:
        keep = wire.read_int(message, "keep", low=1)
        note.detail = f"keep:{keep}"
        with self._lock:
            self._kek(keep)
            if set(self._record.sets) != {keep}:
                record = self._record.keeping(keep)
                write_record(self.directory, record)
                self._record = record
                self._gathering = ShareGathering(record.sets, clock=self.clock)
            for version in [version for version in self._keks if version != keep]:
                wipe(self._keks.pop(version))
        return {"versions": [keep]}


def _key_of(message: dict[str, Any], note: _Note) -> tuple[uuid.UUID, str]:
    """The id and purpose of the key a request names (any purpose the key store knows)."""
    key_id = wire.read_uuid(message, "key_id")
    note.key = str(key_id)
    purpose = wire.read_text(message, "purpose", limit=32)
    if purpose not in Purpose.values:
        raise InputRejected("Unknown key purpose.")
    return key_id, purpose


def _ledger_handler(op: str, *, operator: bool) -> Handler:
    def handler(
        service: KeydService, message: dict[str, Any], peer: Peer, note: _Note
    ) -> dict[str, Any]:
        if isinstance(message.get("staff_id"), int):
            note.principal = f"staff:{message['staff_id']}"
        if isinstance(message.get("case_id"), str):
            note.case = wire.read_code(message, "case_id")
        elif isinstance(message.get("request_id"), str):
            # A request moved on (ledger_screening): keyd's log names which, as an unwrap
            # of its key does, and whose live ticket came with it (none: the worker's
            # screening, or a web acting alone), so an early closure can be traced.
            note.case = wire.read_code(message, "request_id")
        if service.sealed:
            # Nobody logs in while keyd is sealed: the factors are sealed under the KEK.
            raise VaultSealed(SEALED)
        if op == "ledger_screening":
            holder = service.gatekeeper.ticket_holder(message.get("ticket"))
            if holder is not None:
                note.principal = f"staff:{holder}"
        # Only the worker's Unix user moves a request on without a person's ticket (its
        # screening, its erasure of due requests): the web's user, alone, cannot.
        worker = operator or Caller.WORKER in peer.callers
        answer = service.gatekeeper.handle(op, message, operator=operator, worker=worker)
        detail = answer.pop("detail", None) if op == "ledger_confirm" else None
        if isinstance(detail, str):
            note.detail = detail
        return answer

    return handler


def error_code(error: Exception) -> str:
    for kind, code in ERROR_CODES:
        if isinstance(error, kind):
            return code
    return "failed"


DATA_OPS: dict[str, Handler] = {
    "ping": KeydService.op_ping,
    "wrap": KeydService.op_wrap,
    "unwrap": KeydService.op_unwrap,
    "index": KeydService.op_index,
    "open_intake": KeydService.op_open_intake,
    "sign_head": KeydService.op_sign_head,
    "sign_manifest": KeydService.op_sign_manifest,
    "last_head": KeydService.op_last_head,
    "head_key": KeydService.op_head_key,
    "log_since": KeydService.op_log_since,
    "pepper": KeydService.op_pepper,
    "kek_check": KeydService.op_kek_check,
    "rewrap": KeydService.op_rewrap,
    **{op: _ledger_handler(op, operator=False) for op in LEDGER_OPS},
}
ADMIN_OPS: dict[str, Handler] = {
    "ping": KeydService.op_ping,
    "status": KeydService.op_status,
    "unseal": KeydService.op_unseal,
    "unseal_reset": KeydService.op_unseal_reset,
    "seal": KeydService.op_seal,
    "new_kek": KeydService.op_new_kek,
    "kek_check": KeydService.op_kek_check,
    "rewrap": KeydService.op_rewrap,
    "forget_keks": KeydService.op_forget_keks,
    "new_head_key": KeydService.op_new_head_key,
    **{op: _ledger_handler(op, operator=True) for op in LEDGER_OPS},
}
