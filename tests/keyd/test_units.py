"""The systemd units docs/operators.md gives pass `systemd-analyze verify` (offline: it
needs no running systemd), and the web and worker do not stop when keyd stops."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

from corridor.operations.management.commands.serve import GRACEFUL_SECONDS
from tests.keyd.helpers import REPOSITORY, load_script

WORKER = "corridor-worker.service"
INSTALLED_AT = "/srv/corridor/app"


def documented_units() -> dict[str, str]:
    """Every unit in the guide, the worker's made from the web's as the guide says (read
    the way the install drill reads them)."""
    guide = (REPOSITORY / "docs" / "operators.md").read_text(encoding="utf-8")
    return dict(load_script("drill_guide").units(guide))


def parsed(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


@pytest.mark.process
def test_the_guides_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd (see .ci/run)"
    units = documented_units()
    assert sorted(units) == [
        "corridor-keyd.service",
        "corridor-portal.service",
        "corridor-worker.service",
        "corridor.service",
    ]
    paths: list[Path] = []
    for name, text in units.items():
        # verify checks that ExecStart exists: this checkout stands in for the install.
        path = tmp_path / name
        path.write_text(text.replace(INSTALLED_AT, str(REPOSITORY)), encoding="utf-8")
        paths.append(path)
    checked = subprocess.run(
        [analyze, "verify", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # verify exits 0 on an unknown key or a value it cannot parse, and only says so.
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, "", "")


@pytest.mark.pure
def test_web_and_worker_start_after_keyd_but_do_not_stop_with_it():
    units = documented_units()
    for name in ("corridor.service", WORKER):
        unit = parsed(units[name])["Unit"]
        assert "corridor-keyd.service" in unit["After"].split(), name
        assert unit["Wants"] == "corridor-keyd.service", name
        # Requires= or BindsTo= would stop the portal with keyd (docs/security.md, C16).
        assert "Requires" not in unit, name
        assert "BindsTo" not in unit, name
    keyd = parsed(units["corridor-keyd.service"])["Service"]
    assert keyd["User"] == "corridor-keyd"
    assert keyd.get("EnvironmentFile") == "/etc/corridor/keyd.env"


@pytest.mark.pure
def test_web_and_worker_stop_through_their_main_process_with_time_to_finish():
    """SIGTERM to the main process alone (gunicorn's master stops its own workers), and
    systemd waits longer than gunicorn's grace before it kills anything."""
    units = documented_units()
    for name in ("corridor.service", WORKER):
        service = parsed(units[name])["Service"]
        assert service["KillMode"] == "mixed", name
        assert int(service["TimeoutStopSec"]) > GRACEFUL_SECONDS, name
