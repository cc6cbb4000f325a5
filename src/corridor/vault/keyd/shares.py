"""The KEK split into SLIP-39 shares (shamir-mnemonic), and putting it back together.

`corridor keys init --shares N --threshold M` makes a random KEK, splits it into N
word lists of which any M rebuild it, and records only the KEK's check value and
the share set's identifier (`KekRecord`, `kek-check.json` in keyd's directory). At
unseal, keyd gathers shares one trustee at a time (`ShareGathering`) and accepts
the KEK they rebuild only if its check value matches the record.

Defends against: a mistyped share (checksum), a share of another installation or
an older split (other_set), the same trustee counted twice (repeated), and a
record or a share set swapped for another one (wrong_key_check). Shares sit in
keyd's memory until the KEK is rebuilt or 10 minutes pass without a new share.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shamir_mnemonic import EncryptedMasterSecret, MnemonicError, Share, split_ems
from shamir_mnemonic.shamir import ShareGroup, recover_ems

from corridor.core.inputs import InputRefused, decode_text, parse_json, read_input_bytes
from corridor.vault import aead
from corridor.vault.errors import (
    InputRejected,
    InvalidShare,
    KeydAlreadyInitialised,
    KeydNotInitialised,
)
from corridor.vault.keyd.headkey import create_head_key
from corridor.vault.private_files import write_private_file

RECORD_FILE = "kek-check.json"
LOG_FILE = "keyd.log"  # the default of CORRIDOR_KEYD_LOG
RECORD_FORMAT = "corridor-keyd-kek-v1"
# A check value and three numbers per KEK version: a few hundred bytes each.
RECORD_LIMIT = 64 * 1024
MAX_SHARES = 16
SHARES_IDLE_SECONDS = 10 * 60
# SLIP-39's PBKDF2 cost (10,000 << e iterations): the shares are secret themselves, so
# the passphrase it protects is empty and a small cost keeps unseal quick.
ITERATION_EXPONENT = 1
CHECKSUM = "checksum"
OTHER_SET = "other_set"
REPEATED = "repeated"
WRONG_KEY_CHECK = "wrong_key_check"

# Never plain "run keys init": over existing keys a new KEK would open none of them.
NO_RECORD_ADVICE = (
    "If this installation has keys (a restore, a new server, a lost folder), copy "
    "kek-check.json back from the trustees' material: a new KEK would open none of its "
    "keys. Only on a new installation, with no data yet, run "
    "`corridor keys init --shares N --threshold M`."
)
MESSAGES = {
    CHECKSUM: "The share is not valid: a word is mistyped or missing (checksum).",
    OTHER_SET: "The share belongs to another set of shares (other_set).",
    REPEATED: "That share has been entered already (repeated).",
    WRONG_KEY_CHECK: (
        "The shares rebuild a key that is not this installation's KEK (wrong_key_check); "
        "the shares entered for it are forgotten."
    ),
}


@dataclass(frozen=True)
class ShareSet:
    """One KEK version as keyd's record knows it: no key, only how to recognise it."""

    version: int
    identifier: int
    threshold: int
    count: int
    check: bytes = field(repr=False)


def check_split(*, shares: int, threshold: int) -> None:
    """The N and M SLIP-39 allows: 1 <= M <= N <= 16, and M = 1 only when N = 1."""
    if not 1 <= threshold <= shares <= MAX_SHARES:
        raise InputRejected(
            f"Choose a threshold from 1 to the number of shares, and at most {MAX_SHARES} shares."
        )
    if threshold == 1 and shares > 1:
        raise InputRejected("A threshold of 1 with several shares would let any one share in.")


