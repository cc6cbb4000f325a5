"""keyd's ledger: what keyd decides on, in keyd's own storage, never in the data database.

A SQLite file in keyd's directory (`ledger.sqlite3`, mode 0600; for the demo's
`file` provider, in the data directory beside kek.demo). The web process cannot
write it: it asks keyd, which changes it only for requests carrying a ticket
keyd issued itself (tickets.py).

    ledger = Ledger(directory / LEDGER_FILE)
    ledger.record_owner(key_id, KeyOwner(kind="case", object_id=str(case.pk)))
    ledger.set_assigned(case_id, staff_id, assigned=True)

What it holds:
- the object each data key belongs to (case, request, draft, file, watch) and, for a
  draft, whose it is; written at wrap time, once: a key's owner never changes;
- the staff keyd knows (an account created through keyd) and their roles;
- current case assignments and break-glass reveals;
- the evacuation nights (surges) open now and who each lists: the people whose hourly
  limit keyd lifts to the surge limit;
- each intake request's screening phase (awaiting screening, in screening, closed),
  who recorded it and the case it was accepted into: who may read it while screened;
- the cases erased (two coordinators agreed, one carried it out with their ticket): no
  key of the case, nor of a request accepted into it, for anyone after;
- whether `corridor factors adopt` has recorded every request's phase: after it, a
  request key with no phase is nobody's;
- the accounts switched off (deactivated or suspended): no ticket, no unwrap;
- the changes recorded in the web's transaction and waiting for it to commit (a surge,
  a request's move): they grant nothing until confirmed, and are forgotten unconfirmed;
- the gated changes proposed with one person's ticket and approved with a second
  coordinator's (role changes, factor resets and reactivations of TWO_PERSON roles);
- the second factors keyd verifies (TOTP secrets, sealed under a key derived from the
  KEK; backup codes, their SHA-256 only) and the tickets it issued (their SHA-256 only).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from corridor.vault.errors import InputRejected

LEDGER_FILE = "ledger.sqlite3"
# What a data key may belong to. A draft's key and a case's key are different kinds,
# so a draft naming a case's key_id gets nothing (the forged-draft attack).
KINDS = frozenset({"case", "request", "draft", "file", "watch", "channel", "shelter"})
# The kinds the worker (a system principal) may have: case work, intake requests and
# their files, watchlist screening. Drafts are a person's own; no task opens one.
SYSTEM_KINDS = KINDS - {"draft"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS key_owner (
    key_id TEXT PRIMARY KEY, kind TEXT NOT NULL, object_id TEXT NOT NULL,
    staff_id INTEGER
);
CREATE TABLE IF NOT EXISTS member (staff_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS staff_role (
    staff_id INTEGER NOT NULL, role TEXT NOT NULL, PRIMARY KEY (staff_id, role)
);
CREATE TABLE IF NOT EXISTS assignment (
    case_id TEXT NOT NULL, staff_id INTEGER NOT NULL, PRIMARY KEY (case_id, staff_id)
);
CREATE TABLE IF NOT EXISTS reveal (
    case_id TEXT NOT NULL, staff_id INTEGER NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS reveal_case_staff ON reveal (case_id, staff_id);
CREATE TABLE IF NOT EXISTS factor (
    staff_id INTEGER PRIMARY KEY, kek_version INTEGER NOT NULL, sealed BLOB NOT NULL,
    confirmed INTEGER NOT NULL, last_step INTEGER NOT NULL, failures INTEGER NOT NULL,
    failed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS inactive (staff_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS proposal (
    id TEXT PRIMARY KEY, change TEXT NOT NULL, proposer INTEGER NOT NULL,
    approver INTEGER, created_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS surge (
    id TEXT PRIMARY KEY, opened_by INTEGER NOT NULL, ends_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS surge_member (
    surge_id TEXT NOT NULL, staff_id INTEGER NOT NULL, PRIMARY KEY (surge_id, staff_id)
);
CREATE TABLE IF NOT EXISTS backup_code (
    staff_id INTEGER NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (staff_id, digest)
);
CREATE TABLE IF NOT EXISTS ticket (
    digest TEXT PRIMARY KEY, staff_id INTEGER NOT NULL, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passkey (
    credential_id TEXT PRIMARY KEY, staff_id INTEGER NOT NULL, kek_version INTEGER NOT NULL,
    sealed BLOB NOT NULL, sign_count INTEGER NOT NULL, rp_id TEXT NOT NULL, origin TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS challenge (digest TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS screening (
    request_id TEXT PRIMARY KEY, phase TEXT NOT NULL, recorded_by INTEGER, case_id TEXT
);
CREATE TABLE IF NOT EXISTS erased_case (case_id TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS adopted (what TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pending_change (
    id TEXT PRIMARY KEY, op TEXT NOT NULL, body TEXT NOT NULL, expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS enrolment_token (
    digest TEXT PRIMARY KEY, staff_id INTEGER NOT NULL, expires_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class KeyOwner:
    """The object a data key belongs to; `staff_id` names the owner of a draft (or, for a
    case, the person whose ticket came with the wrap: who opened it)."""

    kind: str
    object_id: str
    staff_id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputRejected("Unknown key owner kind.")
        if not self.object_id or len(self.object_id) > 64:
            raise InputRejected("A key owner names its object by an id of 1 to 64 characters.")
        if self.kind in ("draft", "channel") and self.staff_id is None:
            raise InputRejected("A draft key names the staff member whose draft it is.")


def owner_fields(owner: KeyOwner) -> dict[str, object]:
    """A key owner as a wrap request carries it."""
    return {"kind": owner.kind, "object_id": owner.object_id, "staff_id": owner.staff_id}


@dataclass(frozen=True)
class Factor:
    """A staff member's TOTP secret as the ledger keeps it (sealed), and its counters."""

    staff_id: int
    kek_version: int
    sealed: bytes
    confirmed: bool
    last_step: int
    failures: int
    failed_at: float


