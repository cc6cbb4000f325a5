"""keyd and its commands as an operator runs them, each in its own process (as this user).

Exit codes: unseal 0 unsealed, 3 more needed, 2 invalid share; keyd status 0 unsealed,
3 sealed; 1 when keyd cannot be reached; 2 for bad arguments.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from pathlib import Path

import pytest

from tests.keyd.helpers import (
    is_root,
    keyd_process,
    proc_status,
    short_dir,
    with_checkout,
)
from tests.processes import corridor_env, run_corridor

pytestmark = pytest.mark.process

SHARE_LINE = re.compile(r"share (\d)/5: ((?:[a-z]+ ){32}[a-z]+)")


@pytest.fixture
def data_dir():
    with short_dir() as directory:
        yield directory


@pytest.fixture
def env(data_dir):
    return with_checkout(corridor_env(data_dir, CORRIDOR_KEY_PROVIDER="keyd"))


def init(env, shares=5, threshold=3) -> list[str]:
    result = run_corridor(
        "keys", "init", "--shares", str(shares), "--threshold", str(threshold), env=env
    )
    assert result.returncode == 0, result.stderr
    return [
        match.group(2) for match in map(SHARE_LINE.fullmatch, result.stdout.splitlines()) if match
    ]


def unseal(env, *shares: str):
    return run_corridor("unseal", env=env, stdin="".join(f"{share}\n" for share in shares))


def test_keys_init_prints_n_share_lines_once_and_needs_only_the_data_dir(env, data_dir):
    result = run_corridor("keys", "init", "--shares", "5", "--threshold", "3", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    assert [SHARE_LINE.fullmatch(line).group(1) for line in lines[:5]] == ["1", "2", "3", "4", "5"]
    # The audit head key's public half, for the trustees to pin; the private half wrapped.
    assert lines[5].startswith("audit head key: ")
    # Nothing else was made: no database, no secret key, no key store.
    assert sorted(path.relative_to(data_dir).as_posix() for path in data_dir.rglob("*")) == [
        "keyd",
        "keyd/head-key.json",
        "keyd/kek-check.json",
    ]
    again = run_corridor("keys", "init", "--shares", "5", "--threshold", "3", env=env)
    assert again.returncode == 1
    assert "already has a KEK" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--shares", "3", "--threshold", "4"], "from 1 to the number of shares"),
        (["--shares", "3", "--threshold", "1"], "any one share"),
        (["--shares", "0", "--threshold", "1"], "invalid count value"),
        (["--shares", "3"], "the following arguments are required: --threshold"),
    ],
)
def test_keys_init_refuses_impossible_splits_with_exit_2(env, arguments, message):
    result = run_corridor("keys", "init", *arguments, env=env)
    assert result.returncode == 2
    assert message in result.stderr.strip().splitlines()[-1]


def test_keyd_refuses_to_start_without_a_record(env):
    result = run_corridor("keyd", env=env, timeout=60)
    assert result.returncode == 1
    assert "corridor keys init" in result.stderr
    assert "Traceback" not in result.stderr


def test_commands_say_when_keyd_is_not_running(env):
    for arguments in (["unseal"], ["seal"], ["keyd", "status"]):
        result = run_corridor(*arguments, env=env, stdin="share\n")
        assert result.returncode == 1, arguments
        assert "keyd is not running" in result.stderr
    worker = run_corridor(
        "worker", "--burst", env={**env, "CORRIDOR_SECRET_KEY": secrets.token_urlsafe(48)}
    )
    assert worker.returncode == 1
    assert "keyd is not running" in worker.stderr


def test_unseal_across_invocations_and_seal_again(env):
    shares = init(env)
    with keyd_process(env) as keyd:
        status = run_corridor("keyd", "status", env=env)
        assert status.returncode == 3
        assert "keyd: sealed; need 3 more (shares entered: 0)" in status.stdout
        assert "not dumpable, core files up to 0 bytes" in status.stdout
        limits = Path(f"/proc/{keyd.pid}/limits").read_text()
        assert re.search(r"Max core file size\s+0\s+0", limits)
        if is_root():
            assert "memory locked" in status.stdout
            assert int(proc_status(keyd.pid)["VmLck"].split()[0]) > 0
        first = unseal(env, shares[0], shares[3])
        assert (first.returncode, first.stdout.strip()) == (3, "need 1 more")
        second = unseal(env, shares[4])
        assert (second.returncode, second.stdout.strip()) == (0, "unsealed")
        assert run_corridor("keyd", "status", env=env).returncode == 0
        assert (unseal(env, shares[1]).returncode, unseal(env, shares[1]).stdout.strip()) == (
            0,
            "unsealed",
        )
        sealed = run_corridor("seal", env=env)
        assert (sealed.returncode, sealed.stdout.strip()) == (0, "sealed")
        assert run_corridor("keyd", "status", env=env).returncode == 3
    # No share (nor any run of its words) reaches keyd's log or its own output.
    written = (
        Path(env["CORRIDOR_DATA_DIR"]) / "keyd" / "keyd.log"
    ).read_text() + keyd.stderr.read()
    for share in shares:
        assert " ".join(share.split()[3:6]) not in written


def test_each_kind_of_bad_share_exits_2_with_its_reason(env):
    shares = init(env)
    with short_dir() as elsewhere:
        other = init(with_checkout(corridor_env(elsewhere)))
    words = shares[1].split()
    words[7] = "zero" if words[7] != "zero" else "acid"
    with keyd_process(env):
        accepted = unseal(env, shares[0])
        assert accepted.returncode == 3
        cases = {
            "checksum": " ".join(words),
            "other_set": other[0],
            "repeated": shares[0],
        }
        for reason, share in cases.items():
            result = unseal(env, share)
            assert result.returncode == 2, reason
            assert f"invalid share: {reason}" in result.stderr
            assert result.stdout.strip() == "need 2 more"  # the accepted share is kept
        empty = unseal(env)
        assert (empty.returncode, empty.stderr.strip()) == (2, "no share was entered")
        forgot = run_corridor("unseal", "--forget", env=env)
        assert forgot.stdout.strip() == "shares forgotten; need 3 more"


def test_shares_for_another_record_are_wrong_key_check(env, data_dir):
    shares = init(env)
    record = data_dir / "keyd" / "kek-check.json"
    payload = json.loads(record.read_text())
    payload["versions"]["1"]["check"] = "A" * 43 + "="
    record.write_text(json.dumps(payload))
    with keyd_process(env):
        result = unseal(env, *shares[:3])
    assert result.returncode == 2
    assert "invalid share: wrong_key_check" in result.stderr


def test_a_peer_of_another_user_is_refused(env):
    init(env)
    refused_env = {
        **env,
        "CORRIDOR_KEYD_ADMIN_USERS": "54321",
        "CORRIDOR_KEYD_CLIENT_USERS": "54321",
    }
    with keyd_process(refused_env):
        result = run_corridor("keyd", "status", env=refused_env)
    assert result.returncode == 1
    assert "keyd does not serve user" in result.stderr


def test_the_keyd_log_verifies_and_names_an_edited_line(env, data_dir):
    shares = init(env)
    with keyd_process(env):
        unseal(env, *shares[:3])
        head = run_corridor("keyd", "status", env=env).stdout.split("log head: ")[1].split()[0]
    log = data_dir / "keyd" / "keyd.log"
    verified = run_corridor("keys", "log", "verify", env=env)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("keyd log verified: 6 lines")
    assert run_corridor("keys", "log", "verify", "--head", head, env=env).returncode == 0
    lines = log.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"op":"unseal"', '"op":"status"')
    log.write_text("".join(lines))
    broken = run_corridor("keys", "log", "verify", env=env)
    assert broken.returncode == 1
    assert f"keyd log {log}: line 4 was changed." in broken.stderr
    bad_head = run_corridor("keys", "log", "verify", "--head", "x", env=env)
    assert bad_head.returncode == 2
    missing = run_corridor("keys", "log", "verify", "--file", str(data_dir / "none"), env=env)
    assert (missing.returncode, "There is no keyd log" in missing.stderr) == (1, True)


def test_the_production_order_then_a_rotation_through_keyd(env, data_dir):
    """keys init (data dir only) -> keyd -> unseal -> setup; then keys rotate prints the new
    KEK's shares before rewrapping, and only they unseal keyd after a restart."""
    shares = init(env)
    with keyd_process(env):
        assert unseal(env, *shares[:3]).returncode == 0
        setup = run_corridor("setup", "--no-input", env=env)
        assert setup.returncode == 0, setup.stderr
        assert "Setup complete." in setup.stdout
        rotated = run_corridor("keys", "rotate", env=env)
        assert rotated.returncode == 0, rotated.stderr
        new_shares = [
            m.group(2) for m in map(SHARE_LINE.fullmatch, rotated.stdout.splitlines()) if m
        ]
        assert len(new_shares) == 5
        assert "KEK rotated: version 2 now wraps every key; 4 rewrapped" in rotated.stdout
    with keyd_process(env):
        assert unseal(env, shares[0]).returncode == 2  # the old shares no longer fit
        assert unseal(env, *new_shares[2:]).returncode == 0
        again = run_corridor("setup", "--no-input", env=env)
        assert again.returncode == 0, again.stderr
    if "DATABASE_URL" not in env:
        with sqlite3.connect(data_dir / "keystore.sqlite3") as keystore:
            versions = keystore.execute(
                "SELECT version, retired_at IS NULL FROM vault_kekversion"
            ).fetchall()
        assert sorted(versions) == [(1, 0), (2, 1)]


