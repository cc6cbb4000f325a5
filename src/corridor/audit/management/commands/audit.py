"""`corridor audit head | verify | prove | export`: the tamper-evident log from the terminal.

    corridor audit head                         sign and store a tree head; print it
    corridor audit verify [--head FILE ...] [--pinned-key FILE]
                                                exit 0 verified, 1 FAIL line, 2 unusable input
                                                (also checks every sealed value is the latest
                                                the log recorded for its row and field)
    corridor audit verify --witnesses            also fetch the heads partner Corridors hold
                                                for us and check the log against them
    corridor audit witness                      sign a head and send it to every witness;
                                                exit 1 if any refused or could not be reached
    corridor audit prove --from-size N [--to-size M]
    corridor audit export --since YYYY-MM-DD --format jsonl

Thin over the audit services and selectors; `head` and `export` record their
own events as `system:cli:<os user>`.
"""

from __future__ import annotations

import argparse
import base64
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError

from corridor.audit import selectors, services
from corridor.audit.heads import HeadMalformed, SignedHead, parse_heads
from corridor.audit.keyd_log import check_keyd_log
from corridor.audit.sealed_digests import verify_sealed_values
from corridor.audit.signatures import pinned_check, read_pinned_key
from corridor.audit.verification import verify_log
from corridor.audit.witnesses import witness_network
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.inputs import InputRefused, read_input_text
from corridor.vault.errors import VaultError

UNUSABLE = 2
DATABASE_UNREADABLE = "cannot read the audit log or the signing keys ({error})."
HEAD_FILE_UNREADABLE = "cannot read the head file {path}: {problem}."
PINNED_KEY_UNREADABLE = "cannot read the pinned key file {path}: {problem}."
PINNED_KEY_LIMIT = 4096
KEYD_LOG_UNREADABLE = "cannot read keyd's log {path} ({error})."
SIZES_INVALID = "sizes must satisfy 1 <= --from-size <= --to-size <= {size} (the log's size)."
DATE_INVALID = "--since takes a date as YYYY-MM-DD."
# A witness appends a head every 15 minutes: about 8 MB of JSON lines in ten years.
HEAD_FILE_LIMIT = 64 * 1024 * 1024


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(DATE_INVALID) from None


