"""`corridor audit verify`: recompute every leaf, check the sequence and every signed head.

Defends against history rewritten in the database by someone who got past
the triggers: an edited row no longer hashes to its stored leaf hash; a row
re-hashed to match no longer fits the root a head signed; a removed, added or
moved row breaks the sequence or the hashes around it. The first failure in
sequence order is reported with a reason:

- `malformed_row`: a row the writer could not have written (wrong types,
  non-canonical detail, a leaf hash that is not hex);
- `hash_mismatch`: the row's content does not hash to its stored leaf hash;
- `reorder`: the row's stored hash is its content at another place in the log;
- `insertion`: a row sits where another was, pushing the rest down (or repeats a seq);
- `deletion`: a row a signed head covers is missing, or the rest were renumbered over it;
- `gap`: a number is missing beyond the newest signed head;
- `bad_signature` / `unknown_key`: a head's signature is wrong / its key is unknown;
- `inconsistent_head`: the log's root at a head's size is not the root it signed.

Reading the rows and signature checks need no KEK: public keys are stored in clear.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from corridor.audit.heads import HeadMalformed, SignatureStatus, SignedHead
from corridor.audit.leaves import build_leaf, parse_detail
from corridor.audit.selectors import get_entry_row, iter_entry_rows, list_stored_head_rows
from corridor.audit.signatures import check_head_signature
from corridor.core.merkle import EMPTY_ROOT, TreeBuilder

_HEX_HASH = re.compile(r"[0-9a-f]{64}")
_EMPTY_DETAIL = "{}"


class FailureReason(StrEnum):
    HASH_MISMATCH = "hash_mismatch"
    GAP = "gap"
    REORDER = "reorder"
    DELETION = "deletion"
    INSERTION = "insertion"
    MALFORMED_ROW = "malformed_row"
    INCONSISTENT_HEAD = "inconsistent_head"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_KEY = "unknown_key"


SignatureCheck = Callable[[SignedHead], SignatureStatus]


@dataclass(frozen=True)
class Failure:
    seq: int
    reason: FailureReason

    def line(self) -> str:
        return f"FAIL seq={self.seq} reason={self.reason}"


@dataclass(frozen=True)
class Verification:
    """What verify found: the events read, the root over them, and the first failure if any."""

    events: int
    root: bytes
    failure: Failure | None

    def line(self) -> str:
        if self.failure is not None:
            return self.failure.line()
        root = base64.b64encode(self.root).decode("ascii")
        return f"verified {self.events} events, root {root}"


class _Stop(Exception):
    def __init__(self, failure: Failure) -> None:
        self.failure = failure


Row = tuple[Any, ...]


def verify_log(
    *,
    given_heads: Sequence[SignedHead] = (),
    check_signature: SignatureCheck = check_head_signature,
) -> Verification:
    """Check the whole log against its stored heads and `given_heads` (from a witness).

    Raises django.db.DatabaseError, or the vault's KeyStoreUnavailable, when the log or
    the public keys cannot be read at all.
    """
    heads = _schedule(given_heads, check_signature)
    builder = TreeBuilder()
    try:
        _check_rows(iter_entry_rows(), builder, heads)
    except _Stop as stop:
        return Verification(events=builder.size, root=builder.root(), failure=stop.failure)
    return Verification(events=builder.size, root=builder.root(), failure=None)


@dataclass(frozen=True)
class _Head:
    tree_size: int
    root_hash: bytes | None
    status: SignatureStatus


class _HeadSchedule:
    """The heads in size order, checked as the stream of leaves reaches each size."""

    def __init__(self, heads: list[_Head]) -> None:
        self._heads = sorted(heads, key=lambda head: head.tree_size)
        self._next = 0
        valid = [head.tree_size for head in heads if head.status is SignatureStatus.VALID]
        self.covered = max(valid, default=0)

    @property
    def next_size(self) -> int:
        return self._heads[self._next].tree_size if self._next < len(self._heads) else -1

    def check_at(self, size: int, root: bytes) -> None:
        """Check every head of exactly `size`: signature first, then its root."""
        while self.next_size == size:
            head = self._heads[self._next]
            self._check_signature(head)
            if head.root_hash != root:
                raise _Stop(Failure(size, FailureReason.INCONSISTENT_HEAD))
            self._next += 1

    def check_beyond(self, size: int) -> None:
        """Heads larger than the log: a validly signed one proves rows were removed."""
        for head in self._heads[self._next :]:
            self._check_signature(head)
            raise _Stop(Failure(size + 1, FailureReason.DELETION))

    @staticmethod
    def _check_signature(head: _Head) -> None:
        if head.status is SignatureStatus.UNKNOWN_KEY:
            raise _Stop(Failure(head.tree_size, FailureReason.UNKNOWN_KEY))
        if head.status is SignatureStatus.BAD:
            raise _Stop(Failure(head.tree_size, FailureReason.BAD_SIGNATURE))


def _schedule(given: Sequence[SignedHead], check_signature: SignatureCheck) -> _HeadSchedule:
    heads = [_Head(h.tree_size, h.root_hash, check_signature(h)) for h in given]
    for row in list_stored_head_rows():
        try:
            stored = SignedHead.from_json(row)
        except HeadMalformed:
            # A head row nobody could have signed: someone inserted it by hand.
            size = row["tree_size"]
            size = size if isinstance(size, int) and size >= 0 else 0
            heads.append(_Head(size, None, SignatureStatus.BAD))
            continue
        heads.append(_Head(stored.tree_size, stored.root_hash, check_signature(stored)))
    return _HeadSchedule(heads)


def _check_rows(rows: Iterable[Row], builder: TreeBuilder, heads: _HeadSchedule) -> None:
    """The hot loop: one leaf rebuilt and hashed per row, one tree append."""
    heads.check_at(0, EMPTY_ROOT)
    append = builder.append
    sha256 = hashlib.sha256
    expected = 1
    next_head = heads.next_size
    for row in rows:
        seq = row[0]
        if seq != expected:
            raise _Stop(_missing(expected, heads))
        try:
            if row[8] != _EMPTY_DETAIL:
                parse_detail(row[8])
            digest = sha256(b"\x00" + build_leaf(*row[:9])).digest()
        except (TypeError, ValueError, OverflowError):
            raise _Stop(Failure(expected, FailureReason.MALFORMED_ROW)) from None
        if digest.hex() != row[9]:
            raise _Stop(_diagnose_mismatch(row))
        append(digest)
        if seq == next_head:
            heads.check_at(seq, builder.root())
            next_head = heads.next_size
        expected += 1
    heads.check_beyond(expected - 1)


def _missing(expected: int, heads: _HeadSchedule) -> Failure:
    """`expected` is missing: the next row has a higher number (seq is the primary key).

    Numbers are handed out without gaps, so a jump means rows were removed; a
    signed head covering the number proves the row existed.
    """
    reason = FailureReason.DELETION if expected <= heads.covered else FailureReason.GAP
    return Failure(expected, reason)


def _diagnose_mismatch(row: Row) -> Failure:
    """Name what most likely happened at the first row whose hash fails.

    The leaf includes its seq, so a row moved elsewhere still hashes correctly
    under its old number: try the neighbours' numbers, then every later one.
    """
    seq = row[0]
    if not isinstance(row[9], str) or not _HEX_HASH.fullmatch(row[9]):
        return Failure(seq, FailureReason.MALFORMED_ROW)
    following = get_entry_row(seq + 1)
    next_fits_here = following is not None and _fits(following, seq)
    if seq > 1 and _fits(row, seq - 1):
        return Failure(seq - 1, FailureReason.INSERTION)
    if _fits(row, seq + 1):
        return Failure(seq, FailureReason.REORDER if next_fits_here else FailureReason.DELETION)
    if next_fits_here:
        return Failure(seq, FailureReason.INSERTION)
    if any(_fits(row, later[0]) for later in iter_entry_rows(after=seq + 1)):
        return Failure(seq, FailureReason.REORDER)
    return Failure(seq, FailureReason.HASH_MISMATCH)


def _fits(row: Row, seq: int) -> bool:
    """Whether the row's content, placed at `seq`, hashes to its stored leaf hash."""
    try:
        leaf = build_leaf(seq, *row[1:9])
    except (TypeError, ValueError, OverflowError):
        return False
    stored: str = row[9]
    return hashlib.sha256(b"\x00" + leaf).hexdigest() == stored