def split_kek(
    kek: bytes | bytearray, *, shares: int, threshold: int, avoid: Collection[int] = ()
) -> tuple[int, list[str]]:
    """Split the KEK into `shares` mnemonics, any `threshold` of which rebuild it.

    Returns the set's identifier (chosen apart from `avoid`, the sets still in use)
    and the mnemonics. Who can decrypt: any `threshold` trustees together.
    """
    check_split(shares=shares, threshold=threshold)
    identifier = secrets.randbits(15)
    while identifier in avoid:
        identifier = secrets.randbits(15)
    encrypted = EncryptedMasterSecret.from_master_secret(
        bytes(kek), b"", identifier, True, ITERATION_EXPONENT
    )
    groups = split_ems(1, [(threshold, shares)], encrypted)
    return identifier, [share.mnemonic() for share in groups[0]]


# ---------------------------------------------------------------- the record file
@dataclass(frozen=True)
class KekRecord:
    """The KEK versions keyd must hold to be unsealed (two only during a rotation)."""

    sets: dict[int, ShareSet]

    @property
    def current(self) -> ShareSet:
        return self.sets[max(self.sets)]

    def with_set(self, share_set: ShareSet) -> KekRecord:
        return KekRecord(sets={**self.sets, share_set.version: share_set})

    def keeping(self, version: int) -> KekRecord:
        return KekRecord(sets={version: self.sets[version]})


def record_path(directory: Path) -> Path:
    return directory / RECORD_FILE


