"""The one reader of the process environment.

Every setting that comes from outside the code is read here, typed and checked,
so a missing or malformed value fails loudly at start-up instead of halfway
through a request.
"""

from __future__ import annotations

import os
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret
DEMO_HOSTS = ("localhost", "127.0.0.1", "[::1]")
# Unwraps per hour unless CORRIDOR_KEYD_LIMIT_<NAME> says otherwise (docs/operators.md).
KEYD_LIMITS = {
    "staff": 120,
    "surge": 600,
    "system": 3000,
    "process": 3000,
    "index": 100_000,
    # Per Unix user (a new pid gets no fresh allowance), and over all staff together.
    "peer": 6000,
    "all_staff": 1500,
}
# How many persons and requests the organisation plans to hold: the blind indexes are
# truncated so that even this many rows give several candidates per value (docs/security.md C12).
DEFAULT_PLANNED_POPULATION = 100_000
PLANNED_POPULATION_RANGE = (1_000, 100_000_000)


# Loopback by default: the local tor daemon and a proxy that does not pass the client's
# address both arrive from there, and all their clients would otherwise be one source.
DEFAULT_POOLED = "127.0.0.0/24,::/48"


class Mode(StrEnum):
    PRODUCTION = "production"
    DEMO = "demo"
    DEVELOPMENT = "development"


@dataclass(frozen=True)
class KeydEnv:
    """Where keyd keeps its record, log and sockets; whom it serves; its limits."""

    directory: Path
    socket: Path
    admin_socket: Path
    log: Path
    # Empty: the data database, opened read-only (mode=ro, or read-only transactions).
    database_url: str
    # keyd's PostgreSQL role, which the web's `setup` and `restore` grant its reads.
    database_role: str
    client_users: tuple[str, ...]
    admin_users: tuple[str, ...]
    limits: dict[str, int]
    system_principals: tuple[str, ...]
    # The Unix users of each caller (web, worker, portal): what keyd serves each uid.
    callers: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class SmtpEnv:
    """Where e-mail notifications leave: empty `host` means no e-mail channel. STARTTLS is
    required in production (CORRIDOR_SMTP_STARTTLS=0 is refused there)."""

    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = ""
    starttls: bool = True
    # A CA bundle to check the SMTP server's certificate against (a private CA); empty:
    # the system's.
    ca_file: str = ""


@dataclass(frozen=True)
class Env:
    """Configuration read from the environment; nothing else reads os.environ."""

    mode: Mode
    data_dir: Path
    database_url: str
    keystore_url: str
    secret_key: str | None
    public_origin: str
    allowed_hosts: tuple[str, ...]
    log_level: str
    key_provider: str
    keyd: KeydEnv
    report_min_k: int = 5
    report_lag_months: int = 6
    planned_population: int = DEFAULT_PLANNED_POPULATION
    # Where the timer that pushes tree heads to the witness writes them (the doctor reads it).
    heads_dir: Path | None = None
    # Below this many megabytes free on the data directory's disk the worker alerts.
    free_space_alert_mb: int = 2048
    # The header (WSGI name) the reverse proxy puts the client's address in; empty: none.
    client_address_header: str = ""
    # Networks whose clients cannot be told apart (the local tor daemon): no per-source limit.
    pooled_sources: tuple[str, ...] = ()
    # The portal's onion address (http://<56 letters>.onion/…), shown on the clear web.
    portal_onion: str = ""
    # Whether requesters may send files from their portal thread (off unless "1").
    portal_uploads: bool = False
    # Outbound notifications: the organisation's clock, the wait before escalating, SMTP.
    org_time_zone: str = "UTC"
    escalation_minutes: int = 10
    smtp: SmtpEnv = field(default_factory=lambda: SmtpEnv())

    @property
    def origin_is_onion(self) -> bool:
        return (urlsplit(self.public_origin).hostname or "").endswith(".onion")

    @property
    def origin_is_https(self) -> bool:
        return urlsplit(self.public_origin).scheme == "https"

    @property
    def settings_module(self) -> str:
        return f"corridor.config.settings.{self.mode.value}"


