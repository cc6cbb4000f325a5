"""`corridor cases list --json`, `corridor cases erase-request REF --reason CODE --as USERNAME`,
`corridor cases erase REF --approval ID` and `corridor cases reindex-people` (once, as the
worker's user, after upgrading to person search indexes)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.management.base import CommandError, CommandParser

from corridor.accounts.approvals import ApprovalProblem
from corridor.accounts.models import Approval, Staff
from corridor.cases.models import Case
from corridor.cases.selectors import list_case_lines
from corridor.cases.services.erasure import ERASE_REASONS, erase_case, request_case_erasure
from corridor.cases.services.people_indexes import reindex_people
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import CorridorError
from corridor.core.ids import normalise_reference
from corridor.vault import ledger as vault_ledger


class Command(CorridorCommand):
    help = (
        "List cases (no personal data), ask for a case's erasure, or erase one with a granted"
        " two-person approval."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="every case as one JSON array, ordered by ref")
        listing.add_argument("--json", action="store_true", required=True)
        asking = sub.add_parser(
            "erase-request", help="ask a second coordinator to approve erasing a case"
        )
        asking.add_argument("ref")
        asking.add_argument("--reason", required=True, choices=sorted(ERASE_REASONS))
        # An approval is asked for by a person: the coordinator the operator acts for.
        asking.add_argument("--as", dest="username", required=True, help="the coordinator who asks")
        erase = sub.add_parser("erase", help="crypto-shred a case")
        erase.add_argument("ref")
        erase.add_argument("--approval", required=True, help="id of a granted erase_case approval")
        sub.add_parser(
            "reindex-people",
            help="index the names and phones of people written before person search (once)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            lines = [line.as_json() for line in list_case_lines()]
            self.stdout.write(json.dumps(lines, ensure_ascii=False))
            return
        if options["action"] == "reindex-people":
            done = reindex_people(actor=cli_actor())
            self.stdout.write(
                f"Indexed {done.people} people ({done.values} index values); "
                f"{done.skipped} without a key skipped."
            )
            return
        if options["action"] == "erase-request":
            self._ask(options["ref"], options["reason"], options["username"])
            return
        self._erase(options["ref"], options["approval"])

    def _ask(self, raw_ref: str, reason: str, username: str) -> None:
        case = _live_case(raw_ref)
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"No active account {username!r}.", returncode=2)
        try:
            # keyd keeps the operator's request (admin socket, as `erase` uses) so that a
            # coordinator's ticket can approve it: nobody's ticket is at hand here.
            with vault_ledger.as_operator():
                approval = request_case_erasure(actor=staff, case=case, reason=reason)
        except CorridorError as problem:
            raise CommandError(str(problem), returncode=1) from None
        self.stdout.write(
            f"Asked to erase {case.ref}: approval {approval.pk}. Another coordinator grants"
            " it under Approvals; then run"
            f" `corridor cases erase {case.ref} --approval {approval.pk}`."
        )

    def _erase(self, raw_ref: str, approval_id: str) -> None:
        case = _live_case(raw_ref)
        approval_key = _uuid_or_none(approval_id)
        approval = Approval.objects.filter(pk=approval_key).first() if approval_key else None
        if approval is None:
            raise CommandError("No such approval.", returncode=2)
        try:
            # keyd records the erasure from its admin socket (run as root with keyd's
            # environment file, like `corridor factors reset`).
            with vault_ledger.as_operator():
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


def _live_case(raw_ref: str) -> Case:
    ref = normalise_reference("CR", raw_ref)
    case = Case.objects.filter(ref=ref, erased_at__isnull=True).first() if ref else None
    if case is None:
        raise CommandError(f"No case {raw_ref!r} to erase.", returncode=2)
    return case


def _uuid_or_none(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None
