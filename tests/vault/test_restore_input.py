"""`corridor restore` given damaged or foreign files: exit 2 with one sentence, the target left
empty; never a traceback. The command runs as a subprocess, as an operator runs it."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.processes import corridor_env, installed_data_dir, run_corridor

pytestmark = pytest.mark.process

SECRET = secrets.token_urlsafe(48)
KINDS = ("data", "files", "keys", "manifest")
DAMAGES = ("intact", "flipped byte", "cut short", "random bytes", "empty")
KEK_DAMAGES = ("intact", "hostile json", "random bytes", "with a BOM")


class BackupSet(NamedTuple):
    contents: dict[str, bytes]
    kek: bytes
    names: dict[str, str]

    def __repr__(self) -> str:
        # Hypothesis prints the fixtures of a failing example: names, not megabytes.
        return f"BackupSet({sorted(self.names.values())})"


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory, seed_root) -> BackupSet:
    """One real backup set of a set-up installation: each file's name and bytes, and the KEK."""
    installation = installed_data_dir(tmp_path_factory.mktemp("installation"), seed_root)
    env = corridor_env(installation)
    backups = tmp_path_factory.mktemp("backups")
    assert run_corridor("backup", str(backups), env=env).returncode == 0
    files = {path.name.split("-")[1]: path for path in backups.iterdir()}
    assert sorted(files) == sorted(KINDS)
    contents = {kind: files[kind].read_bytes() for kind in KINDS}
    names = {kind: files[kind].name for kind in KINDS}
    return BackupSet(contents, (installation / "kek.demo").read_bytes(), names)


@st.composite
def damaged(draw, original: bytes) -> bytes:
    damage = draw(st.sampled_from(DAMAGES))
    if damage == "intact" or not original:
        return original
    if damage == "flipped byte":
        at = draw(st.integers(0, len(original) - 1))
        mask = draw(st.integers(1, 255))
        return original[:at] + bytes([original[at] ^ mask]) + original[at + 1 :]
    if damage == "cut short":
        return original[: draw(st.integers(0, len(original) - 1))]
    if damage == "random bytes":
        return draw(st.binary(min_size=1, max_size=4096))
    return b""


def kek_variants(original: bytes) -> st.SearchStrategy[bytes]:
    return st.sampled_from(KEK_DAMAGES).flatmap(
        lambda damage: {
            "intact": st.just(original),
            "hostile json": st.sampled_from([b"[" * 5000, b"9" * 5000, b'{"1":' * 40]),
            "random bytes": st.binary(max_size=600),
            "with a BOM": st.just(b"\xef\xbb\xbf" + original),
        }[damage]
    )


def restore_into(tmp_path: Path, names: dict[str, str], contents: dict[str, bytes], kek: bytes):
    source = tmp_path / "source"
    target = tmp_path / "target"
    for folder in (source, target):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for kind in KINDS:
        (source / names[kind]).write_bytes(contents[kind])
    (tmp_path / "kek").write_bytes(kek)
    env = corridor_env(target, CORRIDOR_SECRET_KEY=SECRET)
    result = run_corridor("restore", str(source), "--kek-file", str(tmp_path / "kek"), env=env)
    return result, target


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
@example(data=None)
def test_restore_refuses_damaged_files_with_exit_2_and_leaves_nothing(good_backup, tmp_path, data):
    """Whatever is wrong with any file of the set (the manifest included), restore exits 2
    with one line and the target holds nothing; only an intact set restores."""
    contents, kek, names = good_backup
    if data is None:
        # The data backup replaced by a key-store backup: the wrong file, not damage.
        chosen = {**contents, "data": contents["keys"]}
        chosen_kek = kek
    else:
        chosen = {kind: data.draw(damaged(contents[kind]), label=kind) for kind in KINDS}
        chosen_kek = data.draw(kek_variants(kek), label="kek")
    result, target = restore_into(tmp_path, names, chosen, chosen_kek)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].endswith("."), lines
        assert sorted(path.name for path in target.iterdir()) == [], "a refused restore left files"
    if chosen != contents:
        # Even a byte that SQLite would never notice: the manifest's digest does.
        assert result.returncode == 2, result.stdout
    elif chosen_kek == kek:
        assert result.returncode == 0, result.stderr


def test_an_intact_backup_with_a_bom_in_the_key_file_restores(good_backup, tmp_path):
    """A key file saved by a Windows editor (a UTF-8 byte-order mark) is the same key."""
    contents, kek, names = good_backup
    result, target = restore_into(tmp_path, names, contents, b"\xef\xbb\xbf" + kek)
    assert result.returncode == 0, result.stderr
    assert (target / "kek.demo").read_bytes().removeprefix(b"\xef\xbb\xbf") == kek
