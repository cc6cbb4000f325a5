"""`corridor keys init|rotate|log verify`: the KEK's life as the operator sees it.

corridor keys init --shares 5 --threshold 3    # keyd: a new KEK, printed once as 5 shares
corridor keys rotate [--batch-size N]           # rewrap every key under a new KEK
corridor keys head-key                          # keyd: its audit head key, for an older folder
corridor keys log verify [--head SEQ:HASH]      # keyd's hash-chained log
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.vault import rotation
from corridor.vault.errors import (
    VAULT_FAILURES,
    InputRejected,
    KekMismatch,
    KeydPeerRefused,
)
from corridor.vault.keyd.client import KeydAdmin, KeydKeyProvider
from corridor.vault.keyd.config import keyd_config
from corridor.vault.keyd.headkey import public_key_line, read_head_key
from corridor.vault.keyd.journal import LogHead, verify_log
from corridor.vault.keyd.shares import initialise_kek


class Command(CorridorCommand):
    help = (
        "Key operations. init: a new KEK for keyd, split into shares; rotate: rewrap every "
        "key under a new KEK (resumable); log verify: check keyd's log."
    )
    # `keys init` and `keys log` run with keyd's settings, which have no data database.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        init = actions.add_parser(
            "init", help="Create keyd's KEK and print it once as SLIP-39 shares (M of N)."
        )
        init.add_argument("--shares", type=count, required=True, help="N: shares to print.")
        init.add_argument("--threshold", type=count, required=True, help="M: shares to unseal.")
        rotate = actions.add_parser(
            "rotate", help="Rewrap every wrapped key under a new KEK; run again to resume."
        )
        rotate.add_argument(
            "--batch-size", type=count, default=rotation.DEFAULT_BATCH, help="Keys per commit."
        )
        rotate.add_argument("--shares", type=count, help="keyd: shares of the new KEK.")
        rotate.add_argument("--threshold", type=count, help="keyd: shares needed to unseal.")
        actions.add_parser(
            "head-key",
            help="keyd: make the audit head key (installations from before keyd kept one) "
            "and print its public key for the trustees.",
        )
        log = actions.add_parser("log", help="keyd's own log.")
        log_actions = log.add_subparsers(dest="log_action", required=True, metavar="ACTION")
        verify = log_actions.add_parser("verify", help="Check every line of keyd's log.")
        verify.add_argument("--head", type=head, help="SEQ:HASH recorded earlier (keyd status).")
        verify.add_argument("--file", type=Path, help="The log (default CORRIDOR_KEYD_LOG).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "init":
                self._init(options["shares"], options["threshold"])
            elif options["action"] == "rotate":
                self._rotate(options)
            elif options["action"] == "head-key":
                self.stdout.write(public_key_line(KeydAdmin().new_head_key()))
            else:
                self._verify(options["file"] or keyd_config().log, options["head"])
        except InputRejected as error:
            raise CommandError(str(error), returncode=2) from None
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None

    def _init(self, shares: int, threshold: int) -> None:
        config = keyd_config()
        mnemonics = initialise_kek(
            config.directory, shares=shares, threshold=threshold, log=config.log
        )
        self.stderr.write(
            f"A new KEK exists only in these {shares} shares; any {threshold} unseal keyd. "
            "Give one to each trustee now: they are not stored anywhere."
        )
        self._print_shares(mnemonics)
        head_key = read_head_key(config.directory)
        if head_key is not None:
            self.stderr.write(
                "keyd signs audit tree heads with its own key, which never leaves it. The "
                "trustees keep the next line (off this server) and check the log with "
                "`corridor audit verify --pinned-key FILE`."
            )
            self.stdout.write(public_key_line(head_key.public))

    def _print_shares(self, mnemonics: list[str]) -> None:
        print_shares(self.stdout.write, mnemonics)

    def _rotate(self, options: dict[str, Any]) -> None:
        if settings.CORRIDOR_KEY_PROVIDER == "keyd":
            self._new_keyd_kek(options["shares"], options["threshold"])
        plan = rotation.begin_kek_rotation()
        rewrapped = 0
        with tqdm(total=plan.remaining, unit="key", desc="Rewrapping", file=sys.stderr) as bar:
            while count := rotation.rewrap_next_batch(plan, batch_size=options["batch_size"]):
                rewrapped += count
                bar.update(count)
        result = rotation.finish_kek_rotation(plan, rewrapped=rewrapped)
        record_event(
            actor=cli_actor(),
            event=EventType.KEK_ROTATED,
            detail={
                "to_version": result.to_version,
                "rewrapped": result.rewrapped,
                "resumed": int(result.resumed),
            },
        )
        resumed = " (resumed)" if result.resumed else ""
        self.stdout.write(
            f"KEK rotated{resumed}: version {result.to_version} now wraps every key; "
            f"{result.rewrapped} rewrapped in this run."
        )
        if not result.old_keks_forgotten:
            self.stderr.write(
                "keyd still holds the old KEK: the operator runs "
                f"`corridor keyd retire --keep {result.to_version}`."
            )

    def _new_keyd_kek(self, shares: int | None, threshold: int | None) -> None:
        """keyd makes the new KEK with its shares; they are printed before anything is
        wrapped under it, so no key ever depends on a KEK nobody can rebuild."""
        version = rotation.next_kek_version()
        try:
            KeydKeyProvider().kek_check(version)
            return  # made already: by the operator (`corridor keyd new-kek`) or an earlier run
        except KekMismatch:
            pass
        try:
            _made, mnemonics = KeydAdmin().new_kek(version, shares=shares, threshold=threshold)
        except KeydPeerRefused:
            raise CommandError(
                f"keyd holds no KEK version {version}: the operator runs `corridor keyd new-kek` "
                "first (it prints the new shares), then this again."
            ) from None
        self.stderr.write(NEW_KEK_NOTE.format(version=version))
        self._print_shares(mnemonics)

    def _verify(self, path: Path, expected: LogHead | None) -> None:
        if not path.is_file():
            raise CommandError(f"There is no keyd log at {path}.")
        try:
            result = verify_log(path, expected_head=expected)
        except OSError as error:
            raise CommandError(
                f"Cannot read the keyd log {path} ({error.strerror or type(error).__name__}).",
                returncode=2,
            ) from None
        if not result.ok:
            raise CommandError(f"keyd log {path}: line {result.bad_line} {result.problem}.")
        self.stdout.write(f"keyd log verified: {result.lines} lines, head {result.head}.")


NEW_KEK_NOTE = (
    "KEK version {version} exists only in these shares: give one to each trustee. "
    "The old shares stop working when the rotation finishes."
)


def print_shares(write: Callable[[str], object], mnemonics: list[str]) -> None:
    """Exactly one line per share: `share <i>/<N>: <words>`."""
    for number, words in enumerate(mnemonics, start=1):
        write(f"share {number}/{len(mnemonics)}: {words}")


def count(raw: str) -> int:
    # argparse names this function in its error: "invalid count value: '0'".
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value


def head(raw: str) -> LogHead:
    # argparse names this function in its error: "invalid head value: 'x'".
    seq, _, digest = raw.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(raw)
    return LogHead(seq=int(seq), hash=digest)
