"""`corridor backup DEST [--keep-key-backups DAYS]`: data, files, then key store, apart,
and last the signed manifest of the set.

`corridor backup verify SRC`: check every set in SRC against its manifest without restoring
it (exit 0 all intact, 1 a FAIL line, 2 no manifest or not a folder).
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.vault import backup, manifest
from corridor.vault.errors import VAULT_FAILURES

KEYD_NOTE = (
    "Not in this backup: the KEK. To restore, keyd needs its folder's kek-check.json "
    "(check values, no key) and the trustees' shares. After `keys init` and after every "
    "`keys rotate`, copy kek-check.json (as root, from CORRIDOR_KEYD_DIR) to where the "
    "trustees keep their material, never beside these backups; keep keyd.log with its "
    "head as you keep the audit log."
)
FILE_NOTE = (
    "Not in this backup: the KEK file. Keep a copy of it apart from these backups; "
    "`corridor restore --kek-file` needs it."
)


class Command(CorridorCommand):
    help = (
        "Back up the data, the encrypted files and the key store as separate files in DEST, "
        "with a manifest of their sizes and SHA-256 signed by the installation's key. "
        "Key-store backups older than the retention are deleted from DEST."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, metavar="DEST")
        # `backup verify SRC`: a second word, so `backup DEST` stays as it always was.
        parser.add_argument("source", type=Path, nargs="?", metavar="SRC", help=argparse.SUPPRESS)
        parser.add_argument(
            "--keep-key-backups",
            type=int,
            default=backup.KEY_BACKUP_RETENTION.days,
            metavar="DAYS",
            help="Delete key-store backups in DEST older than this (default 7).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["source"] is not None:
            if str(options["destination"]) != "verify":
                raise CommandError("Give one DEST, or `verify SRC`.", returncode=2)
            self._verify(options["source"])
            return
        days = options["keep_key_backups"]
        if days < 1:
            raise CommandError("--keep-key-backups must be at least 1 day.", returncode=2)
        destination: Path = options["destination"]
        if destination.exists() and not destination.is_dir():
            raise CommandError(f"{destination} is not a folder.", returncode=2)
        try:
            result = backup.back_up(destination, keep_key_backups=timedelta(days=days))
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None
        record_event(
            actor=cli_actor(),
            event=EventType.BACKUP_CREATED,
            detail={
                "data": result.data.name,
                "keys": result.keystore.name,
                "manifest": result.manifest.name,
                "pruned": len(result.pruned),
            },
        )
        self.stdout.write(f"Data:      {result.data}")
        self.stdout.write(f"Files:     {result.files}")
        self.stdout.write(f"Key store: {result.keystore}")
        self.stdout.write(f"Manifest:  {result.manifest}")
        for path in result.pruned:
            self.stdout.write(f"Deleted the expired key-store backup {path.name}")
        self.stdout.write(KEYD_NOTE if settings.CORRIDOR_KEY_PROVIDER == "keyd" else FILE_NOTE)

    def _verify(self, source: Path) -> None:
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder of backups.", returncode=2)
        try:
            checks = manifest.verify_sets(source)
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None
        if not checks:
            raise CommandError(f"{source} holds no backup manifest.", returncode=2)
        for check in checks:
            self.stdout.write(check.line())
        if any(check.problem is not None for check in checks):
            raise SystemExit(1)
