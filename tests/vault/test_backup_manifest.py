"""`corridor restore` against the signed manifest, run as an operator runs it.

Refused with exit 2, one sentence and an empty target: a key store of another set, a
flipped byte in any file of the set, a manifest signed by another key (also when the
attacker rewrote the key store's public key to match), and a backup whose audit log
lost its append-only triggers. A good set restores, and `audit verify` then passes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import sqlite3
from pathlib import Path
from typing import NamedTuple

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.processes import corridor_env, run_corridor
from tests.vault.manifests import resign

pytestmark = pytest.mark.process
SECRET = secrets.token_urlsafe(48)

SQLITE_ONLY = pytest.mark.skipif(
    bool(__import__("os").environ.get("DATABASE_URL")), reason="edits an SQLite key store"
)
# A note sealed under a data key of its own: data that needs the key store of its set.
ADD_NOTE = (
    "from corridor.audit.models import ReasonNote\n"
    "from corridor.vault import seal_field\n"
    "from corridor.vault.keys import create_data_key\n"
    "note = ReasonNote(case_id='drill')\n"
    "seal_field(note, 'text', 'a reason', key=create_data_key())\n"
    "note.save()\n"
)
DROP_TRIGGERS = (
    "from django.db import connection\n"
    "from corridor.audit.triggers import drop_append_only_triggers\n"
    "drop_append_only_triggers(connection)\n"
)
CHECK_TRIGGERS = (
    "from django.db import connection\n"
    "from corridor.audit.triggers import missing_append_only_triggers\n"
    "print(sorted(missing_append_only_triggers(connection)))\n"
)


class Installation(NamedTuple):
    env: dict[str, str]
    kek: Path
    older: Path  # a set taken before the second note
    newer: Path  # a set taken after it


def corridor(*args: str, env: dict[str, str]) -> str:
    result = run_corridor(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def set_files(folder: Path) -> dict[str, Path]:
    """The files of the one set in `folder`, by kind."""
    return {path.name.split("-")[1]: path for path in folder.iterdir()}


@pytest.fixture(scope="module")
def installation(tmp_path_factory) -> Installation:
    data_dir = tmp_path_factory.mktemp("installation")
    env = corridor_env(data_dir)
    corridor("setup", "--no-input", env=env)
    corridor("shell", "-c", ADD_NOTE, env=env)
    older = tmp_path_factory.mktemp("older")
    corridor("backup", str(older), env=env)
    corridor("shell", "-c", ADD_NOTE, env=env)
    newer = tmp_path_factory.mktemp("newer")
    corridor("backup", str(newer), env=env)
    return Installation(env, data_dir / "kek.demo", older, newer)


def restore(
    tmp_path: Path,
    files: list[Path],
    kek: Path,
    *extra: str,
    replace: dict[str, bytes] | None = None,
):
    """Restore the given backup files (some replaced by other bytes) into an empty data dir."""
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir(parents=True)
    target.mkdir()
    for path in files:
        shutil.copy(path, source / path.name)
    for name, content in (replace or {}).items():
        (source / name).write_bytes(content)
    env = corridor_env(target, CORRIDOR_SECRET_KEY=SECRET)
    result = run_corridor("restore", str(source), "--kek-file", str(kek), *extra, env=env)
    return result, target, env


def assert_refused(result, target: Path, words: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert words in lines[0], lines[0]
    assert sorted(path.name for path in target.iterdir()) == [], "a refused restore left files"


def test_a_good_backup_restores_and_its_log_verifies(installation, tmp_path):
    """The newest set restores; the restored log verifies and keeps its triggers."""
    result, _target, env = restore(
        tmp_path, list(set_files(installation.newer).values()), installation.kek
    )
    assert result.returncode == 0, result.stderr
    assert "Checked: the manifest's signature and digests" in result.stdout
    assert "unreadable" not in result.stdout
    assert corridor("audit", "verify", env=env).startswith("verified ")
    assert corridor("shell", "-c", CHECK_TRIGGERS, env=env).strip().splitlines()[-1] == "[]"


def test_the_manifest_lists_every_file_with_its_size_digest_and_the_migrations(installation):
    files = set_files(installation.newer)
    listed = json.loads(files["manifest"].read_text())
    assert listed["format"] == "corridor-backup-manifest-v1"
    assert listed["corridor_version"]
    stamp = files["data"].name.removeprefix("corridor-data-").split(".")[0]
    assert listed["generations"] == {"data": stamp, "keys": stamp}
    for entry in listed["files"]:
        path = files[entry["kind"]]
        assert entry["name"] == path.name
        assert entry["size"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "audit.0001_initial" in listed["migrations"]["default"]
    assert "vault.0001_initial" in listed["migrations"]["keystore"]


def test_a_key_store_of_an_older_set_is_refused(installation, tmp_path):
    """The issue's drill: the newest data with an older key store. Without the flag, exit 2;
    with --allow-older-keys it restores and says how many records are unreadable."""
    newer, older = set_files(installation.newer), set_files(installation.older)
    chosen = [newer["data"], newer["files"], newer["manifest"], older["keys"], older["manifest"]]
    result, target, _ = restore(tmp_path / "refused", chosen, installation.kek)
    assert_refused(result, target, "is from another backup set than")

    result, target, env = restore(
        tmp_path / "allowed", chosen, installation.kek, "--allow-older-keys"
    )
    assert result.returncode == 0, result.stderr
    assert (
        "1 record has no key in this key store (of another backup set) and will be unreadable."
        in result.stdout
    )
    assert corridor("audit", "verify", env=env).startswith("verified ")


@pytest.mark.parametrize("kind", ["data", "files", "keys", "manifest"])
def test_a_flipped_byte_in_any_file_is_refused(installation, tmp_path, kind):
    """One byte changed in the middle of one file: refused before anything is written."""
    files = set_files(installation.newer)
    original = files[kind].read_bytes()
    # In the manifest, a byte of its signature: the middle may fall in a migration's name,
    # which restore then refuses as a newer version's (also exit 2, also nothing written).
    at = original.index(b'"signature"') + 20 if kind == "manifest" else len(original) // 2
    flipped = original[:at] + bytes([original[at] ^ 0x01]) + original[at + 1 :]
    result, target, _ = restore(
        tmp_path, list(files.values()), installation.kek, replace={files[kind].name: flipped}
    )
    # The manifest's own sentence depends on what the byte broke (JSON, or a value).
    words = "corridor-manifest-" if kind == "manifest" else "damaged or altered"
    assert_refused(result, target, words)


def test_a_manifest_signed_by_another_key_is_refused(installation, tmp_path):
    """Digests all correct, but the signature is another key's."""
    files = set_files(installation.newer)
    document = json.loads(files["manifest"].read_text())
    forged = resign(document, Ed25519PrivateKey.generate())
    result, target, _ = restore(
        tmp_path, list(files.values()), installation.kek, replace={files["manifest"].name: forged}
    )
    assert_refused(result, target, "is signed by another key than this installation's")


