"""The install drill (scripts/install-drill.sh, run by CI as root) reads the units, the
environment files and keyd's database role from docs/operators.md: each must still be
there, and what the drill moves under its prefix must move whole."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.keyd.helpers import REPOSITORY, load_script

pytestmark = pytest.mark.pure


def drill_guide() -> ModuleType:
    return load_script("drill_guide")


def guide_text() -> str:
    return (REPOSITORY / "docs" / "operators.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "env",
        "keyd.env",
        "keyd-role",
        "pg_ident.conf",
        "pg_hba.conf",
        "corridor.service",
        "corridor-worker.service",
        "corridor-portal.service",
        "corridor-keyd.service",
    ],
)
def test_every_block_the_drill_reads_is_in_the_guide(name):
    assert drill_guide().block(guide_text(), name).strip()


def test_keyd_needs_nothing_of_the_webs_data_directory():
    """keyd's environment names no CORRIDOR_DATA_DIR: keyd's user may not read it, and
    when it did, keyd failed to start again after setup."""
    keyd_env = drill_guide().block(guide_text(), "keyd.env")
    assert "CORRIDOR_KEYD_DIR=/var/lib/corridor-keyd" in keyd_env
    assert "CORRIDOR_DATA_DIR" not in keyd_env


def test_the_drill_moves_every_folder_and_the_database_socket():
    module = drill_guide()
    guide = guide_text()
    for name in (
        "env",
        "keyd.env",
        "corridor.service",
        "corridor-worker.service",
        "corridor-portal.service",
        "corridor-keyd.service",
    ):
        moved = module.moved(module.block(guide, name), prefix="/tmp/d", database="/tmp/d/pg:5999")
        for line in moved.splitlines():
            for folder in module.MOVED:
                assert folder not in line.replace("/tmp/d" + folder, ""), (name, line)
            assert "%2Frun%2Fpostgresql" not in line
    env = module.moved(module.block(guide, "env"), prefix="/tmp/d", database="/tmp/d/pg:5999")
    assert "DATABASE_URL=postgres://corridor@%2Ftmp%2Fd%2Fpg:5999/corridor" in env


@pytest.mark.parametrize(
    ("unit", "user", "command"),
    [
        ("corridor.service", "corridor", "corridor serve --host 127.0.0.1 --port 8000"),
        ("corridor-worker.service", "corridor-worker", "corridor worker"),
        ("corridor-portal.service", "corridor-portal", "corridor serve --portal --host"),
    ],
)
def test_the_web_worker_and_portal_units_run_as_the_users_keyd_tells_apart(unit, user, command):
    """Each unit runs as the user both environment files bind its caller to, in the group
    corridor, with the UMask that keeps the shared data folder the group's: a unit left
    as `corridor` would make keyd serve the worker as the web (or `worker` refuse to start)."""
    module = drill_guide()
    guide = guide_text()
    text = module.block(guide, unit)
    assert f"\nUser={user}\n" in text
    assert "\nGroup=corridor\n" in text
    assert "\nUMask=0007\n" in text
    assert command in text
    caller = {"corridor": "WEB", "corridor-worker": "WORKER", "corridor-portal": "PORTAL"}[user]
    for env in ("env", "keyd.env"):
        assert f"CORRIDOR_KEYD_{caller}_USERS={user}\n" in module.block(guide, env)


def test_the_three_users_map_to_the_role_corridor():
    module = drill_guide()
    ident = module.block(guide_text(), "pg_ident.conf").splitlines()
    assert ident == [
        f"corridor {user} corridor" for user in ("corridor", "corridor-worker", "corridor-portal")
    ]
    assert module.block(guide_text(), "pg_hba.conf") == "local all corridor peer map=corridor\n"
