"""`corridor keys rotate [--batch-size N]`: rewrap every wrapped key under a new KEK."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.core.actors import cli_actor
from corridor.vault import rotation
from corridor.vault.errors import VaultError


class Command(BaseCommand):
    help = "Key operations. rotate: rewrap every key under a new KEK (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        rotate = actions.add_parser(
            "rotate", help="Rewrap every wrapped key under a new KEK; run again to resume."
        )
        rotate.add_argument(
            "--batch-size", type=count, default=rotation.DEFAULT_BATCH, help="Keys per commit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            plan = rotation.begin_kek_rotation()
            rewrapped = 0
            with tqdm(total=plan.remaining, unit="key", desc="Rewrapping", file=sys.stderr) as bar:
                while count := rotation.rewrap_next_batch(plan, batch_size=options["batch_size"]):
                    rewrapped += count
                    bar.update(count)
            result = rotation.finish_kek_rotation(plan, rewrapped=rewrapped)
        except VaultError as error:
            raise CommandError(str(error)) from None
        record_event(
            actor=cli_actor(),
            event=EventType.KEK_ROTATED,
            detail={
                "to_version": result.to_version,
                "rewrapped": result.rewrapped,
                "resumed": int(result.resumed),
            },
        )
        resumed = " (resumed)" if result.resumed else ""
        self.stdout.write(
            f"KEK rotated{resumed}: version {result.to_version} now wraps every key; "
            f"{result.rewrapped} rewrapped in this run."
        )


def count(raw: str) -> int:
    # argparse names this function in its error: "invalid count value: '0'".
    value = int(raw)
    if value < 1:
        raise ValueError(raw)
    return value
