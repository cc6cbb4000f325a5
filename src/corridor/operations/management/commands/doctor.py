"""`corridor doctor [--json] [--strict]`: check this installation; say what is wrong and the fix.

Exit codes: 0 nothing failed (warnings allowed unless --strict), 1 a check failed
(or, with --strict, warned). One line per check, or with --json one object:
{"ok": bool, "checks": [{"check", "status", "found", "fix"}, ...]}.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from corridor.core.commands import CorridorCommand
from corridor.operations.doctor import Status, run_checks

PROBLEM_EXIT = 1


class Command(CorridorCommand):
    help = "Check the installation (files, keys, database, backups, worker); say how to fix it."
    # The doctor reports what system checks would refuse instead of being refused by them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--strict", action="store_true", help="Exit 1 on a warning too (for monitoring)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        findings = run_checks()
        failing = {Status.FAIL, Status.WARN} if options["strict"] else {Status.FAIL}
        ok = not any(finding.status in failing for finding in findings)
        if options["json"]:
            document = {"ok": ok, "checks": [finding.as_json() for finding in findings]}
            self.stdout.write(json.dumps(document, indent=1))
        else:
            for finding in findings:
                self.stdout.write(finding.line())
        if not ok:
            raise SystemExit(PROBLEM_EXIT)