def read_env(environ: Mapping[str, str] | None = None, *, secret_key_file: bool = True) -> Env:
    """Read and check Corridor's configuration from `environ` (default: the process).

    keyd passes `secret_key_file=False`: it signs nothing, and the secret key file sits
    in the web's data directory, which keyd's user may not read.
    """
    source: Mapping[str, str] = os.environ if environ is None else environ
    mode = _read_mode(source.get("CORRIDOR_ENV", Mode.PRODUCTION.value))
    data_dir = Path(source.get("CORRIDOR_DATA_DIR", "var")).expanduser().absolute()
    database_url = source.get("DATABASE_URL") or f"sqlite:///{data_dir / 'corridor.sqlite3'}"
    keystore_url = source.get("CORRIDOR_KEYSTORE_URL") or _default_keystore_url(
        database_url, data_dir
    )
    origin = source.get("CORRIDOR_PUBLIC_ORIGIN", "http://localhost:8000").rstrip("/")
    _check_origin(origin)
    hosts_raw = source.get("CORRIDOR_ALLOWED_HOSTS", "")
    if hosts_raw.strip():
        hosts = tuple(h.strip() for h in hosts_raw.split(",") if h.strip())
    elif mode is Mode.PRODUCTION:
        hosts = (urlsplit(origin).hostname or "",)
    else:
        hosts = DEMO_HOSTS
    provider = source.get("CORRIDOR_KEY_PROVIDER", "keyd" if mode is Mode.PRODUCTION else "file")
    if provider not in ("file", "keyd"):
        raise ImproperlyConfigured("CORRIDOR_KEY_PROVIDER must be 'file' or 'keyd'.")
    return Env(
        mode=mode,
        data_dir=data_dir,
        database_url=database_url,
        keystore_url=keystore_url,
        secret_key=source.get("CORRIDOR_SECRET_KEY")
        or (_read_secret_file(data_dir) if secret_key_file else None),
        public_origin=origin,
        allowed_hosts=hosts,
        log_level=source.get("CORRIDOR_LOG_LEVEL", "INFO").upper(),
        key_provider=provider,
        keyd=_read_keyd(source, data_dir),
        # k of 2 would let either person in a cell of two learn about the other.
        report_min_k=_read_int(source, "CORRIDOR_REPORT_MIN_K", default=5, lowest=3),
        report_lag_months=_read_int(source, "CORRIDOR_REPORT_LAG_MONTHS", default=6, lowest=0),
        planned_population=_read_population(source.get("CORRIDOR_PLANNED_POPULATION")),
        heads_dir=_path(source.get("CORRIDOR_HEADS_DIR")),
        free_space_alert_mb=_read_megabytes(source, "CORRIDOR_FREE_SPACE_ALERT_MB", default=2048),
        client_address_header=_read_header_name(source.get("CORRIDOR_CLIENT_ADDRESS_HEADER", "")),
        pooled_sources=tuple(
            part.strip()
            for part in source.get("CORRIDOR_PORTAL_POOLED_SOURCES", DEFAULT_POOLED).split(",")
            if part.strip()
        ),
        portal_onion=_read_onion(source.get("CORRIDOR_PORTAL_ONION", "")),
        portal_uploads=_read_switch(source, "CORRIDOR_PORTAL_UPLOADS"),
        org_time_zone=_read_time_zone(source.get("CORRIDOR_ORG_TIME_ZONE", "UTC")),
        escalation_minutes=_read_int(source, "CORRIDOR_ESCALATION_MINUTES", default=10, lowest=1),
        smtp=_read_smtp(source, mode),
    )


def _read_switch(source: Mapping[str, str], name: str) -> bool:
    raw = source.get(name, "0").strip()
    if raw not in ("0", "1"):
        raise ImproperlyConfigured(f"{name} must be 1 (on) or 0 (off).")
    return raw == "1"


def _read_time_zone(raw: str) -> str:
    try:
        zoneinfo.ZoneInfo(raw.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            "CORRIDOR_ORG_TIME_ZONE must be a time zone name such as Europe/Moscow."
        ) from None
    return raw.strip()


