"""Backups: data first, key store second, separate files, key backups pruned after 7 days."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import tarfile
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
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

    monkeypatch.setattr(signing, "sign_manifest", sealed)
    with pytest.raises(VaultSealed):
        backup.back_up(tmp_path / "out", now=NOW)
    assert list((tmp_path / "out").iterdir()) == []


def verify(folder):
    out = io.StringIO()
    try:
        call_command("backup", "verify", str(folder), stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_backup_verify_checks_every_set_without_restoring(vault_keys, tmp_path):
    """Intact sets verify; a key store pruned away is reported, not failed; a flipped byte
    in a data backup is a FAIL line and exit 1."""
    out = tmp_path / "out"
    first = backup.back_up(out, now=NOW - timedelta(days=8))
    second = backup.back_up(out, now=NOW)
    assert second.pruned == [first.keystore]
    code, text = verify(out)
    assert code == 0
    assert text.splitlines() == [
        f"ok {first.manifest.name}: sizes, SHA-256 and signature verified (keys not here)",
        f"ok {second.manifest.name}: sizes, SHA-256 and signature verified",
    ]
    raw = bytearray(second.data.read_bytes())
    raw[len(raw) // 2] ^= 1
    second.data.write_bytes(bytes(raw))
    code, text = verify(out)
    assert code == 1
    assert text.splitlines()[1].startswith(f"FAIL {second.manifest.name}: {second.data.name}")


def test_backup_verify_fails_a_manifest_signed_by_another_key(vault_keys, tmp_path):
    """The signature is checked against this installation's own signing keys."""
    result = backup.back_up(tmp_path / "out", now=NOW)
    document = json.loads(result.manifest.read_text())
    document["signature"] = base64.b64encode(
        Ed25519PrivateKey.generate().sign(b"something else")
    ).decode("ascii")
    result.manifest.write_text(json.dumps(document, indent=1) + "\n")
    code, text = verify(tmp_path / "out")
    assert code == 1
    assert "is not signed by a key of this installation" in text


def test_backup_verify_of_a_folder_without_manifests_exits_2(vault_keys, tmp_path):
    with pytest.raises(CommandError, match="holds no backup manifest"):
        call_command("backup", "verify", str(tmp_path))
