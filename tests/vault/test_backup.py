"""Backups: data first, key store second, separate files, key backups pruned after 7 days."""

from __future__ import annotations

import io
import sqlite3
import tarfile
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from corridor.vault import backup, dumps, signing
from corridor.vault.errors import BackupFailed, VaultSealed
from corridor.vault.files import seal_file
from corridor.vault.keys import create_data_key

# A backup copies committed data, so these tests commit (and are flushed afterwards).
pytestmark = pytest.mark.django_db(databases=["default", "keystore"], transaction=True)
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def tables(path):
    with sqlite3.connect(path) as database:
        return {row[0] for row in database.execute("SELECT name FROM sqlite_master")}


@pytest.mark.skipif(dumps.dumper_for("default").suffix != ".sqlite3", reason="SQLite files")
def test_a_backup_writes_data_files_and_keys_apart(vault_keys, settings, tmp_path):
    """Three private files: the data database (no key table), a tar of ciphertext files and
    the key store (no data table)."""
    seal_file(io.BytesIO(b"scan"), key=create_data_key())
    (settings.CORRIDOR_DATA_DIR / "files" / "README").write_text("not a sealed file")
    result = backup.back_up(tmp_path / "out", now=NOW)
    stamp = "20261201T093000000000Z"
    assert result.data.name == f"corridor-data-{stamp}.sqlite3"
    assert result.files.name == f"corridor-files-{stamp}.tar"
    assert result.keystore.name == f"corridor-keys-{stamp}.sqlite3"
    assert "vault_wrappedkey" in tables(result.keystore)
    assert "vault_wrappedkey" not in tables(result.data)
    assert "django_migrations" in tables(result.data)
    with tarfile.open(result.files) as archive:
        assert len(archive.getnames()) == 1
    assert result.manifest.name == f"corridor-manifest-{stamp}.json"
    for path in (result.data, result.files, result.keystore, result.manifest):
        assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        p.name for p in (result.data, result.files, result.keystore, result.manifest)
    )


def test_key_backups_older_than_the_retention_are_deleted_and_data_backups_kept(
    vault_keys, tmp_path
):
    """After 7 days a key-store backup is gone from the folder; data backups stay."""
    out = tmp_path / "out"
    first = backup.back_up(out, now=NOW - timedelta(days=8))
    second = backup.back_up(out, now=NOW - timedelta(days=2))
    (out / "notes.txt").write_text("operator's own file")
    third = backup.back_up(out, now=NOW)
    assert third.pruned == [first.keystore]
    assert not first.keystore.exists()
    assert first.data.exists()
    assert first.files.exists()
    assert second.keystore.exists()
    assert (out / "notes.txt").exists()


def test_an_empty_files_folder_gives_an_empty_archive(vault_keys, tmp_path):
    result = backup.back_up(tmp_path / "out", now=NOW)
    with tarfile.open(result.files) as archive:
        assert archive.getnames() == []


def test_a_backup_inside_a_transaction_is_refused(vault_keys, tmp_path):
    """Copying from inside the caller's own transaction would wait on itself for ever."""
    with transaction.atomic(), pytest.raises(BackupFailed, match="inside a database"):
        backup.back_up(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_destination_that_cannot_be_made_is_backup_failed(vault_keys, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(BackupFailed, match="Cannot create"):
        backup.back_up(tmp_path / "file" / "out")


@pytest.mark.parametrize(
    "failure", [OSError(28, "No space left on device"), BackupFailed("pg_dump failed (exit 1)")]
)
def test_a_backup_that_fails_midway_leaves_nothing(vault_keys, tmp_path, monkeypatch, failure):
    """If the key store cannot be written, the data and files already written are removed."""
    real = dumps.dumper_for

    class Failing:
        suffix = ".sqlite3"

        def dump(self, target):
            target.write_bytes(b"half")
            raise failure

    monkeypatch.setattr(
        dumps, "dumper_for", lambda alias: Failing() if alias == "keystore" else real(alias)
    )
    with pytest.raises(BackupFailed):
        backup.back_up(tmp_path / "out", now=NOW)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_set_whose_manifest_cannot_be_signed_is_removed(vault_keys, tmp_path, monkeypatch):
    """With keyd sealed the manifest cannot be signed: no unsigned set is left behind."""

    def sealed(message):
        raise VaultSealed("keyd is sealed.")

    monkeypatch.setattr(signing, "sign", sealed)
    with pytest.raises(VaultSealed):
        backup.back_up(tmp_path / "out", now=NOW)
    assert list((tmp_path / "out").iterdir()) == []
