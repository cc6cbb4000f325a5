"""C20(a): the database is configured to keep every acknowledged commit."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def setting(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return str(cursor.fetchone()[0]).lower()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas")
def test_sqlite_uses_wal_full_sync_and_secure_delete():
    """SQLite runs in WAL mode with synchronous=FULL and overwrites deleted content."""
    connection.ensure_connection()
    assert setting("PRAGMA synchronous") == "2"  # FULL
    assert setting("PRAGMA secure_delete") == "1"


@pytest.mark.postgres
def test_postgres_durability_settings_are_on():
    """fsync, synchronous_commit, full_page_writes and data checksums are all on."""
    assert [
        setting(f"SHOW {name}")
        for name in ("fsync", "synchronous_commit", "full_page_writes", "data_checksums")
    ] == ["on", "on", "on", "on"]
