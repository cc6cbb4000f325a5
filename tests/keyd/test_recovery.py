"""Disaster recovery with keyd, as an operator runs it (each part its own process): a
backup, then a new installation from it with keyd's check file from the trustees'
material, the trustees' shares and `corridor restore`; a forged manifest is refused and the
restored cases open."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.keyd.helpers import keyd_process, short_dir, with_checkout
from tests.keyd.test_commands import unseal
from tests.processes import corridor_env, run_corridor
from tests.vault.manifests import resign

pytestmark = pytest.mark.process

SHARE = re.compile(r"share \d+/3: (.+)")
SECRET = secrets.token_urlsafe(48)


def installation(data_dir: Path, keyd_dir: Path, role: str) -> dict[str, str]:
    """keyd in its own folder, reading the data database as its own read-only role."""
    env = with_checkout(
        corridor_env(
            data_dir,
            CORRIDOR_KEY_PROVIDER="keyd",
            CORRIDOR_KEYD_DIR=str(keyd_dir),
            CORRIDOR_KEYD_DATABASE_ROLE=role,
            CORRIDOR_SECRET_KEY=SECRET,
        )
    )
    parts = urlsplit(env["DATABASE_URL"])
    host = parts.netloc.rpartition("@")[2]
    env["CORRIDOR_KEYD_DATABASE_URL"] = parts._replace(netloc=f"{role}@{host}").geturl()
    return env


def create_keyd_role(env: dict[str, str], role: str) -> None:
    """What the operator does once as the postgres user (docs/operators.md)."""
    import psycopg

    admin = urlsplit(env["DATABASE_URL"])._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE ROLE "{role}" LOGIN')
        connection.execute(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')


def shell(env: dict[str, str], code: str) -> dict[str, object]:
    site = {**env, "DJANGO_SETTINGS_MODULE": "tests.keyd.site_settings"}
    ran = run_corridor("shell", "-c", code, env=site)
    assert ran.returncode == 0, ran.stderr
    return dict(json.loads(ran.stdout.splitlines()[-1]))


@pytest.mark.postgres
def test_a_restore_with_keyd_on_postgresql_opens_cases(tmp_path):
    role = f"keyd_{secrets.token_hex(4)}"
    backups = tmp_path / "backups"
    with (
        short_dir() as old_dir,
        short_dir() as old_keyd,
        short_dir() as new_dir,
        short_dir() as new_keyd,
    ):
        old = installation(old_dir, old_keyd, role)
        create_keyd_role(old, role)
        made = run_corridor("keys", "init", "--shares", "3", "--threshold", "2", env=old)
        assert made.returncode == 0, made.stderr
        shares = [m.group(1) for m in map(SHARE.fullmatch, made.stdout.splitlines()) if m]
        with keyd_process(old):
            assert unseal(old, shares[0], shares[1]).returncode == 0
            setup = run_corridor("setup", "--no-input", env=old)
            assert setup.returncode == 0, setup.stderr
            assert f"keyd's role {role} may read" in setup.stdout
            scenario = shell(old, "from tests.keyd.scenario import make_case; make_case()")
            backed_up = run_corridor("backup", str(backups), env=old)
            assert backed_up.returncode == 0, backed_up.stderr
            assert "kek-check.json" in backed_up.stdout
        assert not any("kek" in path.name for path in backups.iterdir())

        # The server is gone. On the new one: keyd's check file from the trustees'
        # material (never from the backups), keyd, the trustees, then the restore.
        shutil.copy(old_keyd / "kek-check.json", new_keyd / "kek-check.json")
        # keyd's ledger (who may have which key, the staff's factors) from keyd's own
        # backup: the data backups never hold it.
        shutil.copy(old_keyd / "ledger.sqlite3", new_keyd / "ledger.sqlite3")
        # keyd's audit head key (wrapped under the KEK), which also signs the manifests.
        shutil.copy(old_keyd / "head-key.json", new_keyd / "head-key.json")
        new = installation(new_dir, new_keyd, role)
        with keyd_process(new):
            refused = run_corridor("restore", str(backups), "--kek-file", str(backups), env=new)
            assert (refused.returncode, "Traceback" in refused.stderr) == (2, False)
            assert "With keyd no file holds the KEK" in refused.stderr
            sealed = run_corridor("restore", str(backups), env=new)
            assert (sealed.returncode, "keyd is sealed" in sealed.stderr) == (1, True)
            assert unseal(new, shares[2], shares[0]).returncode == 0
            # A manifest signed by another key: keyd signs the restore's challenge with the
            # key its KEK unwraps, which did not sign this manifest. Nothing is kept.
            forged = tmp_path / "forged"
            shutil.copytree(backups, forged)
            listed = next(forged.glob("corridor-manifest-*"))
            listed.write_bytes(resign(json.loads(listed.read_text()), Ed25519PrivateKey.generate()))
            refused = run_corridor("restore", str(forged), env=new)
            assert (refused.returncode, "Traceback" in refused.stderr) == (2, False)
            assert "is signed by another key than this installation's" in refused.stderr
            restored = run_corridor("restore", str(backups), env=new)
            assert restored.returncode == 0, restored.stderr
            # pg_restore dropped keyd's grants; the restore gave them back.
            assert f"keyd's role {role} may read" in restored.stdout
            opened = shell(
                new,
                "from tests.keyd.scenario import open_case; "
                f"open_case('{scenario['case']}', {scenario['caseworker']})",
            )
        assert str(opened["ref"]).startswith("CR-")
        assert not (new_dir / "kek.demo").exists()


def test_keys_init_refuses_a_folder_keyd_has_run_from(tmp_path):
    """A lost kek-check.json beside keyd's log is a lost record, not a new installation."""
    with short_dir() as keyd_dir:
        env = with_checkout(
            corridor_env(tmp_path, CORRIDOR_KEY_PROVIDER="keyd", CORRIDOR_KEYD_DIR=str(keyd_dir))
        )
        made = run_corridor("keys", "init", "--shares", "3", "--threshold", "2", env=env)
        assert made.returncode == 0, made.stderr
        with keyd_process(env):
            pass  # keyd writes its log
        (keyd_dir / "kek-check.json").unlink()
        again = run_corridor("keys", "init", "--shares", "3", "--threshold", "2", env=env)
        assert (again.returncode, again.stdout) == (1, "")
        assert "kek-check.json is missing: copy it back" in again.stderr
        # keyd itself never suggests a new KEK without saying what it would cost.
        down = run_corridor("keyd", env=env, timeout=60)
        assert down.returncode == 1
        assert "a new KEK would open none of its keys" in down.stderr
        assert not (keyd_dir / "kek-check.json").exists()


@pytest.mark.postgres
def test_setup_names_the_step_when_keyds_role_does_not_exist(tmp_path):
    """The grant comes before keyd is asked anything: the operator learns the missing step."""
    with short_dir() as keyd_dir:
        env = installation(tmp_path, keyd_dir, f"keyd_{secrets.token_hex(4)}")
        result = run_corridor("setup", "--no-input", env=env)
    assert (result.returncode, "Traceback" in result.stderr) == (1, False)
    last = result.stderr.strip().splitlines()[-1]
    assert "could not be granted its reads" in last
    assert "The read-only database role" in last
    assert "corridor setup --no-input" in last
