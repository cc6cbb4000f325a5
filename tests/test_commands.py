"""The `corridor` command as an operator runs it: setup, demo data, checks and serve."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.processes import corridor_env, installed_data_dir, run_corridor, serving

pytestmark = pytest.mark.process

ROLES = {"hotline_operator", "verifier", "caseworker", "coordinator", "auditor", "admin"}
PRODUCTION_SECRET = secrets.token_urlsafe(48)


def fetch(url: str, *, host: str | None = None, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data)  # noqa: S310 - loopback only
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def staff_rows(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "corridor.sqlite3") as connection:
        return connection.execute(
            "SELECT id, username, password FROM accounts_staff ORDER BY id"
        ).fetchall()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory, seed_root) -> Path:
    return installed_data_dir(tmp_path_factory.mktemp("demo"), seed_root, demo=True)


def test_setup_demo_writes_one_login_per_role(demo_dir):
    """demo.json lists an account for every role (two coordinators, the floor the rules keep,
    and a standby) with a password and a base32 TOTP secret."""
    accounts = json.loads((demo_dir / "demo.json").read_text(encoding="utf-8"))["accounts"]
    assert {account["role"] for account in accounts} == ROLES | {"standby"}
    assert [a["role"] for a in accounts].count("coordinator") == 2
    for account in accounts:
        assert set(account) == {"username", "password", "role", "totp_secret", "cases"}
        assert re.fullmatch(r"[A-Z2-7]+", account["totp_secret"])
        padded = account["totp_secret"] + "=" * (-len(account["totp_secret"]) % 8)
        assert len(base64.b32decode(padded)) == 20
        assert len(account["password"]) >= 12


def test_data_dir_files_are_private(demo_dir):
    """Everything setup writes is readable by its own user only."""
    for path in demo_dir.iterdir():
        if path.is_file():
            assert path.stat().st_mode & 0o077 == 0, path.name


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="reads the SQLite file directly")
def test_second_setup_changes_nothing(demo_dir):
    """Running `setup --demo` again changes neither demo.json nor the accounts."""
    before_json = (demo_dir / "demo.json").read_bytes()
    before_rows = staff_rows(demo_dir)
    result = run_corridor("setup", "--demo", "--no-input", env=corridor_env(demo_dir))
    assert result.returncode == 0, result.stderr
    assert (demo_dir / "demo.json").read_bytes() == before_json
    assert staff_rows(demo_dir) == before_rows


def test_setup_bootstraps_two_coordinators_once(tmp_path):
    """A new installation gets its first two coordinators at setup, with one-time
    passwords; a second setup adds none."""
    env = corridor_env(tmp_path)
    first = run_corridor("setup", "--no-input", env=env)
    assert first.returncode == 0, first.stderr
    assert "coordinator 'coordinator-1'" in first.stdout
    assert "coordinator 'coordinator-2'" in first.stdout
    again = run_corridor("setup", "--no-input", env=env)
    assert again.returncode == 0, again.stderr
    assert "coordinator-" not in again.stdout
    names = [row[1] for row in staff_rows(tmp_path)]
    assert sorted(names) == ["admin", "coordinator-1", "coordinator-2"]


def test_demo_data_is_refused_in_production(tmp_path):
    """`setup --demo` under CORRIDOR_ENV=production exits non-zero and writes no demo.json."""
    env = corridor_env(
        tmp_path,
        CORRIDOR_ENV="production",
        CORRIDOR_PUBLIC_ORIGIN="https://corridor.example.org",
        CORRIDOR_SECRET_KEY=PRODUCTION_SECRET,
    )
    result = run_corridor("setup", "--demo", "--no-input", env=env)
    assert result.returncode != 0
    assert "Demo data is only allowed" in result.stderr
    assert not (tmp_path / "demo.json").exists()


def test_production_refuses_the_file_key_provider(tmp_path):
    """Production will not start with the key kept on disk."""
    env = corridor_env(
        tmp_path,
        CORRIDOR_ENV="production",
        CORRIDOR_PUBLIC_ORIGIN="https://corridor.example.org",
        CORRIDOR_SECRET_KEY=PRODUCTION_SECRET,
        CORRIDOR_KEY_PROVIDER="file",
    )
    result = run_corridor("check", env=env)
    assert result.returncode == 2
    assert "refused in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_plain_http(tmp_path):
    """Production needs https:// or an onion origin."""
    env = corridor_env(
        tmp_path,
        CORRIDOR_ENV="production",
        CORRIDOR_PUBLIC_ORIGIN="http://corridor.example.org",
        CORRIDOR_SECRET_KEY=PRODUCTION_SECRET,
    )
    result = run_corridor("check", env=env)
    assert result.returncode == 2
    assert "https://" in result.stderr


