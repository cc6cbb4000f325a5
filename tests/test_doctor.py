"""`corridor doctor`: each check passes on a healthy installation and fails, naming the fix,
on a broken one; the command's exit code and JSON follow the worst finding."""

from __future__ import annotations

import io
import json
import os
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connections

from corridor.audit.events import EventType
from corridor.audit.heads import SignedHead
from corridor.audit.models import TreeHead
from corridor.audit.services import record_event
from corridor.core.actors import cli_actor
from corridor.core.heartbeat import HEARTBEAT_JOB
from corridor.core.models import PeriodicJobState
from corridor.core.tasks import run_due_jobs
from corridor.operations import doctor
from corridor.operations.doctor import Finding, Status

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
Usage = namedtuple("Usage", "total used free")
BOTH = pytest.mark.django_db(databases=["default", "keystore"])


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir(mode=0o700)
    (directory / "secret_key").write_text("x")
    (directory / "secret_key").chmod(0o600)
    settings.CORRIDOR_DATA_DIR = directory
    return directory


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def run_doctor(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("doctor", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def only(status: Status, check: str = "x") -> list[Finding]:
    return [Finding(check, status, "found.", "" if status is Status.OK else "fix it.")]


# ---------------------------------------------------------------- data_dir
def test_a_private_data_dir_passes(data_dir):
    """A data dir of mode 0700 owned by this user, secret key 0600: ok."""
    finding = doctor.check_data_dir()
    assert finding.status is Status.OK, finding


def test_a_data_dir_others_can_read_fails_with_chmod(data_dir):
    """A secret key file readable by the group is named, with the chmod that fixes it."""
    (data_dir / "secret_key").chmod(0o640)
    finding = doctor.check_data_dir()
    assert finding.status is Status.FAIL
    assert "secret_key is open to its group or others (mode -rw-r-----)" in finding.found
    assert f"chmod -R go-rwx {data_dir}" in finding.fix


def test_a_data_dir_shared_with_the_group_passes_when_keyd_binds_the_callers(data_dir, settings):
    """Web, worker and portal as three users of one group (docs/operators.md): the folder
    and the secret key open to the group are what the guide sets up, not a failure."""
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_CALLERS = {"web": ("corridor",), "worker": ("corridor-worker",)}
    data_dir.chmod(0o770)
    (data_dir / "secret_key").chmod(0o660)
    finding = doctor.check_data_dir()
    assert finding.status is Status.OK, finding
    assert "with its group only" in finding.found


def test_a_data_dir_others_can_read_fails_also_when_shared_with_the_group(data_dir, settings):
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_CALLERS = {"web": ("corridor",), "worker": ("corridor-worker",)}
    (data_dir / "secret_key").chmod(0o664)
    finding = doctor.check_data_dir()
    assert finding.status is Status.FAIL
    assert "secret_key is open to others (mode -rw-rw-r--)" in finding.found
    assert f"chmod -R o-rwx {data_dir}" in finding.fix


def test_a_missing_data_dir_fails_saying_run_setup(settings, tmp_path):
    settings.CORRIDOR_DATA_DIR = tmp_path / "nowhere"
    finding = doctor.check_data_dir()
    assert finding.status is Status.FAIL
    assert "corridor setup" in finding.fix


def test_a_data_dir_of_another_user_fails(data_dir, monkeypatch):
    """Owned by someone other than the user running Corridor: the chown is the fix."""
    monkeypatch.setattr(doctor.os, "geteuid", lambda: os.getuid() + 1)
    finding = doctor.check_data_dir()
    assert finding.status is Status.FAIL
    assert "not to" in finding.found
    assert finding.fix.startswith("chown -R ")


# ---------------------------------------------------------------- keyd_dir
def test_keyd_dir_is_not_applicable_with_the_file_provider(settings):
    settings.CORRIDOR_KEY_PROVIDER = "file"
    assert doctor.check_keyd_dir().status is Status.NOT_APPLICABLE


def test_a_private_keyd_dir_passes_and_an_open_one_fails(settings, tmp_path):
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_DIR = tmp_path / "keyd"
    settings.CORRIDOR_KEYD_DIR.mkdir(mode=0o700)
    assert doctor.check_keyd_dir().status is Status.OK
    settings.CORRIDOR_KEYD_DIR.chmod(0o750)
    finding = doctor.check_keyd_dir()
    assert finding.status is Status.FAIL
    assert finding.fix == f"chmod 0700 {settings.CORRIDOR_KEYD_DIR}"


def test_in_production_keyds_dir_must_belong_to_keyds_own_user(settings, tmp_path, monkeypatch):
    """Owned by the user that runs Corridor, keyd's record and log are the web's to read."""
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_ENV = "production"
    settings.CORRIDOR_KEYD_DIR = tmp_path / "keyd"
    settings.CORRIDOR_KEYD_DIR.mkdir(mode=0o700)
    owner = settings.CORRIDOR_KEYD_DIR.stat().st_uid
    monkeypatch.setattr(doctor.os, "geteuid", lambda: owner)
    shared = doctor.check_keyd_dir()
    assert shared.status is Status.FAIL
    assert "keyd must run as its own user" in shared.found
    assert shared.fix.startswith(f"chown -R corridor-keyd:corridor {settings.CORRIDOR_KEYD_DIR}")
    monkeypatch.setattr(doctor.os, "geteuid", lambda: owner + 1)
    assert doctor.check_keyd_dir().status is Status.OK


def test_a_missing_keyd_dir_fails_saying_keys_init(settings, tmp_path):
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_DIR = tmp_path / "absent"
    finding = doctor.check_keyd_dir()
    assert finding.status is Status.FAIL
    assert "corridor keys init" in finding.fix
    # A web environment that does not name keyd's folder must not lead to a second KEK.
    assert finding.fix.startswith("if keyd's folder is elsewhere, name it in CORRIDOR_KEYD_DIR")


# ---------------------------------------------------------------- keys (file provider)
def test_the_demo_key_file_is_a_warning_not_an_installation(settings):
    """The file provider works but keeps the KEK on disk: a warning pointing at keyd."""
    settings.CORRIDOR_KEY_PROVIDER = "file"
    finding = doctor.check_keys()
    assert finding.status is Status.WARN
    assert "CORRIDOR_KEY_PROVIDER=keyd" in finding.fix


def test_the_file_provider_in_production_fails(settings):
    settings.CORRIDOR_KEY_PROVIDER = "file"
    settings.CORRIDOR_ENV = "production"
    finding = doctor.check_keys()
    assert finding.status is Status.FAIL
    assert "file key provider" in finding.found


# ---------------------------------------------------------------- data_checksums
def test_checksums_are_not_applicable_on_sqlite(monkeypatch):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    assert doctor.check_data_checksums().status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(("value", "status"), [("on", Status.OK), ("off", Status.FAIL)])
def test_checksums_on_postgres_follow_show_data_checksums(monkeypatch, value, status):
    """`SHOW data_checksums` off on a PostgreSQL cluster fails, naming pg_checksums."""
    monkeypatch.setattr(connections["default"], "vendor", "postgresql")
    monkeypatch.setattr(doctor, "_data_checksums", lambda alias: value)
    finding = doctor.check_data_checksums()
    assert finding.status is status
    if status is Status.FAIL:
        assert "pg_checksums --enable" in finding.fix


@pytest.mark.postgres
@BOTH
def test_the_test_cluster_has_checksums_on():
    """Against the real server: the suite's own cluster is made with data checksums."""
    assert doctor.check_data_checksums().status is Status.OK


# ---------------------------------------------------------------- migrations
@BOTH
def test_migrations_applied_pass():
    assert doctor.check_migrations().status is Status.OK


@BOTH
def test_an_unapplied_migration_fails_saying_setup(monkeypatch):
    """A plan with work left (a new version not yet set up) fails with the setup command."""
    monkeypatch.setattr(
        doctor.MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)]
    )
    finding = doctor.check_migrations()
    assert finding.status is Status.FAIL
    assert "1 on default, 1 on keystore" in finding.found
    assert "corridor setup --no-input" in finding.fix


