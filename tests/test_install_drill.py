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
    "name", ["env", "keyd.env", "keyd-role", "corridor.service", "corridor-keyd.service"]
)
def test_every_block_the_drill_reads_is_in_the_guide(name):
    assert drill_guide().block(guide_text(), name).strip()


def test_keyd_needs_nothing_of_the_webs_data_directory():
    """keyd's environment names no CORRIDOR_DATA_DIR: keyd's user may not read it, and
    before issue 19 keyd then failed to start again after setup."""
    keyd_env = drill_guide().block(guide_text(), "keyd.env")
    assert "CORRIDOR_KEYD_DIR=/var/lib/corridor-keyd" in keyd_env
    assert "CORRIDOR_DATA_DIR" not in keyd_env


def test_the_drill_moves_every_folder_and_the_database_socket():
    module = drill_guide()
    guide = guide_text()
    for name in ("env", "keyd.env", "corridor.service", "corridor-keyd.service"):
        moved = module.moved(module.block(guide, name), prefix="/tmp/d", database="/tmp/d/pg:5999")
        for line in moved.splitlines():
            for folder in module.MOVED:
                assert folder not in line.replace("/tmp/d" + folder, ""), (name, line)
            assert "%2Frun%2Fpostgresql" not in line
    env = module.moved(module.block(guide, "env"), prefix="/tmp/d", database="/tmp/d/pg:5999")
    assert "DATABASE_URL=postgres://corridor@%2Ftmp%2Fd%2Fpg:5999/corridor" in env