@dataclass(frozen=True)
class Passkey:
    """A WebAuthn credential keyd verifies: its public key (COSE) sealed under a key derived
    from the KEK and bound to the person and the credential, and its sign counter."""

    credential_id: str
    staff_id: int
    kek_version: int
    sealed: bytes
    sign_count: int
    rp_id: str
    origin: str


# An intake request's phases, in the order they take access away: awaiting screening
# (verifiers, coordinators and the hotline operator who recorded it), in screening
# (verifiers and coordinators), closed (decided or erased: only the case team, if any).
PHASES = ("awaiting", "screening", "closed")


@dataclass(frozen=True)
class Screening:
    """Who may read an intake request while it is screened, as keyd's ledger says."""

    phase: str
    recorded_by: int | None = None
    case_id: str | None = None


class Ledger:
    """One SQLite file; each method is one short transaction (threads share a lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._local = threading.local()
        with self._lock:
            self._db().executescript(_SCHEMA)

    # ------------------------------------------------------------ connection
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if not self.path.exists():
                # Created private: the ledger names who works on which case.
                descriptor = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(descriptor)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")
            self._local.db = db
        return db

    class _Write:
        def __init__(self, ledger: Ledger) -> None:
            self.ledger = ledger

        def __enter__(self) -> sqlite3.Connection:
            self.ledger._lock.acquire()
            db = self.ledger._db()
            db.execute("BEGIN IMMEDIATE")
            return db

        def __exit__(self, kind: object, error: object, trace: object) -> None:
            db = self.ledger._db()
            try:
                db.execute("ROLLBACK" if kind is not None else "COMMIT")
            finally:
                self.ledger._lock.release()

    def _write(self) -> Ledger._Write:
        return Ledger._Write(self)

    def _one(self, statement: str, parameters: tuple[object, ...]) -> tuple[object, ...] | None:
        row: tuple[object, ...] | None = self._db().execute(statement, parameters).fetchone()
        return row

    # ------------------------------------------------------------ key owners
    def record_owner(self, key_id: uuid.UUID, owner: KeyOwner) -> None:
        """Record whose key `key_id` is; once only (a second, different claim is refused)."""
        with self._write() as db:
            found = db.execute(
                "SELECT kind, object_id, staff_id FROM key_owner WHERE key_id = ?", (str(key_id),)
            ).fetchone()
            if found is not None:
                same = (str(found[0]), str(found[1])) == (owner.kind, owner.object_id)
                # A case's or request's staff_id is whose ticket came with the wrap; a later
                # claim of the same object without one (`corridor factors adopt` run again,
                # after the ledger kept owners) is the same owner.
                unticketed = owner.staff_id is None and owner.kind in {"case", "request"}
                if not same or (found[2] != owner.staff_id and not unticketed):
                    raise InputRejected("This key already belongs to another object.")
                return
            db.execute(
                "INSERT INTO key_owner (key_id, kind, object_id, staff_id) VALUES (?, ?, ?, ?)",
                (str(key_id), owner.kind, owner.object_id, owner.staff_id),
            )

    def opened_by(self, case_id: str, staff_id: int) -> bool:
        """Whether `staff_id`'s ticket came with the wrap of a key of this case."""
        return (
            self._one(
                "SELECT 1 FROM key_owner WHERE kind = 'case' AND object_id = ? AND staff_id = ?",
                (case_id, staff_id),
            )
            is not None
        )

    def owner(self, key_id: uuid.UUID) -> KeyOwner | None:
        row = self._one(
            "SELECT kind, object_id, staff_id FROM key_owner WHERE key_id = ?", (str(key_id),)
        )
        if row is None:
            return None
        staff = row[2]
        return KeyOwner(str(row[0]), str(row[1]), staff if isinstance(staff, int) else None)

    # ------------------------------------------------------------ staff and roles
    def admit(self, staff_id: int, roles: frozenset[str]) -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO member (staff_id) VALUES (?)", (staff_id,))
            for role in sorted(roles):
                db.execute(
                    "INSERT OR IGNORE INTO staff_role (staff_id, role) VALUES (?, ?)",
                    (staff_id, role),
                )

    def has_members(self) -> bool:
        return self._one("SELECT 1 FROM member LIMIT 1", ()) is not None

    def member_count(self) -> int:
        row = self._one("SELECT count(*) FROM member", ())
        return int(str(row[0])) if row else 0

    def has_factors(self) -> bool:
        """Anyone has begun to enrol a factor (so someone has passed a password step)."""
        return self._one("SELECT 1 FROM factor LIMIT 1", ()) is not None

    def is_member(self, staff_id: int) -> bool:
        return self._one("SELECT 1 FROM member WHERE staff_id = ?", (staff_id,)) is not None

    def set_role(self, staff_id: int, role: str, *, granted: bool) -> None:
        with self._write() as db:
            if granted:
                db.execute(
                    "INSERT OR IGNORE INTO staff_role (staff_id, role) VALUES (?, ?)",
                    (staff_id, role),
                )
            else:
                db.execute(
                    "DELETE FROM staff_role WHERE staff_id = ? AND role = ?", (staff_id, role)
                )

    def roles(self, staff_id: int) -> frozenset[str]:
        rows = self._db().execute("SELECT role FROM staff_role WHERE staff_id = ?", (staff_id,))
        return frozenset(str(row[0]) for row in rows)

    def set_inactive(self, staff_id: int, *, inactive: bool) -> None:
        with self._write() as db:
            if inactive:
                db.execute("INSERT OR IGNORE INTO inactive (staff_id) VALUES (?)", (staff_id,))
                db.execute("DELETE FROM ticket WHERE staff_id = ?", (staff_id,))
            else:
                db.execute("DELETE FROM inactive WHERE staff_id = ?", (staff_id,))

    def is_inactive(self, staff_id: int) -> bool:
        return self._one("SELECT 1 FROM inactive WHERE staff_id = ?", (staff_id,)) is not None

    # ------------------------------------------------------------ two-person changes
    def propose(self, proposal: str, change: str, proposer: int, at: float) -> None:
        """A gated change one person asked for; a proposal id is used once."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM proposal WHERE id = ?", (proposal,)).fetchone():
                raise InputRejected("keyd already holds this proposal.")
            db.execute(
                "INSERT INTO proposal (id, change, proposer, created_at) VALUES (?, ?, ?, ?)",
                (proposal, change, proposer, at),
            )

    def proposal(self, proposal: str) -> tuple[str, int, int | None, float, bool] | None:
        """(change, proposer, approver, created_at, used) of a proposal."""
        row = self._one(
            "SELECT change, proposer, approver, created_at, used FROM proposal WHERE id = ?",
            (proposal,),
        )
        if row is None:
            return None
        approver = row[2]
        return (
            str(row[0]),
            int(str(row[1])),
            approver if isinstance(approver, int) else None,
            float(str(row[3])),
            bool(row[4]),
        )

    def approve(self, proposal: str, approver: int) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE proposal SET approver = ? WHERE id = ? AND approver IS NULL",
                (approver, proposal),
            )

    def use_proposal(self, proposal: str) -> bool:
        """Mark an approved proposal carried out; False if it was already (a replay)."""
        with self._write() as db:
            done = db.execute(
                "UPDATE proposal SET used = 1 WHERE id = ? AND used = 0 AND approver IS NOT NULL",
                (proposal,),
            )
            return done.rowcount == 1

    # ------------------------------------------------------------ assignments and reveals
    def set_assigned(self, case_id: str, staff_id: int, *, assigned: bool) -> None:
        with self._write() as db:
            if assigned:
                db.execute(
                    "INSERT OR IGNORE INTO assignment (case_id, staff_id) VALUES (?, ?)",
                    (case_id, staff_id),
                )
            else:
                db.execute(
                    "DELETE FROM assignment WHERE case_id = ? AND staff_id = ?",
                    (case_id, staff_id),
                )

    def is_assigned(self, case_id: str, staff_id: int) -> bool:
        return (
            self._one(
                "SELECT 1 FROM assignment WHERE case_id = ? AND staff_id = ?", (case_id, staff_id)
            )
            is not None
        )

    def assigned_cases(self, staff_id: int) -> list[str]:
        rows = self._db().execute(
            "SELECT case_id FROM assignment WHERE staff_id = ? ORDER BY case_id", (staff_id,)
        )
        return [str(row[0]) for row in rows]

    def record_reveal(self, case_id: str, staff_id: int, at: float) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO reveal (case_id, staff_id, at) VALUES (?, ?, ?)",
                (case_id, staff_id, at),
            )

    def revealed_since(self, case_id: str, staff_id: int, since: float) -> bool:
        return (
            self._one(
                "SELECT 1 FROM reveal WHERE case_id = ? AND staff_id = ? AND at >= ? LIMIT 1",
                (case_id, staff_id, since),
            )
            is not None
        )

    # ------------------------------------------------------------ surges
    def open_surge(self, surge_id: str, opened_by: int, members: list[int], ends_at: float) -> None:
        """A new evacuation night; a surge id is used once (InputRejected if known)."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM surge WHERE id = ?", (surge_id,)).fetchone():
                raise InputRejected("keyd knows this surge already.")
            db.execute(
                "INSERT INTO surge (id, opened_by, ends_at) VALUES (?, ?, ?)",
                (surge_id, opened_by, ends_at),
            )
            db.executemany(
                "INSERT OR IGNORE INTO surge_member (surge_id, staff_id) VALUES (?, ?)",
                [(surge_id, member) for member in members],
            )

    def close_surge(self, surge_id: str, at: float) -> None:
        with self._write() as db:
            db.execute("UPDATE surge SET ends_at = MIN(ends_at, ?) WHERE id = ?", (at, surge_id))

    def in_surge(self, staff_id: int, now: float) -> bool:
        return (
            self._one(
                "SELECT 1 FROM surge_member m JOIN surge s ON s.id = m.surge_id "
                "WHERE m.staff_id = ? AND s.ends_at > ? LIMIT 1",
                (staff_id, now),
            )
            is not None
        )

    # ------------------------------------------------------------ second factors
    def factor(self, staff_id: int) -> Factor | None:
        row = self._one(
            "SELECT staff_id, kek_version, sealed, confirmed, last_step, failures, failed_at "
            "FROM factor WHERE staff_id = ?",
            (staff_id,),
        )
        if row is None:
            return None
        return Factor(
            staff_id=int(str(row[0])),
            kek_version=int(str(row[1])),
            sealed=bytes(row[2]) if isinstance(row[2], bytes) else b"",
            confirmed=bool(row[3]),
            last_step=int(str(row[4])),
            failures=int(str(row[5])),
            failed_at=float(str(row[6])),
        )

    def put_factor(self, factor: Factor) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO factor (staff_id, kek_version, sealed, confirmed, "
                "last_step, failures, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    factor.staff_id,
                    factor.kek_version,
                    factor.sealed,
                    int(factor.confirmed),
                    factor.last_step,
                    factor.failures,
                    factor.failed_at,
                ),
            )

    def delete_factor(self, staff_id: int) -> None:
        with self._write() as db:
            db.execute("DELETE FROM factor WHERE staff_id = ?", (staff_id,))
            db.execute("DELETE FROM passkey WHERE staff_id = ?", (staff_id,))
            db.execute("DELETE FROM backup_code WHERE staff_id = ?", (staff_id,))
            db.execute("DELETE FROM ticket WHERE staff_id = ?", (staff_id,))

    def replace_backup_codes(self, staff_id: int, digests: list[str]) -> None:
        with self._write() as db:
            db.execute("DELETE FROM backup_code WHERE staff_id = ?", (staff_id,))
            db.executemany(
                "INSERT INTO backup_code (staff_id, digest) VALUES (?, ?)",
                [(staff_id, digest) for digest in digests],
            )

    def use_backup_code(self, staff_id: int, digest: str) -> bool:
        """Spend one code: True once, False if unknown or already spent."""
        with self._write() as db:
            spent = db.execute(
                "DELETE FROM backup_code WHERE staff_id = ? AND digest = ?", (staff_id, digest)
            )
            return bool(spent.rowcount)

    def backup_codes_left(self, staff_id: int) -> int:
        row = self._one("SELECT COUNT(*) FROM backup_code WHERE staff_id = ?", (staff_id,))
        return int(row[0]) if row is not None and isinstance(row[0], int) else 0

    def enrolled_staff(self) -> list[int]:
        rows = self._db().execute("SELECT staff_id FROM factor WHERE confirmed = 1")
        return sorted(int(row[0]) for row in rows)

    # ------------------------------------------------------------ tickets
    def put_ticket(self, digest: str, staff_id: int, expires_at: float, *, now: float) -> None:
        with self._write() as db:
            db.execute("DELETE FROM ticket WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO ticket (digest, staff_id, expires_at) VALUES (?, ?, ?)",
                (digest, staff_id, expires_at),
            )

    def ticket_staff(self, digest: str, now: float) -> int | None:
        row = self._one(
            "SELECT staff_id FROM ticket WHERE digest = ? AND expires_at > ?", (digest, now)
        )
        return int(str(row[0])) if row is not None else None

    def drop_tickets_of(self, staff_id: int) -> None:
        with self._write() as db:
            db.execute("DELETE FROM ticket WHERE staff_id = ?", (staff_id,))

    def drop_ticket(self, digest: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM ticket WHERE digest = ?", (digest,))

    # ------------------------------------------------------------ passkeys
    def put_passkey(self, passkey: Passkey) -> None:
        with self._write() as db:
            found = db.execute(
                "SELECT staff_id FROM passkey WHERE credential_id = ?", (passkey.credential_id,)
            ).fetchone()
            if found is not None and int(found[0]) != passkey.staff_id:
                raise InputRejected("This credential belongs to someone else.")
            db.execute(
                "INSERT OR REPLACE INTO passkey (credential_id, staff_id, kek_version, sealed, "
                "sign_count, rp_id, origin) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    passkey.credential_id,
                    passkey.staff_id,
                    passkey.kek_version,
                    passkey.sealed,
                    passkey.sign_count,
                    passkey.rp_id,
                    passkey.origin,
                ),
            )

    def passkey(self, credential_id: str) -> Passkey | None:
        row = self._one(
            "SELECT credential_id, staff_id, kek_version, sealed, sign_count, rp_id, origin "
            "FROM passkey WHERE credential_id = ?",
            (credential_id,),
        )
        if row is None:
            return None
        return Passkey(
            credential_id=str(row[0]),
            staff_id=int(str(row[1])),
            kek_version=int(str(row[2])),
            sealed=bytes(row[3]) if isinstance(row[3], bytes) else b"",
            sign_count=int(str(row[4])),
            rp_id=str(row[5]),
            origin=str(row[6]),
        )

    def count_passkey_use(self, credential_id: str, sign_count: int) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE passkey SET sign_count = ? WHERE credential_id = ?",
                (sign_count, credential_id),
            )

    def drop_passkey(self, credential_id: str, staff_id: int) -> None:
        with self._write() as db:
            db.execute(
                "DELETE FROM passkey WHERE credential_id = ? AND staff_id = ?",
                (credential_id, staff_id),
            )

    def has_passkey(self, staff_id: int) -> bool:
        return self._one("SELECT 1 FROM passkey WHERE staff_id = ?", (staff_id,)) is not None

    def put_challenge(self, digest: str, expires_at: float, *, now: float) -> None:
        with self._write() as db:
            db.execute("DELETE FROM challenge WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO challenge (digest, expires_at) VALUES (?, ?)", (digest, expires_at)
            )

    def use_challenge(self, digest: str, now: float) -> bool:
        """Spend a challenge keyd issued: True once, while it lives; False after (a replay)."""
        with self._write() as db:
            spent = db.execute(
                "DELETE FROM challenge WHERE digest = ? AND expires_at > ?", (digest, now)
            )
            return bool(spent.rowcount)

    # ------------------------------------------------------------ enrolment tokens
    def put_enrolment_token(self, digest: str, staff_id: int, expires_at: float) -> None:
        """The one live enrolment token of this person (a new one replaces the old)."""
        with self._write() as db:
            db.execute("DELETE FROM enrolment_token WHERE staff_id = ?", (staff_id,))
            db.execute(
                "INSERT INTO enrolment_token (digest, staff_id, expires_at) VALUES (?, ?, ?)",
                (digest, staff_id, expires_at),
            )

    def enrolment_token_valid(self, digest: str, staff_id: int, now: float) -> bool:
        return (
            self._one(
                "SELECT 1 FROM enrolment_token WHERE digest = ? AND staff_id = ? "
                "AND expires_at > ?",
                (digest, staff_id, now),
            )
            is not None
        )

    def use_enrolment_token(self, digest: str, staff_id: int, now: float) -> bool:
        with self._write() as db:
            spent = db.execute(
                "DELETE FROM enrolment_token WHERE digest = ? AND staff_id = ? AND expires_at > ?",
                (digest, staff_id, now),
            )
            return bool(spent.rowcount)

    # ------------------------------------------------------------ intake screening
    def screening(self, request_id: str) -> Screening | None:
        row = self._one(
            "SELECT phase, recorded_by, case_id FROM screening WHERE request_id = ?",
            (request_id,),
        )
        if row is None:
            return None
        recorded_by, case_id = row[1], row[2]
        return Screening(
            phase=str(row[0]),
            recorded_by=recorded_by if isinstance(recorded_by, int) else None,
            case_id=case_id if isinstance(case_id, str) and case_id else None,
        )

    def set_screening(self, request_id: str, screening: Screening) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO screening (request_id, phase, recorded_by, case_id) "
                "VALUES (?, ?, ?, ?)",
                (request_id, screening.phase, screening.recorded_by, screening.case_id),
            )

    # ------------------------------------------------------------ changes awaiting a commit
    def put_pending(
        self, pending: str, op: str, body: str, expires_at: float, *, now: float
    ) -> None:
        with self._write() as db:
            db.execute("DELETE FROM pending_change WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO pending_change (id, op, body, expires_at) VALUES (?, ?, ?, ?)",
                (pending, op, body, expires_at),
            )

    def take_pending(self, pending: str, now: float) -> tuple[str, str] | None:
        """(op, body) of a live pending change, removed: confirmed once only."""
        with self._write() as db:
            row = db.execute(
                "SELECT op, body FROM pending_change WHERE id = ? AND expires_at > ?",
                (pending, now),
            ).fetchone()
            db.execute("DELETE FROM pending_change WHERE id = ?", (pending,))
        return (str(row[0]), str(row[1])) if row is not None else None

    def pending_count(self) -> int:
        row = self._one("SELECT count(*) FROM pending_change", ())
        return int(str(row[0])) if row else 0

    # ------------------------------------------------------------ erased cases, adoption
    def erase_case(self, case_id: str, at: float) -> None:
        """The case is gone: its assignments and reveals too; requests accepted into it keep
        naming it, so their keys stay refused (tickets.Gatekeeper)."""
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO erased_case (case_id, at) VALUES (?, ?)", (case_id, at)
            )
            db.execute("DELETE FROM assignment WHERE case_id = ?", (case_id,))
            db.execute("DELETE FROM reveal WHERE case_id = ?", (case_id,))
            db.execute("UPDATE screening SET phase = 'closed' WHERE case_id = ?", (case_id,))

    def is_erased(self, case_id: str) -> bool:
        return self._one("SELECT 1 FROM erased_case WHERE case_id = ?", (case_id,)) is not None

    def mark_adopted(self, what: str, at: float) -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO adopted (what, at) VALUES (?, ?)", (what, at))

    def adopted(self, what: str) -> bool:
        return self._one("SELECT 1 FROM adopted WHERE what = ?", (what,)) is not None