# ---------------------------------------------------------------- backup
@pytest.mark.django_db
def test_no_backup_yet_is_a_warning(now):
    assert doctor.check_backup().status is Status.WARN


@pytest.mark.django_db
def test_a_backup_of_last_night_passes_and_one_of_two_days_ago_fails(now, time_machine):
    """The age comes from the backup's own event in the audit log."""
    time_machine.move_to(NOW - timedelta(hours=10), tick=False)
    record_event(actor=cli_actor(), event=EventType.BACKUP_CREATED, detail={"pruned": 0})
    time_machine.move_to(NOW, tick=False)
    ok = doctor.check_backup()
    assert ok.status is Status.OK
    assert "10 h old" in ok.found
    time_machine.move_to(NOW + timedelta(days=2), tick=False)
    late = doctor.check_backup()
    assert late.status is Status.FAIL
    assert "2 days old" in late.found


# ---------------------------------------------------------------- tree_head
def sign_head_at(moment: datetime) -> None:
    TreeHead.objects.create(
        tree_size=1,
        root_hash="A" * 44,
        timestamp=int(moment.timestamp() * 1000),
        key_id="0" * 64,
        signature="A" * 88,
    )


@pytest.mark.django_db
def test_no_tree_head_yet_is_a_warning(now):
    assert doctor.check_tree_head().status is Status.WARN