def _read_smtp(source: Mapping[str, str], mode: Mode) -> SmtpEnv:
    starttls = source.get("CORRIDOR_SMTP_STARTTLS", "1").strip() != "0"
    host = source.get("CORRIDOR_SMTP_HOST", "").strip()
    if host and mode is Mode.PRODUCTION and not starttls:
        raise ImproperlyConfigured(
            "In production e-mail leaves only over STARTTLS: remove CORRIDOR_SMTP_STARTTLS=0."
        )
    return SmtpEnv(
        host=host,
        port=_read_port(source.get("CORRIDOR_SMTP_PORT", "587")),
        username=source.get("CORRIDOR_SMTP_USERNAME", ""),
        password=source.get("CORRIDOR_SMTP_PASSWORD", ""),
        sender=source.get("CORRIDOR_SMTP_FROM", "").strip(),
        starttls=starttls,
        ca_file=source.get("CORRIDOR_SMTP_CA_FILE", "").strip(),
    )


def _read_port(raw: str) -> int:
    raw = raw.strip() or "587"
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ImproperlyConfigured("CORRIDOR_SMTP_PORT must be a port number.")
    return int(raw)


# A v3 onion address: 56 base32 letters (tor's own check of the checksum is tor's).
_ONION_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz234567")


def _read_onion(value: str) -> str:
    """`http://<56 letters>.onion/` and an optional path, or empty; anything else refused."""
    address = value.strip()
    if not address:
        return ""
    parts = urlsplit(address)
    host = parts.hostname or ""
    name = host.removesuffix(".onion")
    if (
        parts.scheme != "http"
        or not host.endswith(".onion")
        or len(name) != 56
        or not set(name) <= _ONION_LETTERS
        or parts.query
        or parts.fragment
        or parts.username
        or parts.port
    ):
        raise ImproperlyConfigured(
            "CORRIDOR_PORTAL_ONION must be the portal's onion address, "
            "http://<56 letters and digits>.onion/ (see docs/operators.md)."
        )
    return f"http://{host}{parts.path or '/'}"


def _read_header_name(value: str) -> str:
    """`X-Real-IP` as the WSGI environ names it (`HTTP_X_REAL_IP`); empty stays empty."""
    name = value.strip()
    if not name:
        return ""
    if not all(c.isalnum() or c == "-" for c in name):
        raise ImproperlyConfigured("CORRIDOR_CLIENT_ADDRESS_HEADER must be a header name.")
    return "HTTP_" + name.upper().replace("-", "_")


def _read_megabytes(source: Mapping[str, str], name: str, *, default: int) -> int:
    raw = source.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) > 10**9:
        raise ImproperlyConfigured(f"{name} must be a whole number of megabytes.")
    return int(raw)


def _read_population(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return DEFAULT_PLANNED_POPULATION
    low, high = PLANNED_POPULATION_RANGE
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        value = 0
    if not low <= value <= high:
        raise ImproperlyConfigured(
            f"CORRIDOR_PLANNED_POPULATION must be a whole number from {low} to {high}."
        )
    return value


# The callers keyd tells apart by Unix user (vault.keyd.callers.Caller).
KEYD_CALLERS = ("web", "worker", "portal")


def _read_keyd(source: Mapping[str, str], data_dir: Path) -> KeydEnv:
    directory = _path(source.get("CORRIDOR_KEYD_DIR")) or data_dir / "keyd"
    socket = _path(source.get("CORRIDOR_KEYD_SOCKET")) or directory / "keyd.sock"
    limits = {}
    for name, default in KEYD_LIMITS.items():
        variable = f"CORRIDOR_KEYD_LIMIT_{name.upper()}"
        raw = source.get(variable, str(default))
        if not raw.isdigit() or int(raw) < 1:
            raise ImproperlyConfigured(f"{variable} must be a whole number of at least 1.")
        limits[name] = int(raw)
    principals = _names(source.get("CORRIDOR_KEYD_SYSTEM_PRINCIPALS", "system:worker"))
    if any(not name.startswith("system:") for name in principals):
        raise ImproperlyConfigured(
            "CORRIDOR_KEYD_SYSTEM_PRINCIPALS lists system:<name> principals only."
        )
    return KeydEnv(
        directory=directory,
        socket=socket,
        admin_socket=_path(source.get("CORRIDOR_KEYD_ADMIN_SOCKET"))
        or socket.with_name("keyd-admin.sock"),
        log=_path(source.get("CORRIDOR_KEYD_LOG")) or directory / "keyd.log",
        database_url=source.get("CORRIDOR_KEYD_DATABASE_URL", ""),
        database_role=source.get("CORRIDOR_KEYD_DATABASE_ROLE", "").strip(),
        client_users=_names(source.get("CORRIDOR_KEYD_CLIENT_USERS", "")),
        admin_users=_names(source.get("CORRIDOR_KEYD_ADMIN_USERS", "")),
        limits=limits,
        system_principals=principals,
        callers={
            caller: _names(source.get(f"CORRIDOR_KEYD_{caller.upper()}_USERS", ""))
            for caller in KEYD_CALLERS
        },
    )


def _path(raw: str | None) -> Path | None:
    return Path(raw).expanduser().absolute() if raw else None


def _names(raw: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in raw.split(",") if name.strip())


def require_secret_key(env: Env) -> str:
    """Return the secret key or fail with the command that creates it."""
    if not env.secret_key:
        raise ImproperlyConfigured(
            "No secret key: set CORRIDOR_SECRET_KEY or run `corridor setup` to create "
            f"{env.data_dir / SECRET_KEY_FILE}."
        )
    if len(env.secret_key) < 50 or len(set(env.secret_key)) < 5:
        raise ImproperlyConfigured(
            "CORRIDOR_SECRET_KEY must be at least 50 random characters long."
        )
    return env.secret_key


def ensure_secret_key_file(env: Env) -> bool:
    """Create the secret key file (mode 0600) if neither it nor the variable exists.

    Returns True when a new key was written. The key signs sessions and CSRF
    tokens only; it is never used as key material for personal data.
    """
    if env.secret_key:
        return False
    env.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = env.data_dir / SECRET_KEY_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(64))
    return True


