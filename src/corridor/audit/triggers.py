"""Database triggers that make the event and tree-head tables append-only.

Defends against an operator or a compromised process with a SQL prompt quietly
rewriting or removing history: UPDATE, DELETE (and TRUNCATE on PostgreSQL) fail
whatever issues them. Someone who drops the triggers first can still tamper;
`corridor audit verify` and the signed heads catch that.

The migrations install these. On SQLite a table rebuild (any AlterField on
these tables) drops a table's triggers silently: such a migration must call
`install_append_only_triggers` again, and a test checks they exist after all
migrations. These statements are released: change them only through a new
migration that drops the old triggers first.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from corridor.core.exceptions import CorridorError

APPEND_ONLY_TABLES = ("audit_entry", "audit_tree_head")

_SQLITE_CREATE = (
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_tree_head_no_update BEFORE UPDATE ON audit_tree_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_tree_head is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_tree_head_no_delete BEFORE DELETE ON audit_tree_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_tree_head is append-only'); END",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    "DROP TRIGGER IF EXISTS audit_tree_head_no_update",
    "DROP TRIGGER IF EXISTS audit_tree_head_no_delete",
)

# Statement-level, so even an UPDATE or DELETE that matches no row is refused,
# and TRUNCATE (which fires no row triggers) is covered. restrict_violation
# (SQLSTATE 23001) reaches Django as IntegrityError, as SQLite's RAISE(ABORT) does.
_POSTGRES_CREATE = (
    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; "
    "END $$",
    "CREATE OR REPLACE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    "CREATE OR REPLACE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    "CREATE OR REPLACE TRIGGER audit_tree_head_no_change BEFORE UPDATE OR DELETE "
    "ON audit_tree_head FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
    "CREATE OR REPLACE TRIGGER audit_tree_head_no_truncate BEFORE TRUNCATE ON audit_tree_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
)
_POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
    "DROP TRIGGER IF EXISTS audit_tree_head_no_change ON audit_tree_head",
    "DROP TRIGGER IF EXISTS audit_tree_head_no_truncate ON audit_tree_head",
)

_STATEMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sqlite": (_SQLITE_CREATE, _SQLITE_DROP),
    "postgresql": (_POSTGRES_CREATE, _POSTGRES_DROP),
}

# The trigger names each database must have, for the test that checks them.
TRIGGER_NAMES = {
    "sqlite": frozenset(
        {
            "audit_entry_no_update",
            "audit_entry_no_delete",
            "audit_tree_head_no_update",
            "audit_tree_head_no_delete",
        }
    ),
    "postgresql": frozenset(
        {
            "audit_entry_no_change",
            "audit_entry_no_truncate",
            "audit_tree_head_no_change",
            "audit_tree_head_no_truncate",
        }
    ),
}


class DatabaseNotSupported(CorridorError):
    """The audit log's append-only triggers exist for SQLite and PostgreSQL only."""


def install_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers on `connection`; running it twice changes nothing."""
    _run(connection, _statements(connection)[0])


def missing_append_only_triggers(connection: BaseDatabaseWrapper) -> frozenset[str]:
    """The append-only triggers `connection`'s database lacks (none when it is protected)."""
    wanted = TRIGGER_NAMES.get(connection.vendor)
    if wanted is None:
        _statements(connection)  # raises DatabaseNotSupported
        return frozenset()
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if connection.vendor == "sqlite"
        else "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        present = {str(row[0]) for row in cursor.fetchall()}
    return frozenset(wanted - present)


def drop_append_only_triggers(connection: BaseDatabaseWrapper) -> None:
    """Remove the triggers; only migrations and the test suite's flush may call this."""
    _run(connection, _statements(connection)[1])


def _statements(connection: BaseDatabaseWrapper) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        return _STATEMENTS[connection.vendor]
    except KeyError:
        raise DatabaseNotSupported(
            f"The audit log needs SQLite or PostgreSQL, not {connection.vendor}."
        ) from None


def _run(connection: BaseDatabaseWrapper, statements: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
