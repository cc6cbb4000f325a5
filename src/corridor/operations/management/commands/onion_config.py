"""`corridor onion-config [--port 8001] [--staff-port 8000]`: the portal's onion service for tor.

Prints lines for /etc/tor/torrc (docs/operators.md, "The portal's onion service"); writes
nothing. `tor --verify-config` accepts them (tests/test_onion_config.py).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from corridor.core.commands import CorridorCommand
from corridor.operations.onion import PORTAL_DIR, STAFF_DIR, onion_config


class Command(CorridorCommand):
    help = "Print the tor configuration of the portal's onion service (proof of work on)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8001, help="Where the portal listens (serve --portal)."
        )
        parser.add_argument("--dir", default=PORTAL_DIR, help="The portal service's folder.")
        parser.add_argument(
            "--staff-port",
            type=int,
            default=None,
            help="Also print the staff site's own service (client authorisation).",
        )
        parser.add_argument("--staff-dir", default=STAFF_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(
            onion_config(
                portal_port=options["port"],
                portal_dir=options["dir"],
                staff_port=options["staff_port"],
                staff_dir=options["staff_dir"],
            ),
            ending="",
        )
