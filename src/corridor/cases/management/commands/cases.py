"""`corridor cases list --json` and `corridor cases erase REF --approval ID`."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from corridor.accounts.approvals import ApprovalProblem
from corridor.accounts.models import Approval
from corridor.cases.models import Case
from corridor.cases.selectors import list_case_lines
from corridor.cases.services.erasure import erase_case
from corridor.core.actors import cli_actor
from corridor.core.exceptions import CorridorError
from corridor.core.ids import normalise_reference


class Command(BaseCommand):
    help = "List cases (no personal data) or erase one with a granted two-person approval."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="every case as one JSON array, ordered by ref")
        listing.add_argument("--json", action="store_true", required=True)
        erase = sub.add_parser("erase", help="crypto-shred a case")
        erase.add_argument("ref")
        erase.add_argument("--approval", required=True, help="id of a granted erase_case approval")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            lines = [line.as_json() for line in list_case_lines()]
            self.stdout.write(json.dumps(lines, ensure_ascii=False))
            return
        self._erase(options["ref"], options["approval"])

    def _erase(self, raw_ref: str, approval_id: str) -> None:
        ref = normalise_reference("CR", raw_ref)
        case = Case.objects.filter(ref=ref, erased_at__isnull=True).first() if ref else None
        if case is None:
            raise CommandError(f"No case {raw_ref!r} to erase.", returncode=2)
        approval_key = _uuid_or_none(approval_id)
        approval = Approval.objects.filter(pk=approval_key).first() if approval_key else None
        if approval is None:
            raise CommandError("No such approval.", returncode=2)
        try:
            erase_case(
                actor=cli_actor(),
                case=case,
                approval_id=approval_id,
                requester=approval.requested_by,
            )
        except (ApprovalProblem, CorridorError) as problem:
            raise CommandError(str(problem), returncode=1) from None
        self.stdout.write(
            f"Erased {case.ref}. Its key is destroyed; backups age out as documented."
        )


def _uuid_or_none(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None