@pytest.mark.django_db
def test_a_fresh_tree_head_passes_and_a_stale_one_fails(now, time_machine):
    """The newest head decides: an older one beside it does not make the log look stale."""
    sign_head_at(NOW - timedelta(hours=3))
    sign_head_at(NOW - timedelta(minutes=14))
    assert doctor.check_tree_head().status is Status.OK
    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    finding = doctor.check_tree_head()
    assert finding.status is Status.FAIL
    assert "corridor audit head" in finding.fix


# ---------------------------------------------------------------- witness
def head_line(moment: datetime) -> str:
    return SignedHead(
        tree_size=7,
        root_hash=b"\x01" * 32,
        timestamp=int(moment.timestamp() * 1000),
        key_id="0" * 64,
        signature=b"\x02" * 64,
    ).to_line()


@pytest.fixture
def heads_dir(settings, tmp_path) -> Path:
    settings.CORRIDOR_HEADS_DIR = tmp_path / "heads"
    settings.CORRIDOR_HEADS_DIR.mkdir()
    return settings.CORRIDOR_HEADS_DIR


def test_without_a_heads_folder_the_witness_is_a_warning(settings):
    settings.CORRIDOR_HEADS_DIR = None
    finding = doctor.check_witness()
    assert finding.status is Status.WARN
    assert "CORRIDOR_HEADS_DIR" in finding.fix


def test_a_head_pushed_ten_minutes_ago_passes_and_one_of_yesterday_fails(heads_dir, now):
    """The newest file decides, by the head's own signing time."""
    (heads_dir / "old.json").write_text(head_line(NOW - timedelta(days=1)))
    os.utime(heads_dir / "old.json", (0, 0))
    (heads_dir / "new.json").write_text(head_line(NOW - timedelta(minutes=10)) + "\n")
    ok = doctor.check_witness()
    assert ok.status is Status.OK, ok
    assert "new.json, is 10 min old" in ok.found
    (heads_dir / "new.json").unlink()
    stale = doctor.check_witness()
    assert stale.status is Status.FAIL
    assert "old.json, is 24 h old" in stale.found
    assert "corridor audit head" in stale.fix


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"\xef\xbb\xbf[" + b"[" * 100, "nests lists or objects deeper than 32 levels"),
        (b"{}", "a tree head is an object with exactly"),
        (b" " * (doctor.HEAD_FILE_LIMIT + 1), "is larger than 65,536 bytes"),
    ],
)
def test_a_damaged_head_file_fails_naming_it(heads_dir, now, content, found):
    (heads_dir / "head.json").write_bytes(content)
    finding = doctor.check_witness()
    assert finding.status is Status.FAIL
    assert found in finding.found


