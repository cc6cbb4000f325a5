"""Audit rows cannot be changed or deleted: not through the ORM, not with raw SQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from corridor.audit.models import AuditEntry, AuditSequence, ReasonNote, TreeHead
from corridor.audit.triggers import (
    TRIGGER_NAMES,
    DatabaseNotSupported,
    install_append_only_triggers,
)
from corridor.core.exceptions import AppendOnlyViolation
from corridor.vault.keys import create_data_key
from tests.audit.helpers import execute, record

HEAD = {
    "tree_size": 1,
    "root_hash": "A" * 44,
    "timestamp": 1,
    "key_id": "0" * 64,
    "signature": "A" * 88,
}


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
def test_every_trigger_exists_after_all_migrations():
    """After the full migration history, each append-only trigger is present.

    SQLite drops a table's triggers when a migration rebuilds it; this fails if one did.
    """
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    assert TRIGGER_NAMES[connection.vendor] <= installed_triggers()


@pytest.mark.django_db
def test_the_queryset_refuses_bulk_changes():
    """update(), delete() and bulk_update() raise instead of bypassing the model."""
    entry = record()
    TreeHead.objects.create(**HEAD)
    for queryset in (AuditEntry.objects.all(), TreeHead.objects.all()):
        with pytest.raises(AppendOnlyViolation):
            queryset.update(object_id="x")
        with pytest.raises(AppendOnlyViolation):
            queryset.delete()
        with pytest.raises(AppendOnlyViolation):
            queryset.bulk_update([entry], ["object_id"])
    assert AuditEntry.objects.get().object_id == ""


@pytest.mark.django_db
def test_a_saved_row_cannot_be_saved_again_or_deleted():
    """Changing a loaded row and saving it, or deleting it, raises."""
    entry = record()
    entry.actor = "system:someone-else"
    with pytest.raises(AppendOnlyViolation):
        entry.save()
    with pytest.raises(AppendOnlyViolation):
        entry.delete()
    assert AuditEntry.objects.get().actor == "system:worker"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_entry SET actor = 'system:forger'",
        "DELETE FROM audit_entry",
        "UPDATE audit_tree_head SET tree_size = 0",
        "DELETE FROM audit_tree_head",
    ],
)
def test_the_database_refuses_direct_updates_and_deletes(sql):
    """Raw UPDATE and DELETE on either table fail with an integrity error."""
    record()
    TreeHead.objects.create(**HEAD)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        execute(sql)
    assert AuditEntry.objects.get().actor == "system:worker"
    assert TreeHead.objects.get().tree_size == 1


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_entry", "audit_tree_head"])
def test_postgres_refuses_truncate(table):
    """TRUNCATE, which fires no row triggers, is refused too."""
    record()
    TreeHead.objects.create(**HEAD)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        execute(f"TRUNCATE {table}")
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_test_flush_empties_the_log_and_restores_the_triggers():
    """The suite's flush empties the audit tables and leaves them append-only afterwards."""
    record()
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0
    assert TRIGGER_NAMES[connection.vendor] <= installed_triggers()
    assert record().seq == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        execute("DELETE FROM audit_entry")


@pytest.mark.pure
def test_other_databases_are_refused_clearly():
    """On a database without trigger support here, installing says which ones are supported."""
    with pytest.raises(DatabaseNotSupported, match="needs SQLite or PostgreSQL, not oracle"):
        install_append_only_triggers(SimpleNamespace(vendor="oracle"))  # type: ignore[arg-type]


@pytest.mark.django_db(databases=["default", "keystore"])
def test_rows_describe_themselves_by_ids_only(vault_keys, canary):
    """What a shell or a traceback prints for an audit row holds no detail, text or reason."""
    entry = record(
        case_id="CR-1", reason="emergency", reason_text=canary, reason_key=create_data_key()
    )
    head = TreeHead.objects.create(**HEAD)
    note = ReasonNote.objects.get()
    described = [str(entry), str(head), str(note), str(AuditSequence.objects.get())]
    assert described == [
        "1 accounts.logout",
        "tree head 1",
        f"reason note {note.id}",
        "audit sequence at 1",
    ]
    assert canary not in repr(note.text)
