"""`corridor onion-config`: what it prints is a configuration Debian's tor accepts, with the
portal's onion service defending itself (proof of work), apart from the staff site's.

`tor --verify-config` parses and validates every option as the daemon would at start,
without touching the network; CI installs Debian's `tor` (.ci/run).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.processes import corridor_env, run_corridor
from tests.testdata import in_ci

pytestmark = pytest.mark.process


def tor() -> str:
    found = shutil.which("tor") or next(
        (path for path in ("/usr/sbin/tor", "/usr/bin/tor") if Path(path).exists()), None
    )
    if found is None:
        if in_ci():
            pytest.fail("tor is not installed: .ci/run installs Debian's tor", pytrace=False)
        pytest.skip("tor is not installed (apt-get install tor)")
    return found


def verify(config: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """tor's own check of `config`, with a data directory of the test's own."""
    data = folder / "tor-data"
    data.mkdir(mode=0o700)
    torrc = folder / "torrc"
    torrc.write_text(f"DataDirectory {data}\nSocksPort 0\n{config}", encoding="utf-8")
    return subprocess.run(
        [tor(), "--verify-config", "-f", str(torrc), "--defaults-torrc", "/dev/null"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def printed(tmp_path: Path, *args: str) -> str:
    env = corridor_env(tmp_path, CORRIDOR_SECRET_KEY=secrets.token_urlsafe(48))
    result = run_corridor("onion-config", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def options(config: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in config.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition(" ")
            found.setdefault(name, []).append(value)
    return found


def test_tor_accepts_the_portal_service_with_proof_of_work(tmp_path):
    config = printed(tmp_path, "--port", "8001", "--dir", f"{tmp_path}/hs-portal/")
    result = verify(config, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout
    # Nothing tor only tolerates (a misspelt or deprecated option is a warning, not a failure).
    warnings = [line for line in result.stdout.splitlines() if "[warn]" in line]
    assert all("running Tor as root" in line for line in warnings), warnings
    found = options(config)
    assert found["HiddenServicePort"] == ["80 127.0.0.1:8001"]
    assert found["HiddenServicePoWDefensesEnabled"] == ["1"]
    assert found["HiddenServiceEnableIntroDoSDefense"] == ["1"]
    assert found["HiddenServiceMaxStreamsCloseCircuit"] == ["1"]


def test_the_staff_site_is_a_separate_service(tmp_path):
    """With --staff-port, a second service on its own folder and port; the portal's address
    never leads to staff pages, and tor accepts both."""
    config = printed(
        tmp_path,
        "--dir",
        f"{tmp_path}/hs-portal/",
        "--staff-port",
        "8000",
        "--staff-dir",
        f"{tmp_path}/hs-staff/",
    )
    assert verify(config, tmp_path).returncode == 0
    found = options(config)
    assert found["HiddenServiceDir"] == [f"{tmp_path}/hs-portal/", f"{tmp_path}/hs-staff/"]
    assert found["HiddenServicePort"] == ["80 127.0.0.1:8001", "80 127.0.0.1:8000"]
    assert "authorized_clients" in config


def test_the_check_would_catch_a_broken_defence(tmp_path):
    """tor really validates these options: a wrong value is refused, so the test above
    proves something."""
    config = printed(tmp_path, "--dir", f"{tmp_path}/hs-portal/")
    broken = config.replace(
        "HiddenServicePoWDefensesEnabled 1", "HiddenServicePoWDefensesEnabled 7"
    )
    assert broken != config
    assert verify(broken, tmp_path).returncode != 0
