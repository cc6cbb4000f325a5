"""`corridor report --public|--internal --format csv|pdf|html [--period P] [--k N]
[--language en|ru] --output FILE [--approval ID]`.

Invalid arguments exit 2 and write nothing; the file appears only complete
(temporary name, then rename), and its SHA-256 goes into the audit log.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from corridor.accounts.approvals import ApprovalProblem
from corridor.accounts.models import Approval, ApprovalKind
from corridor.core import clock
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import InvalidInput
from corridor.reports import services

NEEDS_APPROVAL = "--internal needs --approval ID (a granted export_internal_report request)."
APPROVAL_ONLY_INTERNAL = "--approval is for --internal; the public report needs none here."
NO_SUCH_APPROVAL = "No such export approval."
APPROVAL_MISMATCH = (
    "That approval is for a different export: {target} {payload}. Run it with exactly those."
)
OUTPUT_INVALID = "--output must name a file in an existing folder."


class Command(CorridorCommand):
    help = "Write the public report (suppressed) or, with an approval, the internal report."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--public", action="store_true", help="the suppressed public report")
        scope.add_argument("--internal", action="store_true", help="the internal report")
        parser.add_argument("--format", required=True, choices=sorted(services.FORMATS))
        parser.add_argument("--period", help="2025 or 2025Q3 (public default: latest allowed year)")
        parser.add_argument("--k", type=int, help="raise the minimum count shown (public only)")
        parser.add_argument("--language", default="en", choices=services.LANGUAGES)
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--approval", help="id of a granted internal export approval")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = services.PUBLIC if options["public"] else services.INTERNAL
        output = Path(options["output"]).expanduser()
        if output.is_dir() or not output.parent.is_dir():
            raise CommandError(OUTPUT_INVALID, returncode=2)
        approval = self._approval(scope, options["approval"])
        today = clock.today()
        try:
            export = services.check_export(
                scope=scope,
                format=options["format"],
                language=options["language"],
                period=options["period"],
                k=options["k"],
                today=today,
            )
        except InvalidInput as problem:
            raise CommandError(str(problem), returncode=2) from None
        if approval is not None and (
            approval.target_id != export.target_id or approval.payload != export.payload
        ):
            detail = APPROVAL_MISMATCH.format(target=approval.target_id, payload=approval.payload)
            raise CommandError(detail, returncode=2)
        try:
            digest = services.export_to_file(
                actor=cli_actor(), export=export, output=output, today=today, approval=approval
            )
        except ApprovalProblem as problem:
            raise CommandError(str(problem), returncode=1) from None
        self.stdout.write(f"Wrote {output} (SHA-256 {digest}).")

    def _approval(self, scope: str, raw: str | None) -> Approval | None:
        if scope == services.PUBLIC:
            if raw:
                raise CommandError(APPROVAL_ONLY_INTERNAL, returncode=2)
            return None
        if not raw:
            raise CommandError(NEEDS_APPROVAL, returncode=2)
        try:
            key = uuid.UUID(raw)
        except ValueError:
            raise CommandError(NO_SUCH_APPROVAL, returncode=2) from None
        approval = Approval.objects.filter(pk=key, kind=ApprovalKind.EXPORT_INTERNAL_REPORT).first()
        if approval is None:
            raise CommandError(NO_SUCH_APPROVAL, returncode=2)
        return approval