def read_record(directory: Path) -> KekRecord:
    """keyd's record, or KeydNotInitialised when `keys init` never ran here."""
    path = record_path(directory)
    if not path.exists():
        raise KeydNotInitialised(f"No KEK record at {path}. {NO_RECORD_ADVICE}")
    try:
        raw = read_input_bytes(path, limit=RECORD_LIMIT)
    except InputRefused as error:
        raise KeydNotInitialised(error.sentence(f"keyd's KEK record {path}")) from None
    try:
        payload: Any = parse_json(decode_text(raw))
        if payload["format"] != RECORD_FORMAT:
            raise ValueError
        sets = {
            int(version): ShareSet(
                version=int(version),
                identifier=int(item["identifier"]),
                threshold=int(item["threshold"]),
                count=int(item["shares"]),
                check=base64.b64decode(item["check"], validate=True),
            )
            for version, item in payload["versions"].items()
        }
    except (InputRefused, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise KeydNotInitialised(f"{path} is not a keyd KEK record.") from None
    if not sets or any(len(item.check) != 32 for item in sets.values()):
        raise KeydNotInitialised(f"{path} is not a keyd KEK record.")
    return KekRecord(sets=sets)


def write_record(directory: Path, record: KekRecord) -> None:
    payload = {
        "format": RECORD_FORMAT,
        "versions": {
            str(item.version): {
                "check": base64.b64encode(item.check).decode("ascii"),
                "identifier": item.identifier,
                "threshold": item.threshold,
                "shares": item.count,
            }
            for item in sorted(record.sets.values(), key=lambda item: item.version)
        },
    }
    write_private_file(record_path(directory), json.dumps(payload, indent=1).encode("ascii"))


def initialise_kek(
    directory: Path, *, shares: int, threshold: int, log: Path | None = None
) -> list[str]:
    """`corridor keys init`: a new random KEK (version 1), split; only its check value is kept.

    Needs nothing but the directory. Refuses to replace an existing record: that would
    orphan every key wrapped under the old KEK.
    """
    check_split(shares=shares, threshold=threshold)
    if record_path(directory).exists():
        raise KeydAlreadyInitialised(
            f"{record_path(directory)} exists: this installation already has a KEK. "
            "Use `corridor keys rotate` for a new one."
        )
    log = log or directory / LOG_FILE
    if log.exists():
        # keyd has served keys from this folder: its record was lost, not never made.
        raise KeydAlreadyInitialised(
            f"keyd has run here ({log} exists) but {record_path(directory)} is "
            f"missing: copy it back from the trustees' material. A new KEK would open none "
            "of the keys wrapped before."
        )
    kek = bytearray(aead.new_key())
    try:
        identifier, mnemonics = split_kek(kek, shares=shares, threshold=threshold)
        share_set = ShareSet(
            version=1,
            identifier=identifier,
            threshold=threshold,
            count=shares,
            check=aead.kek_check_value(kek),
        )
        write_record(directory, KekRecord(sets={1: share_set}))
        # The audit head-signing key is made here, with the KEK, and never leaves keyd.
        create_head_key(directory, kek, version=1)
    finally:
        wipe(kek)
    return mnemonics


def wipe(buffer: bytearray) -> None:
    """Overwrite a key held in a bytearray. Best effort: copies made by libraries stay."""
    for index in range(len(buffer)):
        buffer[index] = 0


# ---------------------------------------------------------------- gathering shares
@dataclass(frozen=True)
class Offer:
    """What one accepted share did: the KEK versions it completed, and how many to go."""

    rebuilt: dict[int, bytearray]
    needed: int


class ShareGathering:
    """Shares entered so far, per KEK version still to rebuild; forgotten when idle."""

    def __init__(
        self,
        sets: Mapping[int, ShareSet],
        *,
        idle_seconds: float = SHARES_IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sets = dict(sets)
        self._idle_seconds = idle_seconds
        self._clock = clock
        self._pending: dict[int, dict[int, Share]] = {}
        self._last_offer = clock()

    def needed(self, held: Collection[int]) -> int:
        """How many more shares rebuild every version not yet `held`."""
        return sum(
            item.threshold - len(self._pending.get(version, {}))
            for version, item in self._sets.items()
            if version not in held
        )

    @property
    def accepted(self) -> int:
        return sum(len(found) for found in self._pending.values())

    def forget_if_idle(self) -> bool:
        """Forget every share entered if none came for the idle time; True if any were."""
        if self._pending and self._clock() - self._last_offer >= self._idle_seconds:
            self.forget()
            return True
        return False

    def forget(self) -> None:
        self._pending.clear()

    def offer(self, mnemonic: str, *, held: Collection[int]) -> Offer:
        """Take one share; InvalidShare (with the reason) leaves earlier shares in place."""
        self.forget_if_idle()
        self._last_offer = self._clock()
        share = self._parse(mnemonic, held=held)
        version = self._version_of(share, held=held)
        found = self._pending.setdefault(version, {})
        if share.index in found:
            raise self._invalid(REPEATED, held)
        found[share.index] = share
        target = self._sets[version]
        if len(found) < target.threshold:
            return Offer(rebuilt={}, needed=self.needed(held))
        kek = self._rebuild(version, found, held=held)
        del self._pending[version]
        return Offer(rebuilt={version: kek}, needed=self.needed({*held, version}))

    def _parse(self, mnemonic: str, *, held: Collection[int]) -> Share:
        words = " ".join(mnemonic.lower().split())
        try:
            return Share.from_mnemonic(words)
        except (MnemonicError, ValueError, KeyError):
            raise self._invalid(CHECKSUM, held) from None

    def _version_of(self, share: Share, *, held: Collection[int]) -> int:
        for version, item in self._sets.items():
            if (
                share.identifier == item.identifier
                and share.group_count == 1
                and share.group_threshold == 1
                and share.member_threshold == item.threshold
            ):
                if version in held:
                    raise self._invalid(REPEATED, held)
                return version
        raise self._invalid(OTHER_SET, held)

    def _rebuild(
        self, version: int, found: dict[int, Share], *, held: Collection[int]
    ) -> bytearray:
        group = ShareGroup()
        for share in found.values():
            group.add(share)
        try:
            secret = bytearray(recover_ems({0: group}).decrypt(b""))
        except MnemonicError:
            # The shares passed their checksums but do not belong together: drop the
            # newest (dicts keep insertion order), keep the ones accepted before it.
            del found[next(reversed(found))]
            raise self._invalid(OTHER_SET, held) from None
        if not hmac.compare_digest(aead.kek_check_value(secret), self._sets[version].check):
            wipe(secret)
            del self._pending[version]
            raise self._invalid(WRONG_KEY_CHECK, held)
        return secret

    def _invalid(self, reason: str, held: Collection[int]) -> InvalidShare:
        return InvalidShare(MESSAGES[reason], reason=reason, needed=self.needed(held))
