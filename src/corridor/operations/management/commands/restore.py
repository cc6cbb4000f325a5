"""`corridor restore SRC [--kek-file PATH] [--allow-older-keys]`: the newest backup set in
SRC into an empty data dir, checked against its signed manifest.

Exit codes: 0 restored and checked, 2 refused (bad arguments, a wrong, damaged, unsigned or
foreign backup or key file, a key store of another set, an audit log without its
protections or failing verification, a key that does not work, a target that is not
empty; nothing is left behind), 1 another failure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.leases import queue_again_after_restore
from corridor.operations.keyd_access import grant_keyd_access
from corridor.operations.restore_checks import check_restored
from corridor.vault import backup
from corridor.vault.errors import VAULT_FAILURES, KekMismatch, RestoreRefused

# Refused before anything was kept: a wrong or damaged backup, key file or target.
REFUSED_EXIT = 2


class Command(CorridorCommand):
    help = (
        "Restore the newest data backup and the newest key-store backup from SRC into this "
        "installation, which must be empty. With the file provider, --kek-file gives the KEK; "
        "with keyd, the trustees unseal keyd first."
    )
    # Checks could open the databases, and an opened SQLite file is no longer empty.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, metavar="SRC")
        parser.add_argument("--kek-file", type=Path, metavar="PATH")
        parser.add_argument(
            "--allow-older-keys",
            action="store_true",
            help=(
                "Accept a key-store backup of another set than the data when the data's own "
                "is missing; restore prints how many records will be unreadable."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder of backups.", returncode=2)
        kek_file: Path | None = options["kek_file"]
        if settings.CORRIDOR_KEY_PROVIDER == "keyd" and kek_file is not None:
            raise CommandError(backup.KEYD_HOLDS_THE_KEK, returncode=2)
        if kek_file is not None and not kek_file.is_file():
            raise CommandError(f"{kek_file} is not a file.", returncode=2)
        if settings.CORRIDOR_KEY_PROVIDER == "file" and kek_file is None:
            raise CommandError(
                "A backup never holds the KEK: give it with --kek-file PATH.", returncode=2
            )
        try:
            result = backup.restore(
                source,
                kek_file=kek_file,
                allow_older_keys=options["allow_older_keys"],
                check=check_restored,
            )
        except (RestoreRefused, KekMismatch) as error:
            raise CommandError(str(error), returncode=REFUSED_EXIT) from None
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None
        # The restored log continues: the restore itself is its next event.
        record_event(
            actor=cli_actor(),
            event=EventType.BACKUP_RESTORED,
            detail={
                "data": result.data.name,
                "keys": result.keystore.name,
                "unreadable": result.unreadable,
            },
        )
        self.stdout.write(
            f"Restored {result.data.name}, {result.file_count} files and {result.keystore.name}."
        )
        self.stdout.write(
            "Checked: the manifest's signature and digests, the audit log's protections and "
            "its verification, and a decryption with every kind of key."
        )
        if result.unreadable:
            noun = "record has" if result.unreadable == 1 else "records have"
            self.stdout.write(
                f"{result.unreadable} {noun} no key in this key store (of another backup set) "
                "and will be unreadable."
            )
        # Tasks the backup caught mid-run have no worker any more: the next worker runs them.
        requeued = queue_again_after_restore()
        if requeued:
            noun = "task" if requeued == 1 else "tasks"
            self.stdout.write(f"Queued again {requeued} {noun} running at the backup.")
        # pg_restore drops every grant: keyd's reads are granted again, or no case opens.
        # Last, so that a missing role leaves a complete, recorded restore behind.
        grant_keyd_access(self.stdout.write)
