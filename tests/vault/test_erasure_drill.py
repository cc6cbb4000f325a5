"""C10 and C11 end to end, on real files: canaries, erasure, backup and restore.

Each step runs in its own process (tests/vault/drill.py) with the test settings and a
data dir of its own, because the suite's own databases are in memory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.canaries import find_canary
from tests.processes import corridor_env
from tests.vault.drill import digest, plaintexts

pytestmark = pytest.mark.process

REPO = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


def run_step(root: Path, step: str, *arguments: str) -> dict:
    """Run one drill step in `root` (its own TMPDIR, so its own data dir); stderr is the log."""
    root.mkdir(parents=True, exist_ok=True)
    env = corridor_env(
        root,
        DJANGO_SETTINGS_MODULE="corridor.config.settings.test",
        TMPDIR=str(root),
        PYTHONPATH=str(REPO),
    )
    with (root / "drill.log").open("a") as log:
        result = subprocess.run(
            [sys.executable, "-m", "tests.vault.drill", step, *arguments],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, (root / "drill.log").read_text()[-3000:]
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """Populate two cases, back up, erase case k1, back up again."""
    root = tmp_path_factory.mktemp("drill")
    canary = "CANARY" + os.urandom(8).hex().upper()
    backups = root / "backups"
    populated = run_step(root / "live", "populate", "--canary", canary, "--backups", str(backups))
    return {"root": root, "canary": canary, "backups": backups, **populated}


def test_no_canary_reaches_any_file(drill):
    """Databases, WAL, key store, encrypted files, logs and both backups hold no canary."""
    assert drill["canary_hits_while_running"] == []
    assert find_canary(drill["root"], drill["canary"]) == []
    for folder in drill["database_folders"]:
        assert find_canary(Path(folder), drill["canary"]) == []
    live = set(drill["live_files"])
    assert "kek.demo" in live
    assert any(name.startswith("files/") for name in live)
    if not POSTGRES:
        assert {"corridor.sqlite3", "keystore.sqlite3"} <= live
        assert any(name.endswith("-wal") for name in live)  # searched while it existed
    assert len(list(drill["backups"].glob("*/corridor-*"))) == 8  # two sets with manifests
    assert (drill["root"] / "live" / "drill.log").stat().st_size > 0


def test_the_destroyed_key_is_in_no_live_file(drill):
    """After erasure the wrapped key is gone from the key store's files (and, on SQLite, its
    WAL) and from the next backup; the key itself was never written anywhere. On PostgreSQL
    the WAL keeps the old row until it is recycled (docs/security.md states that bound)."""
    assert drill["purged"] is True
    assert drill["k1_wrapped_in_live_files"] == []
    assert drill["k1_key_in_live_files"] == []
    wrapped = bytes.fromhex(drill["k1_wrapped"])

    def holds(path):
        # pg_dump writes bytea as hex text.
        content = path.read_bytes()
        return wrapped in content or wrapped.hex().encode() in content

    roots = [Path(drill["data_dir"]), *map(Path, drill["database_folders"])]
    live = [p for root in roots for p in root.rglob("*") if p.is_file()]
    assert [p for p in live if "backups" not in p.parts and holds(p)] == []
    assert not holds(next((drill["backups"] / "after").glob("corridor-keys-*")))
    # The backup taken before erasure still has it: erasure completes when it ages out.
    assert holds(next((drill["backups"] / "before").glob("corridor-keys-*")))


def test_an_old_data_backup_with_the_live_key_store_opens_only_unerased_cases(drill, tmp_path):
    """The erasure drill: restore the data backup taken before erasure against the key store
    as it is now. Nothing of case k1 opens; everything of case k2 does."""
    source = tmp_path / "source"
    source.mkdir()
    for pattern in ("corridor-data-*", "corridor-files-*", "corridor-manifest-*"):
        shutil.copy(next((drill["backups"] / "before").glob(pattern)), source)
    for pattern in ("corridor-keys-*", "corridor-manifest-*"):
        shutil.copy(next((drill["backups"] / "after").glob(pattern)), source)
    kek = Path(drill["data_dir"]) / "kek.demo"

    result = run_step(
        tmp_path / "restored", "restore-and-open", "--source", str(source), "--kek-file", str(kek)
    )

    rows = drill["rows"]
    k1 = {row for row, label in rows.items() if label == "k1"}
    k2 = set(rows) - k1
    assert set(result["refused"]) == k1
    assert set(result["opened"]) == k2
    assert {name for names in result["refused"].values() for name in names} == {"KeyDestroyed"}
    values = plaintexts(drill["canary"], "k2")
    expected = {digest(values[kind]) for kind in ("name", "details", "file", "note")}
    assert {d for digests in result["opened"].values() for d in digests} == expected
    assert sum(len(d) for d in result["opened"].values()) == 2 * 3 + 2


def test_every_bad_restore_is_refused_and_leaves_the_data_dir_empty(drill, tmp_path):
    """Wrong folders, swapped or damaged backups, a missing or wrong KEK and a hostile
    archive are each refused with a named error, and nothing stays behind."""
    kek = Path(drill["data_dir"]) / "kek.demo"
    result = run_step(
        tmp_path / "refusals",
        "restore-refusals",
        "--source",
        str(next((drill["backups"] / "after").glob("corridor-data-*")).parent),
        "--kek-file",
        str(kek),
    )
    expected = {
        "not a folder": ("RestoreRefused", "not a folder"),
        "no key backup": ("RestoreRefused", "no complete pair"),
        "no files archive": ("RestoreRefused", "is missing"),
        # A swapped, garbage or hostile file no longer matches the signed manifest's digest;
        # the type and archive checks behind it stay as a second line.
        "keys are data": ("RestoreRefused", "damaged or altered"),
        "data are keys": ("RestoreRefused", "damaged or altered"),
        "garbage data": ("RestoreRefused", "damaged or altered"),
        "no kek file": ("RestoreRefused", "--kek-file"),
        "unreadable kek file": ("RestoreRefused", "is a folder, not a file"),
        "another kek": ("KekMismatch", "KEK version 1"),
        "escaping archive": ("RestoreRefused", "damaged or altered"),
        "archive not a tar": ("RestoreRefused", "damaged or altered"),
    }
    for name, (error, message) in expected.items():
        found_error, found_message, left_empty = result[name]
        assert (name, found_error) == (name, error)
        assert message in found_message, (name, found_message)
        assert left_empty, name
    assert result["kek already there"][1].endswith("restore into an empty data dir.")
    assert "With keyd no file holds the KEK" in result["kek for keyd"][1]
    # No keyd answers here (its socket path under pytest's folders is even too long).
    assert result["keyd not running"][0] in ("KeydUnreachable", "KeyProviderUnavailable")
    assert result["keyd not running"][2] is True  # nothing was written
    assert result["restored"] == 2
    assert "already holds data" in result["again"][1]
