"""What `setup` and `restore` do for keyd on PostgreSQL: grant its role the columns its
policies read (a restore drops grants; a migration may add a table)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.management.base import CommandError
from django.db import DatabaseError

from corridor.vault.errors import InputRejected
from corridor.vault.keyd.grants import grant_keyd_reads

NO_ROLE = (
    "keyd's role {role} could not be granted its reads ({error}). Create it as the "
    'postgres user first (docs/operators.md, "The read-only database role"), then run '
    "`corridor setup --no-input`: it grants them and changes nothing else."
)


def grant_keyd_access(say: Callable[[str], object]) -> None:
    """Grant CORRIDOR_KEYD_DATABASE_ROLE its reads, if keyd is the provider and it is set."""
    role = settings.CORRIDOR_KEYD_DATABASE_ROLE
    if settings.CORRIDOR_KEY_PROVIDER != "keyd" or not role:
        return
    try:
        tables = grant_keyd_reads(role)
    except InputRejected as error:
        raise CommandError(str(error), returncode=2) from None
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "refused"
        raise CommandError(NO_ROLE.format(role=role, error=first_line)) from None
    if tables:
        say(f"keyd's role {role} may read the columns its policies need in {len(tables)} tables.")