class Command(CorridorCommand):
    help = "Sign, verify, prove and export the append-only audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("head", help="Sign a tree head over the whole log and print it.")
        verify = actions.add_parser("verify", help="Recompute every leaf and check every head.")
        verify.add_argument(
            "--head",
            dest="heads",
            action="append",
            default=[],
            metavar="FILE",
            help="A head kept off-host (JSON, a JSON list or JSON lines); may repeat.",
        )
        verify.add_argument(
            "--pinned-key",
            metavar="FILE",
            help="The audit head key `keys init` printed, kept by the trustees: a head "
            "signed by any other key fails.",
        )
        verify.add_argument(
            "--keyd-log",
            metavar="FILE",
            help="keyd's log: its chain, and every line the audit log recorded, must match.",
        )
        verify.add_argument(
            "--witnesses",
            action="store_true",
            help="Fetch the heads partner Corridors hold for us and check the log against them.",
        )
        actions.add_parser("witness", help="Sign a head and send it to every witness.")
        prove = actions.add_parser("prove", help="Print a consistency proof between two sizes.")
        prove.add_argument("--from-size", type=int, required=True)
        prove.add_argument("--to-size", type=int, help="Default: the log's current size.")
        export = actions.add_parser("export", help="Print canonical leaves, one per line.")
        export.add_argument("--since", type=_date, required=True, metavar="YYYY-MM-DD")
        export.add_argument("--format", choices=["jsonl"], default="jsonl")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (DatabaseError, VaultError) as error:
            # A KeyFailure goes on to CorridorCommand: audited, alerted, exit 3.
            # The class name only: a driver's message can quote the values it choked on.
            raise CommandError(
                DATABASE_UNREADABLE.format(error=type(error).__name__), returncode=UNUSABLE
            ) from None

    def _head(self, options: dict[str, Any]) -> None:
        head = services.sign_tree_head(actor=cli_actor())
        self.stdout.write(head.to_line())

    def _witness(self, options: dict[str, Any]) -> None:
        head = services.sign_tree_head(actor=cli_actor())
        self.stdout.write(head.to_line())
        outcomes = witness_network().send(head)
        for outcome in outcomes:
            self.stdout.write(outcome.line())
        if not outcomes:
            self.stdout.write("no witness configured: `corridor partners add … --witness`")
        if any(outcome.status != "kept" for outcome in outcomes):
            raise SystemExit(1)

    def _verify(self, options: dict[str, Any]) -> None:
        given = [head for path in options["heads"] for head in _read_heads(Path(path))]
        if options["witnesses"]:
            held, problems = witness_network().held()
            for problem in problems:
                self.stdout.write(f"FAIL {problem.line()}")
            if problems:
                raise SystemExit(1)
            for item in held:
                self.stdout.write(f"witness {item.witness}: holds a head at {item.head.tree_size}")
            given += [item.head for item in held]
        if options["pinned_key"]:
            check = pinned_check(_read_pinned_key(Path(options["pinned_key"])))
            result = verify_log(given_heads=given, check_signature=check)
        else:
            result = verify_log(given_heads=given)
        self.stdout.write(result.line())
        if result.failure is not None:
            raise SystemExit(1)
        # The log verified, so it is the reference for every sealed value's latest digest.
        stale = verify_sealed_values()
        for failure in stale:
            self.stdout.write(failure.line())
        if stale:
            raise SystemExit(1)
        if options["keyd_log"]:
            self._verify_keyd_log(Path(options["keyd_log"]))

    def _verify_keyd_log(self, path: Path) -> None:
        try:
            checked = check_keyd_log(path)
        except OSError as error:
            raise CommandError(
                KEYD_LOG_UNREADABLE.format(path=path, error=type(error).__name__),
                returncode=UNUSABLE,
            ) from None
        if not checked.ok:
            self.stdout.write(f"FAIL keyd_line={checked.bad_line} reason={checked.problem}")
            raise SystemExit(1)
        self.stdout.write(f"keyd log verified: {checked.lines} lines, head {checked.head}")

    def _prove(self, options: dict[str, Any]) -> None:
        size = selectors.count_events()
        to_size = size if options["to_size"] is None else options["to_size"]
        if not 1 <= options["from_size"] <= to_size <= size:
            raise CommandError(SIZES_INVALID.format(size=size), returncode=UNUSABLE)
        proof = selectors.get_consistency_proof(size1=options["from_size"], size2=to_size)
        self.stdout.write(
            json.dumps(
                {
                    "size1": proof.size1,
                    "size2": proof.size2,
                    "root1": _b64(proof.root1),
                    "root2": _b64(proof.root2),
                    "proof": [_b64(node) for node in proof.proof],
                }
            )
        )

    def _export(self, options: dict[str, Any]) -> None:
        services.export_log(actor=cli_actor(), since=options["since"], write=self.stdout.write)


def _read_heads(path: Path) -> list[SignedHead]:
    try:
        return parse_heads(read_input_text(path, limit=HEAD_FILE_LIMIT))
    except InputRefused as error:
        raise CommandError(
            HEAD_FILE_UNREADABLE.format(path=path, problem=f"it {error.problem}"),
            returncode=UNUSABLE,
        ) from None
    except HeadMalformed as error:
        raise CommandError(
            HEAD_FILE_UNREADABLE.format(path=path, problem=error), returncode=UNUSABLE
        ) from None


def _read_pinned_key(path: Path) -> bytes:
    try:
        return read_pinned_key(read_input_text(path, limit=PINNED_KEY_LIMIT))
    except InputRefused as error:
        raise CommandError(
            PINNED_KEY_UNREADABLE.format(path=path, problem=f"it {error.problem}"),
            returncode=UNUSABLE,
        ) from None
    except ValueError as error:
        raise CommandError(
            PINNED_KEY_UNREADABLE.format(path=path, problem=error), returncode=UNUSABLE
        ) from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
