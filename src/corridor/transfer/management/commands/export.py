"""`corridor export cases --approval ID --output FILE`: every case in one encrypted file
that `corridor import cases --from-export FILE` reads back on another installation.

`corridor export request --as USERNAME` asks a second coordinator to agree (the id it
prints is the approval they grant on the approvals page). The passphrase is typed, or
read from `--passphrase-file` (never on the command line, where `ps` would show it).
"""

from __future__ import annotations

import getpass
import sys
import uuid
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from corridor.accounts.approvals import ApprovalProblem
from corridor.accounts.models import Approval, ApprovalKind, Staff
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import InvalidInput
from corridor.transfer import export
from corridor.vault import ledger as vault_ledger
from corridor.vault.ledger import TicketRefused, acting_with

NO_SUCH_APPROVAL = "No such export approval: ask with `corridor export request --as USERNAME`."


def read_passphrase(path: str, *, confirm: bool) -> str:
    """The export's passphrase: from a file (first line), or typed (twice when writing)."""
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            raise CommandError(f"Cannot read a passphrase from {path}.", returncode=2) from None
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    typed = getpass.getpass("Export passphrase: ")
    if confirm and getpass.getpass("The passphrase again: ") != typed:
        raise CommandError("The two passphrases differ.", returncode=2)
    return typed


def staff_ticket(staff: Staff) -> str | None:
    """keyd serves a coordinator's keys only with a ticket issued on their own code."""
    if not settings.CORRIDOR_KEY_LEDGER_ENFORCED:
        return None
    prompt = f"Authenticator code for {staff.username}: "
    code = getpass.getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    try:
        return vault_ledger.log_in(staff.pk, code.strip())
    except TicketRefused:
        raise CommandError("keyd refused that code.", returncode=2) from None


class Command(CorridorCommand):
    help = "Export every case, encrypted, to move the installation (two coordinators agree)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        ask = sub.add_parser("request", help="ask a second coordinator to agree to an export")
        ask.add_argument("--as", dest="username", required=True, help="the coordinator asking")
        cases = sub.add_parser("cases", help="write every case to an encrypted file")
        cases.add_argument("--approval", required=True, help="id of a granted export approval")
        cases.add_argument("--output", required=True, help="the export file to write")
        cases.add_argument(
            "--passphrase-file", default="", help="a file whose first line is the passphrase"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "request":
            staff = Staff.objects.filter(username=options["username"], is_active=True).first()
            if staff is None:
                raise CommandError(f"No active account {options['username']!r}.", returncode=2)
            try:
                approval = export.request_export(actor=staff)
            except InvalidInput as problem:
                raise CommandError(str(problem), returncode=2) from None
            self.stdout.write(
                f"Asked for approval {approval.pk}. Once another coordinator grants it, run"
                f" `corridor export cases --approval {approval.pk} --output FILE`."
            )
            return
        self._export(options)

    def _export(self, options: dict[str, Any]) -> None:
        try:
            key = uuid.UUID(options["approval"])
        except ValueError:
            raise CommandError(NO_SUCH_APPROVAL, returncode=2) from None
        approval = Approval.objects.filter(pk=key, kind=ApprovalKind.EXPORT_CASES).first()
        if approval is None:
            raise CommandError(NO_SUCH_APPROVAL, returncode=2)
        output = Path(options["output"])
        if output.exists():
            raise CommandError(f"{output} exists already: name a new file.", returncode=2)
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} is not a folder.", returncode=2)
        passphrase = read_passphrase(options["passphrase_file"], confirm=True)
        requester = approval.requested_by
        ticket = staff_ticket(requester)
        try:
            with acting_with(ticket) if ticket is not None else nullcontext():
                digest = export.write_export(
                    requester=requester,
                    approval_id=str(approval.pk),
                    output=output,
                    passphrase=passphrase,
                )
        except (InvalidInput, ApprovalProblem) as problem:
            raise CommandError(str(problem), returncode=2) from None
        self.stdout.write(f"Wrote {output} (SHA-256 {digest}).")
        self.stdout.write(
            "Carry the passphrase apart from the file. Read it back with"
            f" `corridor import cases --from-export {output.name} --as USERNAME`."
        )
