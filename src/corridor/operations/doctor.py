"""`corridor doctor`'s checks: what is wrong with this installation, and how to fix it.

Each check returns one Finding: a stable name, a status, what it found and, when
it is not ok, the fix. Every check only reads: the last backup and the newest tree
head come from the audit log, the worker's liveness from its heartbeat. A check
that cannot read what it needs (no database yet, say) fails with that reason
instead of stopping the others.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from corridor.audit import selectors as audit_selectors
from corridor.audit.events import EventType
from corridor.audit.heads import HeadMalformed, parse_heads
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.core.heartbeat import HEARTBEAT_EVERY, last_heartbeat
from corridor.core.inputs import InputRefused, read_input_text
from corridor.vault import file_modes
from corridor.vault.errors import KeydUnreachable, KeyProviderUnavailable
from corridor.vault.providers import check_key_provider
from corridor.vault.routers import KEYSTORE, migrated_apps

# A nightly backup, with a few hours' slack for a slow one.
BACKUP_MAX_AGE = timedelta(hours=26)
# The worker signs a head every 15 minutes; four missed signings is not a hiccup.
HEAD_MAX_AGE = timedelta(hours=1)
# A file of heads for the witness: one head is about 300 bytes.
HEAD_FILE_LIMIT = 64 * 1024
WORKER_MAX_SILENCE = timedelta(minutes=5)
# Below the warning there is room for a day of work and a backup; below the failure
# the next large write (a backup, a vacuum, an upload) may fill the disk.
# The warning's byte count is the worker's alert threshold (CORRIDOR_FREE_SPACE_ALERT_BYTES).
DISK_WARN_FRACTION = 0.10
DISK_FAIL_BYTES = 256 * 1024**2
CLOCK_WARN_SECONDS = 2.0
CLOCK_FAIL_SECONDS = 30.0
# Files that hold secrets or personal data, and must be private to their owner.
PRIVATE_FILES = file_modes.DATA_DIR_FILES
DATABASES = ("default", KEYSTORE)


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Finding:
    """One check's outcome; `fix` is empty when the status is ok or n/a."""

    check: str
    status: Status
    found: str
    fix: str = ""

    def line(self) -> str:
        label = "FAIL" if self.status is Status.FAIL else self.status.value
        text = f"{label:4}  {self.check:15} {self.found}"
        return f"{text} Fix: {self.fix}" if self.fix else text

    def as_json(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}


def run_checks() -> list[Finding]:
    """Every check, in the order the guide lists them."""
    return [_guarded(name, check) for name, check in CHECKS]


# ---------------------------------------------------------------- the checks
def check_data_dir() -> Finding:
    """The data directory: owned by the user that runs Corridor, private, files private."""
    directory = Path(settings.CORRIDOR_DATA_DIR)
    if not directory.is_dir():
        return Finding(
            "data_dir",
            Status.FAIL,
            f"{directory} does not exist.",
            "run `corridor setup` as the user that runs Corridor.",
        )
    # With keyd telling the web, worker and portal apart, they run as three users of one
    # group and share the folder through it (docs/operators.md): the group may, others never.
    shared = _callers_bound()
    closed = "o" if shared else "go"
    problems = _ownership_problems(directory)
    problems += _mode_problems(
        [directory, *(directory / name for name in PRIVATE_FILES if (directory / name).exists())],
        mask=0o007 if shared else 0o077,
    )
    if problems:
        return Finding(
            "data_dir",
            Status.FAIL,
            " ".join(problems),
            f"chown -R {_user_name(os.geteuid())}: {directory} "
            f"&& chmod -R {closed}-rwx {directory}",
        )
    if shared:
        found = f"{directory} is shared by {_owner(directory)} with its group only."
        return Finding("data_dir", Status.OK, found)
    return Finding("data_dir", Status.OK, f"{directory} is private to {_owner(directory)}.")


