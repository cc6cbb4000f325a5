"""`corridor keys rotate`, `corridor backup` and `corridor restore` as an operator runs them:
exit 0 on success, 1 on failure, 2 on bad arguments, one line and no traceback."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.processes import corridor_env, run_corridor

pytestmark = pytest.mark.process

SECRET = secrets.token_urlsafe(48)


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """A set-up installation: its data dir and its environment (on the PostgreSQL run each
    corridor_env() call makes new databases, so the environment is made once)."""
    data_dir = tmp_path_factory.mktemp("installation")
    env = corridor_env(data_dir)
    result = run_corridor("setup", "--no-input", env=env)
    assert result.returncode == 0, result.stderr
    return data_dir, env


def assert_clean_failure(result, code, message):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    # One line says what is wrong (argparse prints its usage above it).
    assert message in result.stderr.strip().splitlines()[-1]


def test_setup_creates_the_kek_file_and_the_key_store(installation):
    installation, _env = installation
    assert (installation / "kek.demo").stat().st_mode & 0o777 == 0o600
    assert "keys" in json.loads((installation / "kek.demo").read_text())


def test_keys_rotate_reports_what_it_did(installation):
    installation, env = installation
    result = run_corridor("keys", "rotate", "--batch-size", "2", env=env)
    assert result.returncode == 0, result.stderr
    assert "KEK rotated: version 2 now wraps every key; 4 rewrapped" in result.stdout
    assert "Rewrapping" in result.stderr  # the progress bar
    assert list(json.loads((installation / "kek.demo").read_text())["keys"]) == ["2"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["keys"], "the following arguments are required: ACTION"),
        (["keys", "rotate", "--batch-size", "0"], "invalid count value"),
        (["keys", "spin"], "invalid choice"),
    ],
)
def test_bad_key_command_arguments_exit_2(installation, arguments, message):
    assert_clean_failure(run_corridor(*arguments, env=installation[1]), 2, message)


def test_keys_rotate_without_the_kek_file_fails_with_one_line(tmp_path):
    env = corridor_env(tmp_path)
    assert run_corridor("setup", "--no-input", env=env).returncode == 0
    (tmp_path / "kek.demo").unlink()
    assert_clean_failure(run_corridor("keys", "rotate", env=env), 1, "kek.demo is missing")


def test_backup_and_restore_round_trip_through_the_commands(installation, tmp_path):
    """A backup restores into an empty data dir given the KEK file; then that dir is not empty."""
    installation, installed_env = installation
    backups = tmp_path / "backups"
    made = run_corridor("backup", str(backups), env=installed_env)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["Data", "Files", "Key store", "Manifest"]
    assert lines[4].startswith("Not in this backup: the KEK file.")
    target = tmp_path / "restored"
    env = corridor_env(target, CORRIDOR_SECRET_KEY=SECRET)
    assert_clean_failure(run_corridor("restore", str(backups), env=env), 2, "--kek-file")
    restored = run_corridor(
        "restore", str(backups), "--kek-file", str(installation / "kek.demo"), env=env
    )
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored corridor-data-")
    again = run_corridor(
        "restore", str(backups), "--kek-file", str(installation / "kek.demo"), env=env
    )
    assert_clean_failure(again, 2, "already holds data")
    assert run_corridor("keys", "rotate", env=env).returncode == 0
    # Each key operation is in the log of the installation it happened to.
    assert "vault.backup_created" in logged_types(installed_env)
    assert {"vault.backup_restored", "vault.kek_rotated"} <= logged_types(env)


def logged_types(env) -> set[str]:
    exported = run_corridor(
        "audit", "export", "--since", "1970-01-01", "--format", "jsonl", env=env
    )
    return {json.loads(line)["leaf"]["type"] for line in exported.stdout.splitlines()}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["restore", "/nonexistent/backups"], "is not a folder of backups"),
        (["restore", "{tmp}", "--kek-file", "/nonexistent/kek"], "is not a file"),
        (["backup", "{tmp}/file"], "is not a folder"),
        (["backup", "{tmp}", "--keep-key-backups", "0"], "at least 1 day"),
        (["backup"], "the following arguments are required: DEST"),
    ],
)
def test_bad_backup_arguments_exit_2(installation, tmp_path, arguments, message):
    (tmp_path / "file").write_text("x")
    filled = [argument.format(tmp=tmp_path) for argument in arguments]
    result = run_corridor(*filled, env=installation[1])
    assert_clean_failure(result, 2, message)


def test_a_backup_that_cannot_be_written_exits_1(installation, tmp_path):
    (tmp_path / "file").write_text("x")
    result = run_corridor("backup", str(tmp_path / "file" / "deeper"), env=installation[1])
    assert_clean_failure(result, 1, "Cannot create")


def test_setup_with_keyd_not_running_stops_and_says_the_order(tmp_path):
    """With keyd chosen but not running, setup migrates, then stops with one line that names
    the production order; no key file appears on disk."""
    env = corridor_env(tmp_path, CORRIDOR_KEY_PROVIDER="keyd")
    result = run_corridor("setup", "--no-input", env=env)
    assert_clean_failure(result, 1, "Keys not initialised: keyd is not running")
    assert "(`corridor keyd`, then `corridor unseal`) before `corridor setup`" in result.stderr
    assert "never again over existing keys" in result.stderr
    assert not (tmp_path / "kek.demo").exists()


def test_setup_refuses_a_key_file_that_is_not_the_key_stores(tmp_path):
    """A replaced kek.demo stops setup with one line instead of making keys nobody can use."""
    env = corridor_env(tmp_path)
    assert run_corridor("setup", "--no-input", env=env).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    assert run_corridor("setup", "--no-input", env=corridor_env(other)).returncode == 0
    (tmp_path / "kek.demo").write_bytes((other / "kek.demo").read_bytes())
    assert_clean_failure(run_corridor("setup", "--no-input", env=env), 1, "does not match")
    (tmp_path / "kek.demo").unlink()
    assert_clean_failure(run_corridor("setup", "--no-input", env=env), 1, "is missing")