def test_an_empty_or_missing_heads_folder_fails(settings, heads_dir):
    assert "holds no tree head yet" in doctor.check_witness().found
    settings.CORRIDOR_HEADS_DIR = heads_dir / "absent"
    finding = doctor.check_witness()
    assert finding.status is Status.FAIL
    assert "is not a folder" in finding.found


# ---------------------------------------------------------------- disk
@pytest.mark.parametrize(
    ("free", "total", "status"),
    [
        (50 * 1024**3, 100 * 1024**3, Status.OK),
        (1 * 1024**3, 100 * 1024**3, Status.WARN),
        (100 * 1024**2, 100 * 1024**3, Status.FAIL),
        (30 * 1024**3, 2048 * 1024**3, Status.WARN),  # plenty of bytes, but 1.5 % left
    ],
)
def test_free_disk_space_warns_then_fails(data_dir, monkeypatch, free, total, status):
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path: Usage(total, total - free, free))
    assert doctor.check_disk().status is status


# ---------------------------------------------------------------- clock
def test_the_clock_is_not_applicable_on_sqlite(monkeypatch):
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    assert doctor.check_clock().status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("skew", "status"), [(0.3, Status.OK), (5.0, Status.WARN), (120.0, Status.FAIL)]
)
def test_a_database_clock_far_from_ours_warns_then_fails(monkeypatch, skew, status):
    monkeypatch.setattr(connections["default"], "vendor", "postgresql")
    monkeypatch.setattr(doctor, "_server_time", lambda: datetime.now(UTC) + timedelta(seconds=skew))
    finding = doctor.check_clock()
    assert finding.status is status
    if status is not Status.OK:
        assert "chrony" in finding.fix


@pytest.mark.postgres
@BOTH
def test_the_test_servers_clock_agrees_with_ours():
    assert doctor.check_clock().status is Status.OK


# ---------------------------------------------------------------- production
def production(settings, origin: str) -> None:
    settings.CORRIDOR_ENV = "production"
    settings.CORRIDOR_PUBLIC_ORIGIN = origin
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME = "__Host-corridor_session"
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize("origin", ["https://corridor.example.org", "http://abcdef.onion"])
def test_production_over_https_or_onion_with_secure_cookies_passes(settings, origin):
    production(settings, origin)
    assert doctor.check_production().status is Status.OK


def test_production_with_plain_http_or_cookies_off_fails_naming_each(settings):
    production(settings, "https://corridor.example.org")
    settings.SESSION_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    finding = doctor.check_production()
    assert finding.status is Status.FAIL
    assert "SESSION_COOKIE_SECURE is off" in finding.found
    assert "HSTS is off" in finding.found
    production(settings, "http://corridor.example.org")
    assert "neither https nor .onion" in doctor.check_production().found


def test_a_demo_installation_is_a_warning(settings):
    settings.CORRIDOR_ENV = "demo"
    finding = doctor.check_production()
    assert finding.status is Status.WARN
    assert "CORRIDOR_ENV=production" in finding.fix


# ---------------------------------------------------------------- worker
@pytest.mark.django_db
def test_no_worker_ever_fails(now):
    finding = doctor.check_worker()
    assert finding.status is Status.FAIL
    assert "corridor-worker" in finding.fix


@pytest.mark.django_db
def test_the_worker_loop_beats_and_a_silent_worker_fails(time_machine):
    """The worker's own loop writes the heartbeat; ten minutes of silence is a failure."""
    time_machine.move_to(NOW, tick=False)
    assert HEARTBEAT_JOB in run_due_jobs()
    assert PeriodicJobState.objects.get(name=HEARTBEAT_JOB).last_run_at == NOW
    time_machine.move_to(NOW + timedelta(minutes=1), tick=False)
    assert doctor.check_worker().status is Status.OK
    time_machine.move_to(NOW + timedelta(minutes=10), tick=False)
    finding = doctor.check_worker()
    assert finding.status is Status.FAIL
    assert "10 min old" in finding.found


