"""keyd's read access to the data database on PostgreSQL, granted by the web's user.

keyd reads a few columns through its own role (docs/operators.md, "The read-only
database role"). The superuser creates that role once; the tables belong to the web's
user, who grants the columns the registered policies read (`policy.keyd_reads`). A
`pg_restore --no-privileges` drops those grants, and a migration may add a table, so
`corridor setup` and `corridor restore` grant them again: without them keyd refuses
every case ("keyd could not check who may have this key").

    grant_keyd_reads("corridor-keyd")     # -> the tables granted; nothing on SQLite
"""

from __future__ import annotations

import re

from django.db import connections

from corridor.vault.errors import InputRejected
from corridor.vault.keyd.policy import keyd_reads

# A PostgreSQL role name as an operator writes it; anything else is refused, not quoted.
_ROLE = re.compile(r"[a-z_][a-z0-9_-]{0,62}")


def grant_keyd_reads(role: str, *, database: str = "default") -> list[str]:
    """GRANT keyd's role CONNECT, USAGE on the schema, and SELECT on exactly the columns
    its policies read. Returns the tables granted ([] on SQLite, which has no roles)."""
    if not _ROLE.fullmatch(role):
        raise InputRejected(f"{role!r} is not a PostgreSQL role name keyd can use.")
    connection = connections[database]
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(connection.settings_dict['NAME'])} TO {quote(role)}",
        f"GRANT USAGE ON SCHEMA public TO {quote(role)}",
    ]
    reads = keyd_reads()
    for table, columns in reads.items():
        names = ", ".join(quote(column) for column in columns)
        statements.append(f"GRANT SELECT ({names}) ON {quote(table)} TO {quote(role)}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return list(reads)
