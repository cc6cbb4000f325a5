"""PostgreSQL dumps go through pg_dump, pg_restore and psql with the password in the
environment; checked here against stand-in tools, and for real on the PostgreSQL run."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

from corridor.vault import dumps
from corridor.vault.dumps import PostgresDumper, connection_env, postgres_tool
from corridor.vault.errors import BackupFailed

pytestmark = pytest.mark.pure
SETTINGS = {
    "NAME": "corridor",
    "USER": "corridor",
    "PASSWORD": "s3cret-password",
    "HOST": "/run/postgresql",
    "PORT": "",
}
TOOL = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps({"argv": sys.argv, "env": dict(os.environ)}) + "\\n")
sys.stdout.write(os.environ.get("FAKE_OUT", ""))
sys.stderr.write(os.environ.get("FAKE_ERR", ""))
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    """pg_dump, pg_restore and psql stand-ins that log their arguments and environment."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("pg_dump", "pg_restore", "psql"):
        tool = bin_dir / name
        tool.write_text(TOOL)
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    # The tools get only connection_env(); the stand-ins read their script from SETTINGS.
    real_env = dumps.connection_env

    def env_with_fakes(settings_dict):
        env = real_env(settings_dict)
        env.update({k: v for k, v in os.environ.items() if k.startswith("FAKE_")})
        return env

    monkeypatch.setattr(dumps, "connection_env", env_with_fakes)
    monkeypatch.setenv("FAKE_LOG", str(log))

    def calls():
        return [json.loads(line) for line in log.read_text().splitlines()]

    return calls


def test_a_dump_passes_the_password_in_the_environment_only(fake_tools, tmp_path):
    """`ps` shows pg_dump's arguments to every user: the password is never among them."""
    PostgresDumper(SETTINGS).dump(tmp_path / "out.pgdump")
    (call,) = fake_tools()
    assert call["argv"][1:] == [
        "--format=custom",
        "--compress=0",
        "--no-owner",
        "--no-privileges",
        f"--file={tmp_path / 'out.pgdump'}",
    ]
    assert "s3cret-password" not in " ".join(call["argv"])
    assert call["env"]["PGPASSWORD"] == "s3cret-password"
    assert call["env"]["PGDATABASE"] == "corridor"
    assert "PGPORT" not in call["env"]


def test_a_restore_is_one_transaction_into_the_named_database(fake_tools, tmp_path):
    PostgresDumper(SETTINGS).restore(tmp_path / "in.pgdump")
    (call,) = fake_tools()
    assert call["argv"][1:] == [
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--dbname=corridor",
        str(tmp_path / "in.pgdump"),
    ]


def test_the_table_listing_decides_what_a_backup_is(fake_tools, tmp_path, monkeypatch):
    monkeypatch.setenv(
        "FAKE_OUT",
        ";\n; Archive created\n215; 1259 16390 TABLE public vault_kekversion corridor\n",
    )
    dumper = PostgresDumper(SETTINGS)
    assert dumper.contains_table(tmp_path / "keys.pgdump", "vault_kekversion")
    assert not dumper.contains_table(tmp_path / "keys.pgdump", "django_migrations")


@pytest.mark.parametrize(("count", "empty"), [("0\n", True), ("3\n", False)])
def test_a_database_with_tables_is_not_empty(fake_tools, monkeypatch, count, empty):
    monkeypatch.setenv("FAKE_OUT", count)
    assert PostgresDumper(SETTINGS).is_empty() is empty


def test_clearing_recreates_the_public_schema(fake_tools):
    PostgresDumper(SETTINGS).clear()
    (call,) = fake_tools()
    assert "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" in call["argv"]


def test_a_failing_tool_is_backup_failed_with_its_last_line(fake_tools, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_EXIT", "1")
    monkeypatch.setenv("FAKE_ERR", "pg_dump: detail\npg_dump: error: connection refused\n")
    with pytest.raises(BackupFailed, match=r"exit 1\): pg_dump: error: connection refused"):
        PostgresDumper(SETTINGS).dump(tmp_path / "out")


def test_a_tool_that_cannot_start_is_backup_failed(tmp_path, monkeypatch):
    broken = tmp_path / "pg_dump"
    broken.write_text("not executable")
    monkeypatch.setattr(dumps, "postgres_tool", lambda name: str(broken))
    with pytest.raises(BackupFailed, match="could not run"):
        PostgresDumper(SETTINGS).dump(tmp_path / "out")


def test_the_newest_installed_major_version_is_used(monkeypatch):
    """Off PATH, the highest PostgreSQL major version wins (15 over 9, not by spelling)."""
    monkeypatch.setattr(dumps.shutil, "which", lambda name: None)
    monkeypatch.setattr(
        dumps.glob,
        "glob",
        lambda pattern: [
            "/usr/lib/postgresql/15/bin/pg_dump",
            "/usr/lib/postgresql/9/bin/pg_dump",
            "/usr/lib/postgresql/devel/bin/pg_dump",
        ],
    )
    assert postgres_tool("pg_dump") == "/usr/lib/postgresql/15/bin/pg_dump"
    monkeypatch.setattr(dumps.glob, "glob", lambda pattern: [])
    with pytest.raises(BackupFailed, match="not installed"):
        postgres_tool("pg_dump")


def test_the_tool_environment_carries_nothing_else_of_the_callers(monkeypatch):
    monkeypatch.setenv("CORRIDOR_SECRET_KEY", "x" * 60)
    env = connection_env(SETTINGS)
    assert set(env) == {"PATH", "LANG", "PGHOST", "PGUSER", "PGPASSWORD", "PGDATABASE"}


def test_postgresql_databases_get_the_postgres_dumper(monkeypatch):
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.postgresql", **SETTINGS}}
    )
    monkeypatch.setattr(dumps, "connections", handler)
    dumper = dumps.dumper_for("default")
    assert isinstance(dumper, PostgresDumper)
    assert dumper.suffix == ".pgdump"
    assert Path(dumper.settings["HOST"]) == Path("/run/postgresql")