@pytest.mark.parametrize(
    "origin", ["https://corridor.example.org", "http://corridorabcdefghijklmnop.onion"]
)
def test_check_deploy_passes_on_production_settings(tmp_path, origin):
    """`corridor check --deploy --fail-level WARNING` is clean for TLS and onion deployments."""
    env = corridor_env(
        tmp_path,
        CORRIDOR_ENV="production",
        CORRIDOR_PUBLIC_ORIGIN=origin,
        CORRIDOR_SECRET_KEY=PRODUCTION_SECRET,
    )
    result = run_corridor("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout


def test_serve_answers_on_localhost_and_loopback_with_the_login_form(demo_dir, canary):
    """The demo serves the login form at / for both host names, and the portal at /help/;
    canaries sent in a query string, a body and a Host header reach no log or file."""
    with serving(corridor_env(demo_dir)) as (base, log):
        port = base.rsplit(":", 1)[1]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
            status, body = fetch(base + "/", host=host)
            assert status == 200
            assert 'name="password"' in body
        assert fetch(base + "/help/")[0] == 200
        assert fetch(f"{base}/?q={canary}")[0] == 200
        assert fetch(f"{base}/nowhere/?q={canary}")[0] == 404
        assert fetch(base + "/", data=f"username={canary}&password={canary}".encode())[0] == 403
        assert fetch(base + "/", host=f"{canary}.example")[0] == 400
    written = log.read_text()
    assert "Listening at" in written
    assert "DisallowedHost" in written  # the attack is logged ...
    hits = [
        p.name for p in demo_dir.rglob("*") if p.is_file() and canary.encode() in p.read_bytes()
    ]
    assert hits == []  # ... but no canary is on disk, log included


def test_serve_portal_alone_hides_every_staff_url(demo_dir):
    """`serve --portal` shows the portal at / and answers 404 for staff URLs."""
    with serving(corridor_env(demo_dir), "--portal") as (base, _log):
        status, body = fetch(base + "/")
        assert status == 200
        assert 'name="password"' not in body
        assert 'lang="ru"' in body
        assert fetch(base + "/en/")[0] == 200
        assert fetch(base + "/logout/")[0] == 404
        assert fetch(base + "/i18n/setlang/")[0] == 404


def test_demo_caseload_covers_every_phase_and_level_without_personal_data(demo_dir):
    """`corridor cases list --json` on the demo: ≥150 cases, ≥7 phases, 4 risk levels, every
    flag, and not one name from the demo's name lists."""
    from corridor.operations.demo_cases import FAMILY, GIVEN_FEMALE, GIVEN_MALE

    result = run_corridor("cases", "list", "--json", env=corridor_env(demo_dir))
    assert result.returncode == 0, result.stderr
    lines = json.loads(result.stdout)
    assert len(lines) >= 150
    assert len({line["phase"] for line in lines}) >= 7
    assert {line["risk_level"] for line in lines} >= {"critical", "high", "medium", "low"}
    assert {flag for line in lines for flag in line["flags"]} >= {"detained", "missing", "on_hold"}
    for name in (*GIVEN_MALE, *GIVEN_FEMALE, *FAMILY):
        assert name not in result.stdout
    accounts = json.loads((demo_dir / "demo.json").read_text(encoding="utf-8"))["accounts"]
    assigned = [
        ref for account in accounts if account["role"] == "caseworker" for ref in account["cases"]
    ]
    assert len(assigned) >= 100
    assert set(assigned) <= {line["ref"] for line in lines}


@pytest.mark.skipif("DATABASE_URL" in os.environ, reason="reads the SQLite file directly")
def test_demo_applications_walk_every_status_and_use_a_negotiated_place(demo_dir):
    """The applications board and the route panel have something to show: every status,
    grants and denials with their reasons, and an agreement whose places are in use."""
    with sqlite3.connect(demo_dir / "corridor.sqlite3") as connection:
        statuses = dict(
            connection.execute(
                "SELECT status, COUNT(*) FROM pathways_application GROUP BY status"
            ).fetchall()
        )
        reasons = connection.execute(
            "SELECT COUNT(DISTINCT denial_reason) FROM pathways_application WHERE status = ?",
            ("denied",),
        ).fetchone()[0]
        slots = connection.execute(
            "SELECT s.places, COUNT(a.id) FROM pathways_slotagreement s "
            "JOIN pathways_application a ON a.slot_id = s.id WHERE a.status != ? GROUP BY s.id",
            ("withdrawn",),
        ).fetchall()
    assert set(statuses) == {
        "draft",
        "submitted",
        "interview",
        "documents_requested",
        "granted",
        "denied",
        "withdrawn",
        "appealed",
    }
    assert statuses["granted"] >= 5
    assert statuses["denied"] >= 5
    assert reasons >= 3
    assert len(slots) == 1
    places, taken = slots[0]
    assert 0 < taken <= places  # a withdrawn application gave its place back


def test_demo_has_requests_for_the_hotline_and_the_verifiers(demo_dir):
    result = run_corridor("intake", "list", "--json", env=corridor_env(demo_dir))
    assert result.returncode == 0, result.stderr
    lines = json.loads(result.stdout)
    assert sorted({line["channel"] for line in lines}) == ["hotline", "portal"]
    assert len(lines) == 9
    assert all(line["ref"].startswith("RQ-") for line in lines)
    assert "Чеченская" not in result.stdout  # codes and dates only
