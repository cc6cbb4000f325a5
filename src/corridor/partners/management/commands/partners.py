"""`corridor partners add | list | remove | whoami`: the organisations directory from the terminal.

    corridor partners whoami        our keys, address and fingerprint (words and digits)
    corridor partners list          the directory, one organisation a line
    corridor partners add NAME --kind KIND --country CC [--referrer-code CODE]
                         [--reach TEXT] [--witness] [--keeper-url URL]
                         [--keys FILE --proposed-by USERNAME]
    corridor partners remove ORG    by id, referrer code or exact name

`--keys FILE` reads what the partner's `whoami` printed and proposes those keys in the
name of the coordinator `--proposed-by`: nothing is trusted until a second
coordinator compares the fingerprint with the partner and approves it on the
directory page. For an organisation already in the directory, `add` with `--keys`
proposes a key change. Exit 2 and a sentence for bad input; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from corridor.accounts.models import Staff
from corridor.core.actors import cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import CorridorError
from corridor.core.inputs import InputRefused, read_input_text
from corridor.partners import selectors, services
from corridor.partners.fingerprints import as_digits, as_words, fingerprint
from corridor.partners.identity import our_identity, read_identity
from corridor.partners.models import OrganisationKind

UNUSABLE = 2
KEYS_FILE_LIMIT = 4096


class Command(CorridorCommand):
    help = "The organisations directory: add, list, remove, and print our own keys."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("whoami", help="Print our keys, address and fingerprint.")
        actions.add_parser("list", help="List the organisations in the directory.")
        add = actions.add_parser("add", help="Add an organisation (and propose its keys).")
        add.add_argument("name")
        add.add_argument("--kind", choices=OrganisationKind.values, default="")
        add.add_argument("--country", default="", metavar="CC")
        add.add_argument("--referrer-code", default="", metavar="CODE")
        add.add_argument("--reach", default="", help="Their own way in: website, office.")
        add.add_argument("--witness", action="store_true", help="Send our tree heads to them.")
        add.add_argument("--keeper-url", default="", metavar="URL")
        add.add_argument("--keys", metavar="FILE", help="What their `partners whoami` printed.")
        add.add_argument("--proposed-by", metavar="USERNAME", default="")
        remove = actions.add_parser("remove", help="Take an organisation out of the directory.")
        remove.add_argument("organisation", metavar="ORG")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except CorridorError as problem:
            raise CommandError(str(problem), returncode=UNUSABLE) from None

    def _whoami(self, options: dict[str, Any]) -> None:
        for line in our_identity().lines():
            self.stdout.write(line)

    def _list(self, options: dict[str, Any]) -> None:
        for organisation in selectors.list_organisations():
            keys = (
                "keys "
                + fingerprint(
                    bytes(organisation.signing_key or b""),
                    bytes(organisation.encryption_key or b""),
                )[:16]
                if organisation.runs_corridor
                else "no keys"
            )
            witness = " witness" if organisation.witnesses_our_heads else ""
            self.stdout.write(
                f"{organisation.pk} {organisation.kind} {organisation.country} "
                f"{organisation.referrer_code or '-'} {keys}{witness} {organisation.name}"
            )

    def _add(self, options: dict[str, Any]) -> None:
        keys = self._read_keys(options["keys"]) if options["keys"] else None
        proposer = self._proposer(options["proposed_by"]) if keys else None
        with transaction.atomic():
            organisation = selectors.find_organisation(options["name"])
            if organisation is None:
                organisation = services.add_organisation(
                    actor=cli_actor(),
                    name=options["name"],
                    kind=options["kind"],
                    country=options["country"],
                    referrer_code=options["referrer_code"],
                    reach=options["reach"],
                    witnesses_our_heads=options["witness"],
                    keeper_url=options["keeper_url"],
                )
                self.stdout.write(f"added {organisation.pk} {organisation.name}")
            elif keys is None:
                raise CommandError(
                    f"{organisation.name} is already in the directory.", returncode=UNUSABLE
                )
            if keys is not None and proposer is not None:
                proposal = services.propose_keys(
                    actor=cli_actor(),
                    proposer=proposer,
                    organisation_id=organisation.pk,
                    signing_key=keys[0],
                    encryption_key=keys[1],
                    corridor_url=keys[2],
                )
                self.stdout.write(f"keys proposed {proposal.pk}")
                self.stdout.write(f"words: {' '.join(as_words(proposal.fingerprint))}")
                self.stdout.write(f"digits: {' '.join(as_digits(proposal.fingerprint))}")
                self.stdout.write(
                    "A second coordinator must compare the fingerprint with the organisation "
                    "and approve it on the directory page."
                )

    def _remove(self, options: dict[str, Any]) -> None:
        organisation = selectors.find_organisation(options["organisation"])
        if organisation is None:
            raise CommandError(str(services.NO_SUCH_ORGANISATION), returncode=UNUSABLE)
        services.remove_organisation(actor=cli_actor(), organisation_id=organisation.pk)
        self.stdout.write(f"removed {organisation.pk} {organisation.name}")

    @staticmethod
    def _read_keys(path: str) -> tuple[bytes, bytes, str]:
        try:
            return read_identity(read_input_text(Path(path), limit=KEYS_FILE_LIMIT))
        except InputRefused as error:
            raise CommandError(
                f"cannot read the keys file {path}: it {error.problem}.", returncode=UNUSABLE
            ) from None
        except ValueError as error:
            raise CommandError(
                f"cannot read the keys file {path}: {error}.", returncode=UNUSABLE
            ) from None

    @staticmethod
    def _proposer(username: str) -> Staff:
        if not username:
            raise CommandError(
                "--keys needs --proposed-by USERNAME: the coordinator who answers for them.",
                returncode=UNUSABLE,
            )
        staff = Staff.objects.filter(username=username, is_active=True).first()
        if staff is None:
            raise CommandError(f"there is no active account {username!r}.", returncode=UNUSABLE)
        return staff