def check_keyd_dir() -> Finding:
    """keyd's directory (its KEK record and log): private to keyd's user."""
    if settings.CORRIDOR_KEY_PROVIDER != "keyd":
        return Finding("keyd_dir", Status.NOT_APPLICABLE, "the key provider is not keyd.")
    directory = Path(settings.CORRIDOR_KEYD_DIR)
    try:
        status = directory.stat()
    except FileNotFoundError:
        return Finding(
            "keyd_dir",
            Status.FAIL,
            f"{directory} does not exist.",
            "if keyd's folder is elsewhere, name it in CORRIDOR_KEYD_DIR in /etc/corridor/env "
            "(guide section 4). Only on a new installation without keys: create it as in the "
            "guide (install -d -o corridor-keyd -g corridor -m 0700) and run "
            "`corridor keys init`.",
        )
    if status.st_mode & 0o077:
        return Finding(
            "keyd_dir",
            Status.FAIL,
            f"{directory} is open to its group or others (mode {stat.filemode(status.st_mode)}).",
            f"chmod 0700 {directory}",
        )
    try:
        files = file_modes.private_paths(directory, file_modes.KEYD_DIR_FILES)[1:]
        opened = file_modes.open_paths(files, mask=file_modes.PRIVATE)
    except PermissionError:
        opened = []  # keyd's own user keeps them; keyd closes them itself at each start
    if opened:
        return Finding(
            "keyd_dir",
            Status.FAIL,
            " ".join(_mode_problems(opened)),
            f"chmod 0600 {' '.join(str(path) for path in opened)} (or restart keyd: it "
            "closes them at start)",
        )
    if settings.CORRIDOR_ENV == "production" and status.st_uid == os.geteuid():
        # keyd's own user is what keeps the web's user (and whoever takes it over) out of
        # keyd's record, log and admin socket.
        return Finding(
            "keyd_dir",
            Status.FAIL,
            f"{directory} belongs to {_user_name(status.st_uid)}, the user that runs Corridor; "
            "keyd must run as its own user.",
            f"chown -R corridor-keyd:corridor {directory}, and run keyd as corridor-keyd "
            "(guide section 11).",
        )
    return Finding("keyd_dir", Status.OK, f"{directory} is private to {_user_name(status.st_uid)}.")


def check_keys() -> Finding:
    """The key provider answers, and keyd is unsealed."""
    try:
        state = check_key_provider()
    except (KeydUnreachable, KeyProviderUnavailable) as error:
        return Finding(
            "keys",
            Status.FAIL,
            str(error),
            "start keyd (`systemctl start corridor-keyd`) and check CORRIDOR_KEYD_SOCKET "
            "in /etc/corridor/env.",
        )
    if state == "sealed":
        return Finding(
            "keys",
            Status.FAIL,
            "keyd answers but is sealed: pages that need a case key answer 503.",
            "the trustees run `corridor unseal`, one after another.",
        )
    if state == "unsealed":
        return Finding("keys", Status.OK, "keyd answers and is unsealed.")
    return Finding(
        "keys",
        Status.WARN,
        f"the {state} key provider keeps the KEK on disk (demo only).",
        "use keyd for real cases (CORRIDOR_KEY_PROVIDER=keyd, guide section 11).",
    )


def check_data_checksums() -> Finding:
    """PostgreSQL detects pages damaged on disk only with data checksums on."""
    if connections["default"].vendor != "postgresql":
        return Finding("data_checksums", Status.NOT_APPLICABLE, "SQLite has no page checksums.")
    off = [alias for alias in DATABASES if _data_checksums(alias) != "on"]
    if off:
        return Finding(
            "data_checksums",
            Status.FAIL,
            f"data checksums are off on the cluster of {', '.join(off)}: "
            "damaged pages would be read as good data.",
            "stop PostgreSQL, run `pg_checksums --enable -D <the cluster's data directory>` "
            "as postgres, start it again.",
        )
    return Finding("data_checksums", Status.OK, "data checksums are on.")


def check_migrations() -> Finding:
    """Both databases have every migration this version of Corridor ships."""
    pending: list[str] = []
    for alias in DATABASES:
        executor = MigrationExecutor(connections[alias])
        apps = migrated_apps(alias)
        targets = [
            node for node in executor.loader.graph.leaf_nodes() if not apps or node[0] in apps
        ]
        plan = executor.migration_plan(targets)
        if plan:
            pending.append(f"{len(plan)} on {alias}")
    if pending:
        return Finding(
            "migrations",
            Status.FAIL,
            f"migrations not applied: {', '.join(pending)}.",
            "stop the web and the worker, run `corridor setup --no-input`, start them.",
        )
    return Finding("migrations", Status.OK, "every migration is applied.")


def check_backup() -> Finding:
    """The last successful `corridor backup` (its event in the audit log) and its age."""
    last = audit_selectors.get_last_event_time(EventType.BACKUP_CREATED)
    if last is None:
        return Finding(
            "backup",
            Status.WARN,
            "no backup has been made yet.",
            "run `corridor backup DEST` now and every night from a timer (guide section 7).",
        )
    age = clock.now() - last
    if age > BACKUP_MAX_AGE:
        return Finding(
            "backup",
            Status.FAIL,
            f"the last backup is {_age(age)} old ({_when(last)}).",
            "read the log of the timer or cron job that runs the backup, then run "
            "`corridor backup DEST`.",
        )
    return Finding("backup", Status.OK, f"the last backup is {_age(age)} old.")


