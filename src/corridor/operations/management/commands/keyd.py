"""`corridor keyd [run|status|new-kek|retire]`: the key daemon, and what the operator asks it.

corridor keyd                      # run (as corridor-keyd), sealed at start
corridor keyd status               # exit 0 unsealed, 3 sealed, 1 unreachable
corridor keyd new-kek [--shares N --threshold M]   # a rotation's new KEK and its shares
corridor keyd retire --keep N      # after `corridor keys rotate`: forget the old KEK
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from corridor.core.commands import CorridorCommand
from corridor.operations.management.commands.keys import NEW_KEK_NOTE, count, print_shares
from corridor.vault.errors import VAULT_FAILURES, InputRejected
from corridor.vault.keyd.client import KeydAdmin, KeydStatus
from corridor.vault.keyd.config import keyd_config
from corridor.vault.keyd.server import run_keyd

SEALED_EXIT = 3


class Command(CorridorCommand):
    help = "Run keyd, the key daemon (as its own user), or ask it for its status or a new KEK."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action",
            nargs="?",
            choices=["run", "status", "new-kek", "retire"],
            default="run",
            help="default: run",
        )
        parser.add_argument("--shares", type=count, help="new-kek: shares to print.")
        parser.add_argument("--threshold", type=count, help="new-kek: shares to unseal.")
        parser.add_argument("--keep", type=count, help="retire: the KEK version to keep.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "run":
                run_keyd(keyd_config(), announce=self._announce)
            elif action == "status":
                self._status(KeydAdmin().status())
            elif action == "new-kek":
                version, mnemonics = KeydAdmin().new_kek(
                    shares=options["shares"], threshold=options["threshold"]
                )
                self.stderr.write(NEW_KEK_NOTE.format(version=version))
                print_shares(self.stdout.write, mnemonics)
            else:
                if options["keep"] is None:
                    raise CommandError("retire needs --keep VERSION.", returncode=2)
                KeydAdmin().retire(keep=options["keep"])
                self.stdout.write(f"keyd keeps only KEK version {options['keep']}")
        except InputRejected as error:
            raise CommandError(str(error), returncode=2) from None
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None

    def _announce(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _status(self, status: KeydStatus) -> None:
        if status.sealed:
            self.stdout.write(
                f"keyd: sealed; need {status.needed} more (shares entered: {status.accepted})"
            )
        else:
            versions = ", ".join(str(version) for version in status.held)
            self.stdout.write(f"keyd: unsealed; KEK versions held: {versions}")
        self.stdout.write(f"log head: {status.log_seq}:{status.log_hash}")
        hardening = status.hardening
        if hardening:
            self.stdout.write(
                "process: "
                + ("dumpable" if hardening.get("dumpable") else "not dumpable")
                + f", core files up to {hardening.get('core_limit')} bytes, memory "
                + ("locked" if hardening.get("memory_locked") else "NOT locked")
            )
        if status.sealed:
            raise SystemExit(SEALED_EXIT)
