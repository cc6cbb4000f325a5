"""Copy one database to a file and back: SQLite's online backup API, or pg_dump/pg_restore.

A dumper knows one database alias. SQLite is copied page by page while it stays in
use; PostgreSQL goes through its own tools, which get the password in PGPASSWORD and
never on a command line another user could read in `ps`.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from django.db import connections

from corridor.vault.errors import BackupFailed, RestoreRefused

KEYSTORE_TABLE = "vault_kekversion"
DATA_TABLE = "django_migrations"
_TOOL_TIMEOUT = 6 * 60 * 60


class Dumper(Protocol):
    suffix: str

    def dump(self, target: Path) -> None: ...

    def contains_table(self, backup: Path, table: str) -> bool: ...

    def is_empty(self) -> bool: ...

    def restore(self, backup: Path) -> None: ...

    def clear(self) -> None: ...


def dumper_for(alias: str) -> Dumper:
    """The dumper for a database alias, by its engine."""
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return SqliteDumper(alias)
    return PostgresDumper(connection.settings_dict)


class SqliteDumper:
    suffix = ".sqlite3"

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.path = Path(connections[alias].settings_dict["NAME"])

    def dump(self, target: Path) -> None:
        connection = connections[self.alias]
        connection.ensure_connection()
        source: sqlite3.Connection = connection.connection
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            # One self-contained file: no -wal beside it in the backup folder.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()

    def contains_table(self, backup: Path, table: str) -> bool:
        try:
            with _read_only(backup) as database:
                found = database.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).fetchone()
        except sqlite3.DatabaseError:
            raise RestoreRefused(f"{backup.name} is not an SQLite backup.") from None
        return found is not None

    def is_empty(self) -> bool:
        return not self.path.exists() or self.path.stat().st_size == 0

    def restore(self, backup: Path) -> None:
        connections[self.alias].close()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            with _read_only(backup) as source:
                target = sqlite3.connect(self.path)
                try:
                    source.backup(target)
                finally:
                    target.close()
        except sqlite3.DatabaseError:
            # A page damaged past the header: SQLite notices only while copying it.
            raise RestoreRefused(f"{backup.name} is damaged (SQLite cannot read it).") from None

    def clear(self) -> None:
        connections[self.alias].close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


class PostgresDumper:
    suffix = ".pgdump"

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        self.settings = settings_dict

    def dump(self, target: Path) -> None:
        # Uncompressed, so a search of the backups for canaries sees what is really there.
        self._run(
            "pg_dump",
            "--format=custom",
            "--compress=0",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
        )

    def contains_table(self, backup: Path, table: str) -> bool:
        # `pg_restore --list` lines read "<ids>; <ids> TABLE public <name> <owner>".
        try:
            listing = self._run("pg_restore", "--list", str(backup))
        except BackupFailed as error:
            raise RestoreRefused(f"{backup.name} is not a PostgreSQL backup ({error})") from None
        return any(line.split()[-4:-1] == ["TABLE", "public", table] for line in listing)

    def is_empty(self) -> bool:
        rows = self._run(
            "psql",
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "--command",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        )
        return rows[:1] == ["0"]

    def restore(self, backup: Path) -> None:
        self._run(
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={self.settings['NAME']}",
            str(backup),
        )

    def clear(self) -> None:
        # Only ever called on a database that restore() found empty and then filled.
        self._run(
            "psql",
            "--no-psqlrc",
            "--quiet",
            "--command",
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
        )

    def _run(self, tool: str, *arguments: str) -> list[str]:
        try:
            result = subprocess.run(  # noqa: S603 - a fixed tool, arguments built here
                [postgres_tool(tool), *arguments],
                env=connection_env(self.settings),
                capture_output=True,
                text=True,
                timeout=_TOOL_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BackupFailed(f"{tool} could not run ({type(error).__name__}).") from None
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1][:200]
            raise BackupFailed(f"{tool} failed (exit {result.returncode}): {last}")
        return result.stdout.splitlines()


def postgres_tool(name: str) -> str:
    """A PostgreSQL client tool: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise BackupFailed(f"{name} is not installed (apt-get install postgresql-client).")
    return candidates[-1]


def connection_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The libpq environment for one database; nothing of the caller's environment but PATH."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
    return env


@contextmanager
def _read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """Open an SQLite file for reading only, so a bad backup is never modified or created."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        yield connection
    finally:
        connection.close()
