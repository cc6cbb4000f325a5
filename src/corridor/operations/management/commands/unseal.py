"""`corridor unseal [--forget]`: a trustee gives keyd their share of the KEK.

From a terminal the share is read without echo; otherwise every non-empty line of
stdin is a share. keyd keeps accepted shares across invocations (one trustee each)
and forgets them after 10 idle minutes. Exit codes: 0 unsealed; 3 more shares needed
(prints `need <k> more`); 2 an invalid share (prints the reason: checksum,
other_set, repeated or wrong_key_check); 1 keyd cannot be reached.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser

from corridor.core.commands import CorridorCommand
from corridor.core.inputs import STDIN, InputRefused, read_input_text
from corridor.vault.errors import VAULT_FAILURES, InvalidShare
from corridor.vault.keyd.client import KeydAdmin

NEED_MORE_EXIT = 3
INVALID_EXIT = 2
# A share is 33 words (about 300 bytes); a few dozen of them fit many times over.
SHARES_LIMIT = 64 * 1024


class Command(CorridorCommand):
    help = "Enter a share of the KEK into keyd (M of N unseal it)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--forget", action="store_true", help="Forget the shares entered so far."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        admin = KeydAdmin()
        try:
            if options["forget"]:
                self.stdout.write(f"shares forgotten; need {admin.forget_shares()} more")
                return
            try:
                shares = self._read_shares()
            except InputRefused as error:
                self.stderr.write(error.sentence("The shares on stdin"))
                raise SystemExit(INVALID_EXIT) from None
            if not shares:
                self.stderr.write("no share was entered")
                raise SystemExit(INVALID_EXIT)
            for share in shares:
                progress = admin.unseal(share)
                if not progress.sealed:
                    self.stdout.write("unsealed")
                    return
        except InvalidShare as invalid:
            self.stderr.write(f"invalid share: {invalid.reason}")
            self.stderr.write(str(invalid))
            if invalid.needed:
                self.stdout.write(f"need {invalid.needed} more")
            raise SystemExit(INVALID_EXIT) from None
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"need {progress.needed} more")
        raise SystemExit(NEED_MORE_EXIT)

    def _read_shares(self) -> list[str]:
        if sys.stdin.isatty():
            # No echo: a share on screen can be photographed or left in a terminal's scrollback.
            return [share] if (share := getpass.getpass("Share: ").strip()) else []
        text = read_input_text(STDIN, limit=SHARES_LIMIT)
        return [line.strip() for line in text.splitlines() if line.strip()]