def _read_mode(raw: str) -> Mode:
    try:
        return Mode(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in Mode)
        raise ImproperlyConfigured(f"CORRIDOR_ENV must be one of: {allowed}.") from None


def _read_int(source: Mapping[str, str], name: str, *, default: int, lowest: int) -> int:
    raw = source.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < lowest or int(raw) > 1000:
        raise ImproperlyConfigured(f"{name} must be a whole number from {lowest} to 1000.")
    return int(raw)


def _read_secret_file(data_dir: Path) -> str | None:
    path = data_dir / SECRET_KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ImproperlyConfigured(
            f"{path} is not a secret key (it is not ASCII text): restore it from a backup, or "
            "delete it and run `corridor setup` (everyone is logged out)."
        ) from None
    except OSError as error:
        raise ImproperlyConfigured(
            f"{path} cannot be read ({error.strerror or type(error).__name__}): run Corridor "
            f"as the user that owns {data_dir}."
        ) from None


def _default_keystore_url(database_url: str, data_dir: Path) -> str:
    """The key store lives apart from the data: a second SQLite file or a second database."""
    parts = urlsplit(database_url)
    if parts.scheme.startswith("sqlite"):
        return f"sqlite:///{data_dir / 'keystore.sqlite3'}"
    name = parts.path.lstrip("/")
    return parts._replace(path=f"/{name}_keys").geturl()


def _check_origin(origin: str) -> None:
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            "CORRIDOR_PUBLIC_ORIGIN must look like https://corridor.example.org "
            "or http://localhost:8000."
        )
    if parts.path or parts.query or parts.fragment:
        raise ImproperlyConfigured("CORRIDOR_PUBLIC_ORIGIN must be an origin without a path.")


def read_env_for_tests(data_dir: Path) -> Env:
    """The test suite's configuration: a throwaway data dir, and only the database URL
    taken from the process (the PostgreSQL run sets DATABASE_URL), so a developer's own
    CORRIDOR_* variables never leak into a test run."""
    source = {
        "CORRIDOR_ENV": Mode.DEVELOPMENT.value,
        "CORRIDOR_DATA_DIR": str(data_dir),
        "CORRIDOR_SECRET_KEY": "test-only-" + secrets.token_urlsafe(48),
        "CORRIDOR_PUBLIC_ORIGIN": "http://localhost:8000",
        "CORRIDOR_KEY_PROVIDER": "file",
    }
    if os.environ.get("DATABASE_URL"):
        source["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return read_env(source)