def test_setup_with_keyd_sealed_stops_and_names_unseal(env):
    init(env)
    with keyd_process(env):
        result = run_corridor("setup", "--no-input", env=env)
    assert result.returncode == 1
    assert "Keys not initialised: keyd is sealed" in result.stderr


def test_the_operator_makes_the_new_kek_and_retires_the_old_one(env):
    shares = init(env)
    with keyd_process(env):
        assert unseal(env, *shares[:3]).returncode == 0
        assert run_corridor("setup", "--no-input", env=env).returncode == 0
        made = run_corridor("keyd", "new-kek", "--shares", "3", "--threshold", "2", env=env)
        assert made.returncode == 0, made.stderr
        assert [line.split(":")[0] for line in made.stdout.splitlines()] == [
            "share 1/3",
            "share 2/3",
            "share 3/3",
        ]
        assert "KEK version 2 exists only in these shares" in made.stderr
        rotated = run_corridor("keys", "rotate", env=env)
        assert rotated.returncode == 0, rotated.stderr
        assert "share 1/" not in rotated.stdout  # keyd had it already: no second set of shares
        assert run_corridor("keyd", "retire", env=env).returncode == 2
        retired = run_corridor("keyd", "retire", "--keep", "2", env=env)
        assert (retired.returncode, retired.stdout.strip()) == (0, "keyd keeps only KEK version 2")
        status = run_corridor("keyd", "status", env=env)
        assert "KEK versions held: 2" in status.stdout
