"""`corridor pathways list|match|load|export|lint|publisher-key|import`: the catalog and the
matcher from a terminal, and the signed feed one organisation publishes for others.

Thin: parse arguments, read files, call selectors and services, print. Exit
codes: 0 done, 1 the catalog or the database refused (and lint found errors),
2 bad input (facts, or catalog files that cannot be read or do not validate).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import translation

from corridor.accounts.approvals import ApprovalProblem
from corridor.accounts.models import Approval, Staff
from corridor.cases.models import Case
from corridor.core import clock
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import CorridorError, NotFound
from corridor.core.ids import normalise_reference
from corridor.core.inputs import InputRefused, read_input_text
from corridor.pathways import feed_import, selectors, services
from corridor.pathways.access import access_case_facts
from corridor.pathways.catalog_files import (
    CATALOG_DIR,
    CatalogFile,
    CatalogInvalid,
    read_catalog,
    read_meta,
)
from corridor.pathways.facts import Facts, FactsInvalid, facts_from_json_text
from corridor.pathways.feed import (
    Feed,
    FeedRefused,
    feed_changes,
    meta_changes,
    read_feed,
    write_feed,
)
from corridor.pathways.lint import Level, entry_facts, fact_age_days, lint_catalog
from corridor.pathways.matching import Matcher
from corridor.pathways.presentation import LANGUAGES, results_json, word
from corridor.pathways.ranking import DEFAULT_TARGET_DAYS, RankingInputs
from corridor.pathways.rules import Catalog
from corridor.pathways.schema import (
    NOT_VERIFIED,
    CatalogMeta,
    Evidence,
    Route,
    Transit,
    entry_content,
)
from corridor.pathways.vocabulary import Urgency
from corridor.vault.errors import InputRejected
from corridor.vault.publisher import PublisherKey, parse_key_hex

BAD_INPUT = 2
FACTS_SUBJECT = "--facts {name}"
KEY_FILE_LIMIT = 4096  # a key file is one line of hex
# A whole catalog of sixty routes is a few hundred kilobytes; the feed carries it as a string.
FEED_LIMIT = 8 * 1024 * 1024


class Command(CorridorCommand):
    help = "The pathway catalog: list it, match facts against it, load, export and lint it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="The catalog in force.")
        listing.add_argument("--json", action="store_true", help="Print the entries as JSON.")
        match = actions.add_parser(
            "match", help="Every route and plan for a case, or for one person's facts."
        )
        match.add_argument("case_ref", nargs="?", metavar="CASE_REF", help="A case reference.")
        match.add_argument("--facts", metavar="FILE", help="A JSON file of facts, or - for stdin.")
        match.add_argument("--json", action="store_true", help="Print one JSON array.")
        match.add_argument("--lang", choices=LANGUAGES, default="en")
        load = actions.add_parser("load", help="Version the catalog files into the database.")
        load.add_argument(
            "--force", action="store_true", help="Replace admin edits the files do not have."
        )
        export = actions.add_parser(
            "export",
            help="Write admin edits back to the files; with --sign, the catalog as a signed feed.",
        )
        export.add_argument(
            "--sign", action="store_true", help="Write the catalog in force as a signed feed."
        )
        export.add_argument(
            "--key", type=Path, metavar="FILE", help="With --sign: the publisher's private key."
        )
        export.add_argument(
            "--out", metavar="FILE", default="-", help="With --sign: where to write (- stdout)."
        )
        keys = actions.add_parser(
            "publisher-key", help="Make the key this organisation signs its route feed with."
        )
        keys.add_argument(
            "--new",
            type=Path,
            required=True,
            metavar="FILE",
            help="Private key file to create (FILE.pub gets the public key to share).",
        )
        importing = actions.add_parser(
            "import",
            help="Verify a signed route feed, show what it changes, and ask for (or use) a"
            " second coordinator's approval to apply it.",
        )
        importing.add_argument("feed", metavar="FEED", help="The feed file, or - for stdin.")
        importing.add_argument(
            "--publisher", required=True, metavar="KEY", help="The publisher key you trust."
        )
        who = importing.add_mutually_exclusive_group(required=True)
        # An approval is asked for by a person: the coordinator the operator acts for.
        who.add_argument("--as", dest="username", help="The coordinator who asks to apply it.")
        who.add_argument("--approval", metavar="ID", help="A granted import approval: apply.")
        lint = actions.add_parser(
            "lint", help="Check the catalog files; ages against the catalog's as_of date (CI)."
        )
        lint.add_argument(
            "--today", action="store_true", help="Judge ages against today instead (operators)."
        )
        for sub in (load, export, lint):
            sub.add_argument("--dir", type=Path, default=CATALOG_DIR, help="The catalog folder.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            self._list(as_json=options["json"])
        elif action == "match":
            self._match(
                options["facts"], options["case_ref"], as_json=options["json"], lang=options["lang"]
            )
        elif action == "load":
            self._load(options["dir"], force=options["force"])
        elif action == "export" and options["sign"]:
            self._export_feed(options["key"], options["out"], options["dir"])
        elif action == "export":
            self._export(options["dir"])
        elif action == "publisher-key":
            self._new_publisher_key(options["new"])
        elif action == "import":
            self._import(
                options["feed"], options["publisher"], options["username"], options["approval"]
            )
        else:
            self._lint(options["dir"], today=options["today"])

    def _list(self, *, as_json: bool) -> None:
        entries = _current_entries()
        if as_json:
            self.stdout.write(
                json.dumps([entry_content(e) for e in entries], ensure_ascii=False, indent=2)
            )
            return
        today = clock.today()
        for entry in entries:
            status = entry.status.value if isinstance(entry, Route) else "-"
            self.stdout.write(
                f"{entry.id:32} {entry.kind:8} {entry.country} {status:10} {entry.name.en}"
            )
            # Each fact's age (days since someone verified it) and where it comes from.
            for fact in entry_facts(entry):
                age = fact_age_days(fact.source, on=today)
                if age is None or not isinstance(fact.source, Evidence):
                    self.stdout.write(f"    {fact.name:24} {NOT_VERIFIED}")
                    continue
                self.stdout.write(
                    f"    {fact.name:24} {age:5} days old  verified {fact.source.verified}  "
                    f"speaks for {fact.source.speaks_for or '?'}  {fact.source.source}"
                )

    def _match(self, source: str | None, case_ref: str | None, *, as_json: bool, lang: str) -> None:
        if (source is None) == (case_ref is None):
            raise CommandError("Give a case reference or --facts, not both.", returncode=BAD_INPUT)
        try:
            facts = (
                _case_facts(case_ref)
                if case_ref
                else facts_from_json_text(_read_facts(source or "-"))
            )
        except FactsInvalid as error:
            raise CommandError(f"facts: {error}", returncode=BAD_INPUT) from None
        catalog = _current_catalog()
        inputs = RankingInputs(target_days=_target_days())
        results = Matcher(catalog, today=clock.today(), inputs=inputs).match(facts)
        shown = results_json(results, lang=lang)
        if as_json:
            self.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2))
            return
        for number, (result, shown_result) in enumerate(zip(results, shown, strict=True), 1):
            # An open result's line explains its rank; a closed one's says what closes it.
            reason = result.reasons[0] if result.is_open else result.reasons[1]
            names = " + ".join(str(name) for name in shown_result["names"])  # type: ignore[attr-defined]
            with translation.override(lang):
                why = word(reason, lang)
            self.stdout.write(f"{number:3}. [{result.verdict.value}] {names}: {why}")

    def _load(self, directory: Path, *, force: bool) -> None:
        files = _read_files(directory)
        try:
            report = services.load_catalog(
                actor=cli_actor(), entries=[item.entry for item in files], force=force
            )
        except services.NewerAdminEdit as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Loaded {len(report.loaded)} new versions; {len(report.unchanged)} unchanged."
        )
        for entry_id in report.replaced_admin_edits:
            self.stdout.write(f"Replaced the admin edit of {entry_id} with the file.")
        for entry_id in report.not_in_files:
            self.stdout.write(f"Kept {entry_id}: it is in the database but in no file.")
        for case in report.affected:
            self.stdout.write(
                f"{case.ref}: {case.what} on {case.route_id}; its caseworkers were alerted."
            )

    def _export(self, directory: Path) -> None:
        report = services.export_admin_edits(actor=cli_actor(), directory=directory)
        for path in report.written:
            self.stdout.write(f"Wrote {path}")
        self.stdout.write(f"Exported {len(report.written)} admin edits.")

    def _new_publisher_key(self, path: Path) -> None:
        key = PublisherKey()
        public_path = path.with_name(path.name + ".pub")
        try:
            # Created owner-only and never over an existing key: losing a publisher key means
            # every organisation must pin a new one.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(
                f"{path} exists already; choose another file.", returncode=BAD_INPUT
            ) from None
        except OSError as error:
            raise CommandError(
                f"{path} cannot be created ({error.strerror}).", returncode=BAD_INPUT
            ) from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.secret_hex + "\n")
        public_path.write_text(key.public_hex + "\n", encoding="ascii")
        self.stdout.write(
            f"Wrote the private key to {path} (keep it offline) and the public key to"
            f" {public_path} (give it to the organisations that import your feed)."
            f"\nFingerprint: {key.fingerprint}"
        )

    def _export_feed(self, key_path: Path | None, out: str, directory: Path) -> None:
        if key_path is None:
            raise CommandError(
                "--sign needs --key FILE, the publisher's private key.", returncode=BAD_INPUT
            )
        secret = _read_key(str(key_path), "The private key file")
        try:
            meta = read_meta(directory)  # the as_of date and exit risks travel with the routes
        except CatalogInvalid as error:
            raise CommandError(
                "The catalog files are invalid:\n" + str(error), returncode=BAD_INPUT
            ) from None
        text = write_feed(_current_entries(), secret=secret, published_on=clock.today(), meta=meta)
        if out == "-":
            self.stdout.write(text)
            return
        Path(out).write_text(text + "\n", encoding="utf-8")
        self.stdout.write(f"Wrote the signed feed to {out}.")

    def _import(
        self, source: str, publisher: str, username: str | None, approval_id: str | None
    ) -> None:
        trusted = _read_key(publisher, "The publisher key file")
        subject = "The feed " + ("(stdin)" if source == "-" else source)
        try:
            feed = read_feed(read_input_text(source, limit=FEED_LIMIT), trusted=trusted)
        except (InputRefused, FeedRefused) as refused:
            raise CommandError(refused.sentence(subject), returncode=BAD_INPUT) from None
        if approval_id is None:
            self._show_changes(feed)
            self._ask_import(feed, username or "")
        else:
            self._apply(feed, approval_id)

    def _show_changes(self, feed: Feed) -> None:
        try:
            current = selectors.list_current_entries()
        except NotFound:
            current = []
        changes, only_here = feed_changes(feed, current)
        as_of = f", as of {feed.as_of.isoformat()}" if feed.as_of else ""
        self.stdout.write(
            f"Feed published {feed.published_on}{as_of} by key {feed.publisher[:16]}:"
            f" {len(feed.entries)} entries, {len(changes)} would change;"
            f" {len(feed.exit_risks)} exit risks."
        )
        try:
            mine: CatalogMeta | None = read_meta()
        except CatalogInvalid:
            mine = None
        for line in meta_changes(feed, mine):
            self.stdout.write(f"  (catalog): {line}")
        for change in changes:
            for line in change.lines:
                self.stdout.write(f"  {change.entry_id}: {line}")
        for entry_id in only_here:
            self.stdout.write(f"  {entry_id}: not in the feed; kept as it is")
        self.stdout.write("Your pauses and route notes are kept whatever the feed says.")

    def _ask_import(self, feed: Feed, username: str) -> None:
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"No active account {username!r}.", returncode=BAD_INPUT)
        try:
            approval = feed_import.request_feed_import(actor=staff, feed=feed)
        except CorridorError as problem:
            raise CommandError(str(problem), returncode=1) from None
        self.stdout.write(
            f"Asked to apply this feed: approval {approval.pk}. Another coordinator grants it"
            " under Approvals; then run the same command with"
            f" --approval {approval.pk} instead of --as."
        )

    def _apply(self, feed: Feed, approval_id: str) -> None:
        key = _uuid_or_none(approval_id)
        approval = Approval.objects.filter(pk=key).first() if key else None
        if approval is None:
            raise CommandError("No such approval.", returncode=BAD_INPUT)
        try:
            report = feed_import.apply_feed(
                actor=cli_actor(),
                requester=approval.requested_by,
                feed=feed,
                approval_id=str(approval.pk),
            )
        except (ApprovalProblem, CorridorError) as problem:
            raise CommandError(str(problem), returncode=1) from None
        self.stdout.write(
            f"Applied the feed: {len(report.loaded)} new versions;"
            f" {len(report.unchanged)} unchanged."
        )
        for case in report.affected:
            self.stdout.write(
                f"  {case.ref}: {case.what} on {case.route_id}; its caseworkers were alerted"
            )

    def _lint(self, directory: Path, *, today: bool) -> None:
        files = _read_files(directory)
        try:
            meta = read_meta(directory)
        except CatalogInvalid as error:
            raise CommandError(
                "The catalog files are invalid:\n" + str(error), returncode=BAD_INPUT
            ) from None
        findings = lint_catalog(files, meta=meta, today=clock.today() if today else None)
        for finding in findings:
            self.stdout.write(str(finding))
        errors = sum(1 for finding in findings if finding.level is Level.ERROR)
        if errors:
            raise CommandError(f"{errors} catalog errors.")
        on = "today" if today else f"as of {meta.as_of}"
        self.stdout.write(f"{len(files)} entries checked ({on}): no errors.")


def _read_facts(source: str) -> str:
    try:
        return read_input_text(source)
    except InputRefused as error:
        subject = FACTS_SUBJECT.format(name="(stdin)" if source == "-" else source)
        raise CommandError(error.sentence(subject), returncode=BAD_INPUT) from None


def _read_key(source: str, subject: str) -> bytes:
    try:
        return parse_key_hex(read_input_text(source, limit=KEY_FILE_LIMIT))
    except InputRefused as error:
        raise CommandError(error.sentence(f"{subject} {source}"), returncode=BAD_INPUT) from None
    except InputRejected as error:
        raise CommandError(f"{subject} {source}: {error}", returncode=BAD_INPUT) from None


def _uuid_or_none(raw: str) -> str | None:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def _read_files(directory: Path) -> list[CatalogFile]:
    try:
        return read_catalog(directory)
    except CatalogInvalid as error:
        raise CommandError(
            "The catalog files are invalid:\n" + str(error), returncode=BAD_INPUT
        ) from None


def _case_facts(raw_ref: str) -> Facts:
    """The facts of a case, opened for the operator running the command (audited)."""
    ref = normalise_reference("CR", raw_ref)
    case = Case.objects.filter(ref=ref, erased_at__isnull=True).first() if ref else None
    if case is None:
        raise CommandError(f"No case {raw_ref!r}.", returncode=BAD_INPUT)
    return access_case_facts(cli_actor(), case)


def _current_entries() -> list[Route | Transit]:
    try:
        return selectors.list_current_entries()
    except NotFound as error:
        raise CommandError(str(error)) from None


def _current_catalog() -> Catalog:
    try:
        return selectors.get_current_catalog()
    except NotFound as error:
        raise CommandError(str(error)) from None


def _target_days() -> dict[Urgency, int]:
    """Targets from CORRIDOR_PATHWAY_TARGET_DAYS ({"emergency": 7, …}) over the defaults."""
    configured = getattr(settings, "CORRIDOR_PATHWAY_TARGET_DAYS", {})
    targets = dict(DEFAULT_TARGET_DAYS)
    for name, days in configured.items():
        targets[Urgency(name)] = int(days)
    return targets
