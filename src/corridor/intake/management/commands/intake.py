"""`corridor intake list --json`: every request as codes and dates, no personal data."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from corridor.core.commands import CorridorCommand
from corridor.intake.selectors import list_requests_for_export


class Command(CorridorCommand):
    help = "List requests (reference, channel, status, signal codes, day received)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="every request as one JSON array")
        listing.add_argument("--json", action="store_true", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        lines = [
            {
                "ref": request.reference,
                "channel": request.channel,
                "status": request.status,
                "flags": sorted({flag.code for flag in request.flags.all()}),
                "received": request.received_on.isoformat(),
            }
            for request in list_requests_for_export()
        ]
        self.stdout.write(json.dumps(lines, ensure_ascii=False))