def check_tree_head() -> Finding:
    """The newest signed tree head of the audit log and its age."""
    last = audit_selectors.get_last_head_time()
    if last is None:
        return Finding(
            "tree_head",
            Status.WARN,
            "no tree head has been signed yet; the worker signs one every 15 minutes.",
            "start the worker, or run `corridor audit head`.",
        )
    age = clock.now() - last
    if age > HEAD_MAX_AGE:
        return Finding(
            "tree_head",
            Status.FAIL,
            f"the newest tree head is {_age(age)} old ({_when(last)}).",
            "check that the worker runs and has its keys; `corridor audit head` signs one now.",
        )
    return Finding("tree_head", Status.OK, f"the newest tree head is {_age(age)} old.")


def check_witness() -> Finding:
    """The newest head in the folder the witness is fed from (CORRIDOR_HEADS_DIR) and its age.

    That folder is as far as the doctor can see: whether the witness received the head
    is the witness's to say.
    """
    fix_timer = (
        "check the timer that runs `corridor audit head` into that folder and sends the "
        'heads to the witness (docs/security.md, "Pushing heads off-host").'
    )
    folder = settings.CORRIDOR_HEADS_DIR
    if folder is None:
        return Finding(
            "witness",
            Status.WARN,
            "CORRIDOR_HEADS_DIR is not set: the doctor cannot see the heads sent to the witness.",
            "set CORRIDOR_HEADS_DIR in /etc/corridor/env to the folder the heads timer writes to.",
        )
    folder = Path(folder)
    if not folder.is_dir():
        return Finding("witness", Status.FAIL, f"{folder} is not a folder.", fix_timer)
    newest = max(
        (path for path in folder.glob("*.json") if path.is_file()),
        key=lambda path: path.stat().st_mtime,
        default=None,
    )
    if newest is None:
        return Finding("witness", Status.FAIL, f"{folder} holds no tree head yet.", fix_timer)
    try:
        heads = parse_heads(read_input_text(newest, limit=HEAD_FILE_LIMIT))
    except InputRefused as error:
        return Finding("witness", Status.FAIL, error.sentence(str(newest)), fix_timer)
    except HeadMalformed as error:
        return Finding("witness", Status.FAIL, f"{newest}: {error}.", fix_timer)
    signed = datetime.fromtimestamp(max(head.timestamp for head in heads) / 1000, tz=UTC)
    age = clock.now() - signed
    if age > HEAD_MAX_AGE:
        return Finding(
            "witness",
            Status.FAIL,
            f"the newest head for the witness, {newest.name}, is {_age(age)} old.",
            fix_timer,
        )
    return Finding(
        "witness",
        Status.OK,
        f"the newest head for the witness, {newest.name}, is {_age(max(age, timedelta(0)))} old.",
    )


def check_disk() -> Finding:
    """Free space on the data directory's file system."""
    directory = Path(settings.CORRIDOR_DATA_DIR)
    usage = shutil.disk_usage(directory if directory.exists() else directory.parent)
    free, fraction = usage.free, usage.free / usage.total if usage.total else 0.0
    found = f"{_size(free)} free ({fraction:.0%}) on the data directory's disk."
    fix = (
        "free space or grow the disk: old backups, logs and the package cache "
        "(apt-get clean) are the usual places."
    )
    if free < DISK_FAIL_BYTES:
        return Finding("disk", Status.FAIL, found, fix)
    if free < settings.CORRIDOR_FREE_SPACE_ALERT_BYTES or fraction < DISK_WARN_FRACTION:
        return Finding("disk", Status.WARN, found, fix)
    return Finding("disk", Status.OK, found)


def check_clock() -> Finding:
    """The database server's clock against this machine's (times in the log come from both)."""
    if connections["default"].vendor != "postgresql":
        return Finding("clock", Status.NOT_APPLICABLE, "SQLite runs on this machine's clock.")
    before = time.time()
    server = _server_time()
    after = time.time()
    # The server read its clock somewhere within the round trip: compare with its middle.
    local = datetime.fromtimestamp((before + after) / 2, tz=UTC)
    skew = abs((server - local).total_seconds()) - (after - before) / 2
    skew = max(skew, 0.0)
    found = f"the database server's clock is {skew:.1f} s from this machine's."
    fix = "run time synchronisation on both machines (systemd-timesyncd or chrony)."
    if skew > CLOCK_FAIL_SECONDS:
        return Finding("clock", Status.FAIL, found, fix)
    if skew > CLOCK_WARN_SECONDS:
        return Finding("clock", Status.WARN, found, fix)
    return Finding("clock", Status.OK, found)