@SQLITE_ONLY
def test_a_forged_set_whose_key_store_names_the_forgers_key_is_refused(installation, tmp_path):
    """The attacker rewrites the key store's signing public key to their own, fixes the
    digest and signs the manifest: the key the KEK unwraps does not match, so refused."""
    files = set_files(installation.newer)
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    keys = tmp_path / files["keys"].name
    shutil.copy(files["keys"], keys)
    with sqlite3.connect(keys) as database:
        database.execute(
            "UPDATE vault_wrappedkey SET public_key = ?, fingerprint = ? WHERE purpose = 'signing'",
            (public, hashlib.sha256(public).hexdigest()),
        )
    database.close()
    document = json.loads(files["manifest"].read_text())
    for entry in document["files"]:
        if entry["kind"] == "keys":
            entry["size"] = keys.stat().st_size
            entry["sha256"] = hashlib.sha256(keys.read_bytes()).hexdigest()
    result, target, _ = restore(
        tmp_path / "run",
        list(files.values()),
        installation.kek,
        replace={files["manifest"].name: resign(document, private), keys.name: keys.read_bytes()},
    )
    assert_refused(result, target, "does not match what the KEK unwraps")


def test_a_backup_whose_audit_log_lost_its_triggers_is_refused(tmp_path):
    """An installation whose audit triggers were dropped backs up (signed, digests right);
    restoring that backup is refused, and nothing is left."""
    data_dir = tmp_path / "installation"
    data_dir.mkdir()
    env = corridor_env(data_dir)
    corridor("setup", "--no-input", env=env)
    corridor("shell", "-c", DROP_TRIGGERS, env=env)
    corridor("backup", str(tmp_path / "set"), env=env)
    result, target, _ = restore(
        tmp_path / "run", list((tmp_path / "set").iterdir()), data_dir / "kek.demo"
    )
    assert_refused(result, target, "has lost its append-only protections")


@pytest.mark.postgres
def test_on_postgresql_a_log_without_triggers_is_refused_and_a_good_one_keeps_them(tmp_path):
    """Through pg_dump and pg_restore: the set whose log lost its triggers is refused and
    leaves both databases empty (the good set then restores into the same target), and the
    restored log has its triggers again."""
    data_dir = tmp_path / "installation"
    data_dir.mkdir()
    env = corridor_env(data_dir)
    corridor("setup", "--no-input", env=env)
    corridor("backup", str(tmp_path / "good"), env=env)
    corridor("shell", "-c", DROP_TRIGGERS, env=env)
    corridor("backup", str(tmp_path / "bare"), env=env)
    target = tmp_path / "target"
    target.mkdir()
    target_env = corridor_env(target, CORRIDOR_SECRET_KEY=SECRET)
    kek = str(data_dir / "kek.demo")
    refused = run_corridor("restore", str(tmp_path / "bare"), "--kek-file", kek, env=target_env)
    assert_refused(refused, target, "has lost its append-only protections")
    restored = run_corridor("restore", str(tmp_path / "good"), "--kek-file", kek, env=target_env)
    assert restored.returncode == 0, restored.stderr
    assert corridor("shell", "-c", CHECK_TRIGGERS, env=target_env).splitlines()[-1] == "[]"
    assert corridor("audit", "verify", env=target_env).startswith("verified ")