# ---------------------------------------------------------------- the command
def test_a_check_that_cannot_reach_the_database_fails_without_stopping_the_rest(monkeypatch):
    def broken() -> Finding:
        raise DatabaseError("password=secret")

    monkeypatch.setattr(
        doctor, "CHECKS", (("backup", broken), ("disk", lambda: only(Status.OK)[0]))
    )
    findings = doctor.run_checks()
    assert [finding.status for finding in findings] == [Status.FAIL, Status.OK]
    assert findings[0].found == "cannot read the database (DatabaseError)."
    assert "secret" not in findings[0].found


@pytest.mark.parametrize(
    ("status", "strict", "code"),
    [
        (Status.OK, False, 0),
        (Status.NOT_APPLICABLE, True, 0),
        (Status.WARN, False, 0),
        (Status.WARN, True, 1),
        (Status.FAIL, False, 1),
    ],
)
def test_exit_code_follows_the_worst_finding(monkeypatch, status, strict, code):
    """FAIL exits 1; a warning exits 0, or 1 with --strict."""
    monkeypatch.setattr(doctor, "run_checks", lambda: only(status))
    monkeypatch.setattr(
        "corridor.operations.management.commands.doctor.run_checks", lambda: only(status)
    )
    exit_code, output = run_doctor(*(["--strict"] if strict else []))
    assert exit_code == code
    label = "FAIL" if status is Status.FAIL else status.value
    assert output.startswith(label)


def test_json_output_has_stable_keys(monkeypatch):
    findings = [*only(Status.OK, "disk"), *only(Status.FAIL, "worker")]
    monkeypatch.setattr(
        "corridor.operations.management.commands.doctor.run_checks", lambda: findings
    )
    exit_code, output = run_doctor("--json")
    assert exit_code == 1
    document = json.loads(output)
    assert document == {
        "ok": False,
        "checks": [
            {"check": "disk", "status": "ok", "found": "found.", "fix": ""},
            {"check": "worker", "status": "fail", "found": "found.", "fix": "fix it."},
        ],
    }


@BOTH
def test_the_real_checks_on_the_test_installation_print_one_line_each(data_dir, now):
    """Every check runs against the test settings and prints exactly one line, fix included."""
    exit_code, output = run_doctor()
    lines = output.splitlines()
    assert [line.split()[1] for line in lines] == [name for name, _ in doctor.CHECKS]
    assert exit_code == 1  # no worker has run in the test database
    assert any(line.startswith("FAIL  worker") and "Fix: " in line for line in lines)


def test_setup_closes_the_data_dirs_key_files_and_the_doctor_names_any_left_open(data_dir):
    """The demo's ledger (factors, passkeys, tickets) left readable by others, say by a
    copy: the doctor names it; setup's step takes the bits away and the doctor passes."""
    from corridor.operations.management.commands.setup import Command as Setup

    ledger = data_dir / "ledger.sqlite3"
    ledger.write_text("x")
    ledger.chmod(0o644)
    data_dir.chmod(0o755)
    finding = doctor.check_data_dir()
    assert finding.status is Status.FAIL
    assert str(ledger) in finding.found
    Setup(stdout=io.StringIO())._close_data_dir()
    assert (ledger.stat().st_mode & 0o777, data_dir.stat().st_mode & 0o777) == (0o600, 0o700)
    assert doctor.check_data_dir().status is Status.OK


def test_keyd_closes_its_own_files_at_start_and_the_doctor_names_any_left_open(settings, tmp_path):
    from corridor.vault.keyd.server import KeydDaemon
    from corridor.vault.keyd.shares import RECORD_FILE, initialise_kek
    from tests.keyd.helpers import config_in, short_dir

    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    with short_dir() as directory:
        settings.CORRIDOR_KEYD_DIR = directory
        initialise_kek(directory, shares=3, threshold=2)
        record = directory / RECORD_FILE
        record.chmod(0o644)
        finding = doctor.check_keyd_dir()
        assert finding.status is Status.FAIL
        assert f"chmod 0600 {record}" in finding.fix
        running = KeydDaemon(config_in(directory))
        running.journal.close()
        assert record.stat().st_mode & 0o777 == 0o600
        assert doctor.check_keyd_dir().status is Status.OK
