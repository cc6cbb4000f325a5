"""`corridor export cases --approval ID --output FILE`: every case in one encrypted file
that `corridor import cases --from-export FILE` reads back on another installation.

`corridor export request --as USERNAME` asks a second coordinator to agree (the id it
prints is the approval they grant on the approvals page). The passphrase is typed, or
read from `--passphrase-file` (never on the command line, where `ps` would show it).
Instead of a passphrase, `--recipient-key FILE.pub` locks the export to the receiving
installation's public key, made there with `corridor export keypair --identity FILE`.
"""

from __future__ import annotations

import getpass
import os
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
from corridor.vault.recipients import new_identity, parse_identity, parse_recipient

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


def read_key_file(path: str, *, private: bool) -> Any:
    """A recipient key (public) or an identity (private) from its file: one line of
    base64, as `corridor export keypair` writes them."""
    what = "an identity (private key)" if private else "a recipient public key"
    try:
        text = Path(path).read_text(encoding="ascii")
        return parse_identity(text) if private else parse_recipient(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise CommandError(
            f"{path} is not {what}: make one with `corridor export keypair --identity FILE`.",
            returncode=2,
        ) from None


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
        cases.add_argument(
            "--recipient-key",
            default="",
            help="lock to this public key (FILE.pub of `corridor export keypair`)",
        )
        pair = sub.add_parser(
            "keypair", help="make the key pair an installation receives exports with"
        )
        pair.add_argument(
            "--identity", required=True, help="the private key file to write (FILE.pub beside it)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "keypair":
            self._keypair(Path(options["identity"]))
            return
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
        if options["recipient_key"]:
            if options["passphrase_file"]:
                raise CommandError(
                    "Give --recipient-key or a passphrase, one of the two.", returncode=2
                )
            lock = export.Lock(recipient=read_key_file(options["recipient_key"], private=False))
        else:
            lock = export.Lock(passphrase=read_passphrase(options["passphrase_file"], confirm=True))
        requester = approval.requested_by
        ticket = staff_ticket(requester)
        try:
            with acting_with(ticket) if ticket is not None else nullcontext():
                digest = export.write_export(
                    requester=requester,
                    approval_id=str(approval.pk),
                    output=output,
                    lock=lock,
                )
        except (InvalidInput, ApprovalProblem) as problem:
            raise CommandError(str(problem), returncode=2) from None
        self.stdout.write(f"Wrote {output} (SHA-256 {digest}).")
        if lock.recipient is not None:
            self.stdout.write(
                "Only the holder of the recipient's identity can read it: `corridor import"
                f" cases --from-export {output.name} --identity FILE --as USERNAME`."
            )
            return
        self.stdout.write(
            "Carry the passphrase apart from the file. Read it back with"
            f" `corridor import cases --from-export {output.name} --as USERNAME`."
        )

    def _keypair(self, identity: Path) -> None:
        public = identity.with_name(identity.name + ".pub")
        for path in (identity, public):
            if path.exists():
                raise CommandError(f"{path} exists already: name a new file.", returncode=2)
        if not identity.parent.is_dir():
            raise CommandError(f"{identity.parent} is not a folder.", returncode=2)
        private_text, public_text = new_identity()
        # Readable by its owner only, from its first byte.
        fd = os.open(identity, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(private_text + "\n")
        public.write_text(public_text + "\n", encoding="ascii")
        self.stdout.write(
            f"Wrote {identity} (keep it on this installation, readable by you only) and"
            f" {public} (give it to whoever exports to this installation)."
        )
