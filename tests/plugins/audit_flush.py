"""Lets transactional tests flush the append-only audit tables; for the test suite only.

After a transactional test (live_server, `django_db(transaction=True)`) Django
empties every table with DELETE (SQLite) or TRUNCATE (PostgreSQL), which the
audit triggers refuse. Around each flush this drops the triggers, flushes and
installs them again in one transaction, so the next test starts with the log
as append-only as in production. Production code has no way to do this.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest


def pytest_configure(config: pytest.Config) -> None:
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    from corridor.audit.triggers import (
        APPEND_ONLY_TABLES,
        drop_append_only_triggers,
        install_append_only_triggers,
    )

    flush = BaseDatabaseOperations.execute_sql_flush

    def flush_around_triggers(self: BaseDatabaseOperations, sql_list: Sequence[str]) -> None:
        connection = self.connection
        if not set(APPEND_ONLY_TABLES) <= set(connection.introspection.table_names()):
            flush(self, sql_list)
            return
        with transaction.atomic(using=connection.alias):
            drop_append_only_triggers(connection)
            flush(self, sql_list)
            install_append_only_triggers(connection)

    BaseDatabaseOperations.execute_sql_flush = flush_around_triggers  # type: ignore[method-assign]
