"""`corridor keyd [status]`: run the key daemon (sealed at start), or ask it how it is.

Exit codes of `status`: 0 unsealed, 3 sealed, 1 keyd cannot be reached.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.vault.errors import VaultError
from corridor.vault.keyd.client import KeydAdmin, KeydStatus
from corridor.vault.keyd.config import keyd_config
from corridor.vault.keyd.server import run_keyd

SEALED_EXIT = 3


class Command(BaseCommand):
    help = "Run keyd, the key daemon (as its own user), or print its status."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", nargs="?", choices=["run", "status"], default="run", help="default: run"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "status":
                status = KeydAdmin().status()
            else:
                run_keyd(keyd_config(), announce=self._announce)
                return
        except VaultError as error:
            raise CommandError(str(error)) from None
        self._print(status)
        if status.sealed:
            raise SystemExit(SEALED_EXIT)

    def _announce(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _print(self, status: KeydStatus) -> None:
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