def check_production() -> Finding:
    """TLS or an onion address, secure cookies, HSTS: the settings real cases need."""
    if settings.CORRIDOR_ENV != "production":
        return Finding(
            "production",
            Status.WARN,
            f"CORRIDOR_ENV is {settings.CORRIDOR_ENV}: not an installation for real cases.",
            "set CORRIDOR_ENV=production in /etc/corridor/env (guide section 4).",
        )
    origin = str(settings.CORRIDOR_PUBLIC_ORIGIN)
    is_https = origin.startswith("https://")
    is_onion = origin.startswith("http://") and origin.rstrip("/").endswith(".onion")
    problems = [] if is_https or is_onion else [f"the origin {origin} is neither https nor .onion"]
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        if not getattr(settings, name, False):
            problems.append(f"{name} is off")
    if not str(settings.SESSION_COOKIE_NAME).startswith("__Host-"):
        problems.append("the session cookie is not a __Host- cookie")
    if is_https:
        if not settings.SECURE_SSL_REDIRECT:
            problems.append("plain HTTP is not redirected")
        if not settings.SECURE_HSTS_SECONDS:
            problems.append("HSTS is off")
        if settings.SECURE_PROXY_SSL_HEADER is None:
            problems.append("the proxy's X-Forwarded-Proto is not trusted")
    if problems:
        return Finding(
            "production",
            Status.FAIL,
            "; ".join(problems) + ".",
            "use the production settings unchanged with CORRIDOR_PUBLIC_ORIGIN=https://… "
            "or http://….onion (guide sections 4 and 6).",
        )
    kind = "an onion service" if is_onion else "HTTPS"
    return Finding("production", Status.OK, f"{origin}: {kind}, secure __Host- cookies.")


def check_worker() -> Finding:
    """A worker went round its loop lately (its heartbeat)."""
    beat = last_heartbeat()
    fix = (
        "start it: `systemctl start corridor-worker`; if it runs, read "
        "`journalctl -u corridor-worker`."
    )
    if beat is None:
        return Finding("worker", Status.FAIL, "no worker has ever run here.", fix)
    silence = clock.now() - beat
    if silence > WORKER_MAX_SILENCE:
        return Finding(
            "worker", Status.FAIL, f"the worker's last heartbeat is {_age(silence)} old.", fix
        )
    return Finding(
        "worker",
        Status.OK,
        f"the worker's last heartbeat is {_age(max(silence, timedelta(0)))} old "
        f"(it beats every {int(HEARTBEAT_EVERY.total_seconds())} s).",
    )


CHECKS: tuple[tuple[str, Callable[[], Finding]], ...] = (
    ("data_dir", check_data_dir),
    ("keyd_dir", check_keyd_dir),
    ("keys", check_keys),
    ("data_checksums", check_data_checksums),
    ("migrations", check_migrations),
    ("backup", check_backup),
    ("tree_head", check_tree_head),
    ("witness", check_witness),
    ("disk", check_disk),
    ("clock", check_clock),
    ("production", check_production),
    ("worker", check_worker),
)


# ---------------------------------------------------------------- helpers
def _guarded(name: str, check: Callable[[], Finding]) -> Finding:
    """The check's finding, or a failure naming what it could not read."""
    try:
        return check()
    except DatabaseError as error:
        # The class name only: a driver's message can quote the values it choked on.
        return Finding(
            name,
            Status.FAIL,
            f"cannot read the database ({type(error).__name__}).",
            "check DATABASE_URL and that PostgreSQL runs; before the first setup, "
            "run `corridor setup`.",
        )
    except CorridorError as error:
        return Finding(name, Status.FAIL, str(error), "see the operator guide.")
    except OSError as error:
        return Finding(
            name,
            Status.FAIL,
            f"cannot read {error.filename or 'a file'} ({error.strerror}).",
            "run the doctor as the user that runs Corridor.",
        )


def _server_time() -> datetime:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT CURRENT_TIMESTAMP")
        moment: datetime = cursor.fetchone()[0]
        return moment


def _data_checksums(alias: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW data_checksums")
        return str(cursor.fetchone()[0])


def _ownership_problems(directory: Path) -> list[str]:
    owner = directory.stat().st_uid
    if owner == os.geteuid():
        return []
    return [
        f"{directory} belongs to {_user_name(owner)}, "
        f"not to {_user_name(os.geteuid())} who runs this check."
    ]


def _mode_problems(paths: list[Path], *, mask: int = 0o077) -> list[str]:
    whom = "others" if mask == 0o007 else "its group or others"
    return [
        f"{path} is open to {whom} (mode {stat.filemode(path.stat().st_mode)})."
        for path in paths
        if path.stat().st_mode & mask
    ]


def _callers_bound() -> bool:
    """keyd binds the web, the worker and the portal to their own Unix users."""
    return settings.CORRIDOR_KEY_PROVIDER == "keyd" and any(settings.CORRIDOR_KEYD_CALLERS.values())


def _owner(path: Path) -> str:
    return _user_name(path.stat().st_uid)


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _size(count: int) -> str:
    if count >= 1024**3:
        return f"{count / 1024**3:.1f} GiB"
    return f"{count / 1024**2:.0f} MiB"
