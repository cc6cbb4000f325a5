"""`corridor seal`: keyd forgets its KEK at once; the trustees must unseal it again.

Python can only wipe the KEK on a best-effort basis (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from corridor.core.commands import CorridorCommand
from corridor.vault.errors import VAULT_FAILURES
from corridor.vault.keyd.client import KeydAdmin


class Command(CorridorCommand):
    help = "Seal keyd: it forgets the KEK until the trustees unseal it again."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            KeydAdmin().seal()
        except VAULT_FAILURES as error:
            raise CommandError(str(error)) from None
        self.stdout.write("sealed")
