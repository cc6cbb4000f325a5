"""`corridor setup [--demo] [--no-input]`: prepare the database, the first admin and the
first two coordinators; idempotent.

The coordinators are made here, before anyone has signed in and before any case
exists, because afterwards no single person can give the coordinator role: an
administrator asks and a coordinator approves (docs/operators.md).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from corridor.accounts import selectors as account_selectors
from corridor.accounts import services as accounts
from corridor.accounts.roles import MIN_ACTIVE_COORDINATORS, Role
from corridor.core.actors import Actor, cli_actor
from corridor.core.commands import CorridorCommand
from corridor.core.exceptions import InvalidInput
from corridor.operations import demo
from corridor.operations.keyd_access import grant_keyd_access
from corridor.pathways import services as pathway_services
from corridor.pathways.catalog_files import read_catalog
from corridor.vault import file_modes, longlived
from corridor.vault.errors import VAULT_FAILURES
from corridor.vault.routers import migrated_apps

KEYD_ORDER = (
    "keyd must be running and unsealed (`corridor keyd`, then `corridor unseal`) before "
    "`corridor setup`; a new installation makes its KEK once, before both, with "
    "`corridor keys init` (never again over existing keys)."
)
DEMO_REFUSED = (
    "Demo data is only allowed with CORRIDOR_ENV=demo or CORRIDOR_ENV=development; "
    "this installation runs as '{mode}'."
)


class Command(CorridorCommand):
    help = "Migrate, create the secret key and a first admin; with --demo, add fictional demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="Add fictional demo data.")
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="Ask nothing: print a one-time password for the first admin.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"] and settings.CORRIDOR_ENV not in ("demo", "development"):
            raise CommandError(DEMO_REFUSED.format(mode=settings.CORRIDOR_ENV))
        settings.CORRIDOR_DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._close_data_dir()
        for alias in settings.DATABASES:
            call_command(
                "migrate", *migrated_apps(alias), database=alias, interactive=False, verbosity=0
            )
        grant_keyd_access(self.stdout.write)
        self._initialise_keys()
        accounts.ensure_role_groups()
        if not settings.WHITENOISE_USE_FINDERS:
            call_command("collectstatic", interactive=False, verbosity=0)
        actor = cli_actor()
        self._load_pathway_catalog(actor)
        if not account_selectors.admin_exists():
            # keyd's ledger takes the first account of an empty ledger from setup.
            self._create_first_admin(interactive=not options["no_input"], actor=actor)
        if options["demo"]:
            path = demo.create_demo_data(actor=actor, data_dir=settings.CORRIDOR_DATA_DIR)
            self.stdout.write(f"Demo logins: {path}")
        if account_selectors.count_active_coordinators() == 0:
            self._create_first_coordinators(interactive=not options["no_input"], actor=actor)
        self.stdout.write("Setup complete.")

    def _create_first_coordinators(self, *, interactive: bool, actor: Actor) -> None:
        """The bootstrap: MIN_ACTIVE_COORDINATORS coordinators, only on a new installation."""
        if not accounts.bootstrap_open():
            self.stderr.write(
                "No active coordinator, and this installation is already in use: an "
                "administrator asks for the role and a coordinator approves. If none is "
                "left, see 'The first coordinators (bootstrap)' in docs/operators.md."
            )
            return
        for number in range(1, MIN_ACTIVE_COORDINATORS + 1):
            default = f"coordinator-{number}"
            if interactive:
                self._create_interactively(
                    actor=actor,
                    prompt=f"Username for coordinator {number} [{default}]: ",
                    default=default,
                    roles=[Role.COORDINATOR],
                )
                continue
            password = accounts.temporary_password()
            _staff, code = accounts.create_staff_with_enrolment_code(
                actor=actor,
                username=default,
                password=password,
                roles=[Role.COORDINATOR],
                must_change_password=True,
            )
            self.stdout.write(
                f"Created the coordinator '{default}' with the one-time password {password} "
                f"(it must be changed at first login){_enrolment_note(code)}."
            )

    def _close_data_dir(self) -> None:
        """The data directory and its key files: the owner's only (others never, and the
        group only where keyd binds the web, worker and portal to users of one group)."""
        shared = settings.CORRIDOR_KEY_PROVIDER == "keyd" and any(
            settings.CORRIDOR_KEYD_CALLERS.values()
        )
        mask = file_modes.GROUP_SHARED if shared else file_modes.PRIVATE
        directory = Path(settings.CORRIDOR_DATA_DIR)
        for path in file_modes.tighten(directory, file_modes.DATA_DIR_FILES, mask=mask):
            self.stdout.write(f"Closed {path} to {'others' if shared else 'group and others'}.")

    def _load_pathway_catalog(self, actor: Actor) -> None:
        """The reviewed route catalog; a newer admin edit is kept and named, not overwritten."""
        try:
            pathway_services.load_catalog(
                actor=actor, entries=[item.entry for item in read_catalog()]
            )
        except pathway_services.NewerAdminEdit as kept:
            self.stderr.write(f"Pathway catalog not reloaded: {kept}")

    def _initialise_keys(self) -> None:
        try:
            longlived.initialise_keys()
        except VAULT_FAILURES as error:
            if settings.CORRIDOR_KEY_PROVIDER == "keyd":
                # The migrations above are kept; setup is idempotent, so it simply runs again.
                raise CommandError(f"Keys not initialised: {error} {KEYD_ORDER}") from None
            raise CommandError(str(error)) from None

    def _create_first_admin(self, *, interactive: bool, actor: Actor) -> None:
        if interactive:
            self._create_interactively(
                actor=actor,
                prompt="Username for the first administrator [admin]: ",
                default="admin",
                roles=[Role.ADMIN],
            )
            return
        password = accounts.temporary_password()
        _staff, code = accounts.create_staff_with_enrolment_code(
            actor=actor,
            username="admin",
            password=password,
            roles=[Role.ADMIN],
            must_change_password=True,
        )
        self.stdout.write(
            f"Created the administrator 'admin' with the one-time password {password} "
            f"(it must be changed at first login){_enrolment_note(code)}."
        )

    def _create_interactively(
        self, *, actor: Actor, prompt: str, default: str, roles: list[Role]
    ) -> None:
        username = input(prompt).strip() or default
        while True:
            password = getpass.getpass("Password (12 characters or more): ")
            if password != getpass.getpass("Password again: "):
                self.stderr.write("The two passwords differ; try again.")
                continue
            try:
                _staff, code = accounts.create_staff_with_enrolment_code(
                    actor=actor, username=username, password=password, roles=roles
                )
            except (ValidationError, InvalidInput) as error:
                messages = getattr(error, "messages", [str(error)])
                self.stderr.write(" ".join(messages))
                continue
            break
        self.stdout.write(
            f"Created '{username}' ({', '.join(r.value for r in roles)}){_enrolment_note(code)}."
        )


def _enrolment_note(code: str | None) -> str:
    """keyd's enrolment code for the first second factor, printed once with the password."""
    if not code:
        return ""
    return f"; enrolment code for the second factor {code} (once, within three days)"
