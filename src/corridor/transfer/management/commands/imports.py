"""`corridor import cases FILE.csv|FILE.xlsx --mapping MAPPING.yaml [--dry-run]`, and
`corridor import cases --from-export FILE` (what `corridor export cases` wrote).

The mapping is a YAML file (docs/import-mapping.md) or the name of one saved with
`--save-mapping NAME`. The dry run prints, per row, what would be created and what is
refused and why; without it the rows are written, each case in its own transaction.
"""

from __future__ import annotations

import getpass
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from corridor.accounts.models import Staff
from corridor.core.actors import Actor, cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import InvalidInput
from corridor.transfer import export, mappings
from corridor.transfer.management.commands.export import read_key_file, read_passphrase
from corridor.transfer.mapping import Mapping, parse_mapping
from corridor.transfer.services import check_import, run_import
from corridor.vault import ledger as vault_ledger
from corridor.vault.ledger import TicketRefused, acting_with


class Command(CorridorCommand):
    help = "Import cases from a spreadsheet (CSV or XLSX) through a column mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        cases = sub.add_parser("cases", help="cases from a spreadsheet")
        cases.add_argument("file", nargs="?", default="", help="the spreadsheet, .csv or .xlsx")
        cases.add_argument(
            "--mapping", default="", help="a mapping YAML file, or the name of a saved mapping"
        )
        cases.add_argument(
            "--from-export", default="", help="an export file written by `corridor export cases`"
        )
        cases.add_argument(
            "--passphrase-file", default="", help="with --from-export: the passphrase's file"
        )
        cases.add_argument(
            "--identity",
            default="",
            help="with --from-export: the private key an export was locked to (a recipient key)",
        )
        cases.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        cases.add_argument(
            "--as",
            dest="username",
            default="",
            help="the coordinator the import is recorded as (needed for notes and risk)",
        )
        cases.add_argument(
            "--save-mapping", default="", help="keep the mapping under this name for reuse"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["from_export"]) == bool(options["file"]):
            raise CommandError(
                "Give a spreadsheet or --from-export FILE, one of the two.", returncode=2
            )
        if options["file"] and not options["mapping"]:
            raise CommandError(
                "A spreadsheet is read through --mapping MAPPING.yaml.", returncode=2
            )
        if options["from_export"] and not options["username"]:
            raise CommandError(
                "An export is read as a coordinator: add --as USERNAME (the notes, risk"
                " answers, documents and tasks are written in their name).",
                returncode=2,
            )
        staff = None
        if options["username"]:
            staff = Staff.objects.filter(username=options["username"], is_active=True).first()
            if staff is None:
                raise CommandError(f"No active account {options['username']!r}.", returncode=2)
        actor = staff or cli_actor()
        ticket = self._ticket(staff) if staff is not None else None
        with acting_with(ticket) if ticket is not None else nullcontext():
            if options["from_export"]:
                self._from_export(actor, staff, options)
            else:
                self._import(actor, staff, options)

    def _from_export(self, actor: Actor, staff: Staff | None, options: dict[str, Any]) -> None:
        """Authenticate the whole export first; then each case in its own transaction."""
        if staff is None:  # handle() asks for --as
            raise CommandError("An export is read as a coordinator: add --as.", returncode=2)
        path = Path(options["from_export"])
        try:
            header = export.read_header(path)
            if header["lock"]["kind"] == "recipient" or options["identity"]:
                if not options["identity"]:
                    raise export.ExportRefused(str(export.NEEDS_IDENTITY % {"name": path.name}))
                lock = export.Lock(identity=read_key_file(options["identity"], private=True))
            else:
                lock = export.Lock(
                    passphrase=read_passphrase(options["passphrase_file"], confirm=False)
                )
            contents = export.read_export(path, lock=lock)
        except export.ExportRefused as problem:
            raise CommandError(str(problem), returncode=2) from None
        self.stdout.write(f"{path.name}: {len(contents.cases)} cases (SHA-256 {contents.sha256}).")
        if options["dry_run"]:
            for line in export.plan_export(contents):
                self.stdout.write(line)
            self.stdout.write("Dry run: nothing was written.")
            return
        result = export.import_export(actor=actor, contents=contents, as_staff=staff)
        for line in result.refused:
            self.stdout.write(f"Refused {line}")
        self.stdout.write(
            f"Created {len(result.created)} cases; {result.skipped} were imported before."
        )
        if result.refused:
            raise CommandError(f"{len(result.refused)} cases were refused.", returncode=1)

    def _ticket(self, staff: Staff) -> str | None:
        """keyd serves a person's keys only with a ticket it issued on their own code: the
        coordinator types it (or it comes on standard input, one line)."""
        if not settings.CORRIDOR_KEY_LEDGER_ENFORCED:
            return None
        prompt = f"Authenticator code for {staff.username}: "
        code = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
        try:
            return vault_ledger.log_in(staff.pk, code.strip())
        except TicketRefused:
            raise CommandError("keyd refused that code.", returncode=2) from None

    def _import(self, actor: Actor, staff: Staff | None, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as problem:
            raise CommandError(f"Cannot read {path}: {problem.strerror}.", returncode=2) from None
        try:
            mapping = self._mapping(options["mapping"])
            if options["save_mapping"]:
                mappings.save_mapping(
                    actor=actor,
                    name=options["save_mapping"],
                    body=self._mapping_text(options["mapping"]),
                )
            plan = check_import(
                actor=actor, data=data, filename=path.name, mapping=mapping, as_staff=staff
            )
        except InvalidInput as problem:
            raise CommandError(str(problem), returncode=2) from None
        for outcome in plan.outcomes:
            if options["dry_run"] or outcome.action != "create":
                self.stdout.write(outcome.as_text())
        self.stdout.write(
            f"{len(plan.outcomes)} rows: {plan.count('create')} to create,"
            f" {plan.count('refused')} refused, {plan.count('duplicate')} duplicates,"
            f" {plan.count('imported_before')} imported before."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        with tqdm(total=len(plan.outcomes), unit="row", file=self.stderr, disable=None) as bar:
            result = run_import(actor=actor, plan=plan, as_staff=staff, progress_to=bar.update)
        for outcome in result.refused:
            self.stdout.write(outcome.as_text())
        self.stdout.write(f"Created {len(result.created)} cases.")
        if result.stopped_at is not None:
            raise CommandError(
                f"Stopped at row {result.stopped_at}: {result.stop_reason}. The cases before it"
                " are imported; run the same command again to resume from there.",
                returncode=1,
            )

    def _mapping_text(self, given: str) -> str:
        path = Path(given)
        if path.suffix.lower() in (".yaml", ".yml") or path.exists():
            try:
                return path.read_text(encoding="utf-8")
            except OSError as problem:
                raise InvalidInput(f"Cannot read the mapping {path}: {problem.strerror}.") from None
        return mappings.saved_mapping(given)

    def _mapping(self, given: str) -> Mapping:
        return parse_mapping(self._mapping_text(given))
