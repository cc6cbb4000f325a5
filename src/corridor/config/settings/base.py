"""Settings shared by every mode, secure by default.

Mode files (development, demo, production, test) import this module and then
call `apply_env` with what `config.env` read. Nothing here reads os.environ.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from corridor.config.env import KEYD_LIMITS, Env, SmtpEnv

SRC_DIR = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- applications
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "axes",
    "corridor.core",
    "corridor.vault",
    "corridor.audit",
    "corridor.accounts",
    "corridor.people",
    "corridor.cases",
    "corridor.pathways",
    "corridor.intake",
    "corridor.partners",
    "corridor.shelters",
    "corridor.reports",
    "corridor.transfer",
    "corridor.web",
    "corridor.portal",
    "corridor.operations",
]

MIDDLEWARE = [
    "corridor.core.middleware.PortalOnlyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Header middleware sits above everything that can answer early (413, CSRF
    # failure, an expired session's redirect), so every response gets the headers.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "corridor.core.middleware.AudienceCSPMiddleware",
    "corridor.core.middleware.SecurityHeadersMiddleware",
    "corridor.core.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corridor.core.middleware.AudienceLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "corridor.accounts.middleware.StaffSessionMiddleware",
    # keyd's ticket from the session goes with every unwrap of this request.
    "corridor.accounts.ticket_middleware.KeydTicketMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, so their process_exception sees a view's exception first: a page that meets a
    # sealed, unreachable or refusing key service, or a stored value that fails its check,
    # answers 503 (429 over the hourly limit), audited and alerted; a value
    # copied back from an old row is recorded as stale and shown as an integrity failure.
    "corridor.web.middleware.KeyFailureMiddleware",
    # A full disk: 503 and a sentence, never a 500.
    "corridor.core.middleware.DiskFullMiddleware",
]

DATABASE_ROUTERS = ["corridor.vault.routers.KeyStoreRouter"]

ROOT_URLCONF = "corridor.config.urls"
WSGI_APPLICATION = "corridor.config.wsgi.application"
AUTH_USER_MODEL = "accounts.Staff"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "corridor.core.context_processors.corridor",
                "corridor.web.navigation.navigation",
                "corridor.web.context_processors.key_warning",
                "corridor.web.context_processors.insider_banner",
            ],
            # A missing variable renders empty, never the variable's name.
            "string_if_invalid": "",
        },
    }
]

# ---------------------------------------------------------------- passwords
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# ---------------------------------------------------------------- login and factors
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username before any password hash is computed.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/"
LOGIN_REDIRECT_URL = "/"
CORRIDOR_REAUTH_URL = "/account/reauth/"
CORRIDOR_PASSWORD_CHANGE_URL = "/account/password/"  # noqa: S105 - a URL, not a password
OTP_TOTP_ISSUER = "Corridor"
OTP_WEBAUTHN_RP_NAME = "Corridor"
OTP_WEBAUTHN_RP_ID = "localhost"
OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost:8000"]
OTP_WEBAUTHN_HELPER_CLASS = "corridor.accounts.webauthn.CorridorWebAuthnHelper"
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = ""

# django-axes: lock by username only, store no client address, keep no access log.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "corridor.accounts.authentication.axes_username"
AXES_CLIENT_IP_CALLABLE = "corridor.accounts.authentication.axes_client_ip"
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "code", "response"]
SILENCED_SYSTEM_CHECKS = [
    # The login view answers lockouts itself (429 with its own page), so axes'
    # middleware, which would replace that answer, is deliberately not installed.
    "axes.W002",
    # Lockout is per username on purpose: client addresses are never stored, and behind
    # Tor every client is 127.0.0.1, so an address would lock out every caseworker at once.
    "axes.W006",
]

# ---------------------------------------------------------------- sessions and cookies
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "corridor_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
CSRF_COOKIE_NAME = "corridor_csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_FAILURE_VIEW = "corridor.core.errors.csrf_failure"
LANGUAGE_COOKIE_NAME = "corridor_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Strict"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# ---------------------------------------------------------------- headers
SECURE_CONTENT_TYPE_NOSNIFF = True
# no-referrer makes Chromium and Tor Browser send `Origin: null` on same-origin
# POSTs, which the CSRF check rejects; same-origin leaks nothing cross-site.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)

STAFF_CSP: dict[str, Any] = {
    "default-src": [NONE],
    "script-src": [SELF, NONCE],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    "base-uri": [NONE],
    "object-src": [NONE],
}
# The requester portal runs no script at all and fetches nothing by script.
PORTAL_CSP: dict[str, Any] = {
    "default-src": [NONE],
    "script-src": [NONE],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
    "base-uri": [NONE],
    "object-src": [NONE],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": STAFF_CSP}

# ---------------------------------------------------------------- requests
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Uploads stay in memory, never in a temporary file (core/uploads.py): an imported
# spreadsheet is personal data in plaintext.
FILE_UPLOAD_HANDLERS = ["corridor.core.uploads.MemoryOnlyUploadHandler"]
CORRIDOR_MAX_BODY_BYTES = 1024 * 1024
# A scan or phone photo of a document is larger: these pages (by URL path) take up to
# CORRIDOR_MAX_DOCUMENT_BYTES, still in memory only.
CORRIDOR_MAX_DOCUMENT_BYTES = 12 * 1024 * 1024
CORRIDOR_DOCUMENT_UPLOAD_PATHS = [r"^/cases/[^/]+/files/add/$"]

# ---------------------------------------------------------------- i18n
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# ---------------------------------------------------------------- static files
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Development, demo and tests serve static files from the apps; production collects them
# into the data dir at setup (see production.py).
STATIC_ROOT: Path | None = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

# ---------------------------------------------------------------- background tasks
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# ---------------------------------------------------------------- Corridor
CORRIDOR_ENV = "production"
CORRIDOR_DATA_DIR = Path("var").absolute()
CORRIDOR_PUBLIC_ORIGIN = "http://localhost:8000"
CORRIDOR_KEY_PROVIDER = "keyd"
# The file provider checks keyd's tickets and ledger in-process (keyd always does).
CORRIDOR_KEY_LEDGER_ENFORCED = True
CORRIDOR_PORTAL_PREFIX = "/help/"
CORRIDOR_PORTAL_ONLY = False
CORRIDOR_DEMO_BANNER = False
CORRIDOR_IDLE_TIMEOUT_SECONDS = 15 * 60
# keyd (see docs/operators.md): where its record, log and sockets are, whom it serves.
CORRIDOR_KEYD_DIR = Path("var/keyd").absolute()
CORRIDOR_KEYD_SOCKET = CORRIDOR_KEYD_DIR / "keyd.sock"
CORRIDOR_KEYD_ADMIN_SOCKET = CORRIDOR_KEYD_DIR / "keyd-admin.sock"
CORRIDOR_KEYD_LOG = CORRIDOR_KEYD_DIR / "keyd.log"
CORRIDOR_KEYD_CLIENT_USERS: tuple[str, ...] = ()
CORRIDOR_KEYD_ADMIN_USERS: tuple[str, ...] = ()
CORRIDOR_KEYD_LIMITS = dict(KEYD_LIMITS)
CORRIDOR_KEYD_SYSTEM_PRINCIPALS: tuple[str, ...] = ("system:worker",)
# The Unix users of the web server, the worker and the portal-only server, by caller;
# keyd serves each uid only what its caller needs (empty: one user for all, no boundary).
CORRIDOR_KEYD_CALLERS: dict[str, tuple[str, ...]] = {}
# keyd's PostgreSQL role, granted its reads by `setup` and `restore` (empty: nobody is).
CORRIDOR_KEYD_DATABASE_ROLE = ""
CORRIDOR_PLANNED_POPULATION = 100_000
# The alias through which keyd's unwrap policies read (keyd's own settings define it).
CORRIDOR_KEYD_DATABASE = "keyd_readonly"
# Cases one person may open for work within an hour before the insider alert fires
# (coordinators can raise it for a while by declaring an audited surge).
CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 20
# Below this much free space on the data directory's disk the worker alerts coordinators
# and administrators, and `corridor doctor` warns (CORRIDOR_FREE_SPACE_ALERT_MB).
CORRIDOR_FREE_SPACE_ALERT_BYTES = 2048 * 1024**2
# Public reports: no count below k is shown, and no period ends less than the lag ago.
CORRIDOR_REPORT_MIN_K = 5
CORRIDOR_REPORT_LAG_MONTHS = 6
# The folder the tree heads for the witness are written to (None: the doctor cannot see it).
CORRIDOR_HEADS_DIR: Path | None = None
# Outbound notifications (accounts.notifications, accounts.oncall; docs/operators.md).
CORRIDOR_ORG_TIME_ZONE = "UTC"
CORRIDOR_ESCALATION_MINUTES = 10
CORRIDOR_SMTP = SmtpEnv()


def env_settings(env: Env, *, secret_key: str) -> dict[str, Any]:
    """The settings that follow from the environment, for a mode file to apply."""
    return {
        "SECRET_KEY": secret_key,
        "DATABASES": database_settings(env),
        "ALLOWED_HOSTS": list(env.allowed_hosts),
        "CSRF_TRUSTED_ORIGINS": [env.public_origin],
        "LOGGING": logging_settings(env.log_level),
        "CORRIDOR_ENV": env.mode.value,
        "CORRIDOR_DATA_DIR": env.data_dir,
        "CORRIDOR_PUBLIC_ORIGIN": env.public_origin,
        "CORRIDOR_KEY_PROVIDER": env.key_provider,
        "CORRIDOR_KEYD_DIR": env.keyd.directory,
        "CORRIDOR_KEYD_SOCKET": env.keyd.socket,
        "CORRIDOR_KEYD_ADMIN_SOCKET": env.keyd.admin_socket,
        "CORRIDOR_KEYD_LOG": env.keyd.log,
        "CORRIDOR_KEYD_CLIENT_USERS": env.keyd.client_users,
        "CORRIDOR_KEYD_ADMIN_USERS": env.keyd.admin_users,
        "CORRIDOR_KEYD_LIMITS": dict(env.keyd.limits),
        "CORRIDOR_KEYD_SYSTEM_PRINCIPALS": env.keyd.system_principals,
        "CORRIDOR_KEYD_CALLERS": dict(env.keyd.callers),
        "CORRIDOR_KEYD_DATABASE_ROLE": env.keyd.database_role,
        "CORRIDOR_REPORT_MIN_K": env.report_min_k,
        "CORRIDOR_REPORT_LAG_MONTHS": env.report_lag_months,
        "CORRIDOR_PLANNED_POPULATION": env.planned_population,
        "CORRIDOR_HEADS_DIR": env.heads_dir,
        "CORRIDOR_FREE_SPACE_ALERT_BYTES": env.free_space_alert_mb * 1024**2,
        "CORRIDOR_CLIENT_ADDRESS_HEADER": env.client_address_header,
        "CORRIDOR_PORTAL_POOLED_SOURCES": env.pooled_sources,
        "CORRIDOR_PORTAL_ONION": env.portal_onion,
        "CORRIDOR_PORTAL_UPLOADS": env.portal_uploads,
        "CORRIDOR_ORG_TIME_ZONE": env.org_time_zone,
        "CORRIDOR_ESCALATION_MINUTES": env.escalation_minutes,
        "CORRIDOR_SMTP": env.smtp,
        # WebAuthn: the relying party is the public origin's host, and only that origin.
        "OTP_WEBAUTHN_RP_ID": urlsplit(env.public_origin).hostname or "",
        "OTP_WEBAUTHN_ALLOWED_ORIGINS": [env.public_origin],
    }


def database_settings(env: Env) -> dict[str, dict[str, Any]]:
    """DATABASES for the data and the key store, with SQLite tuned for several processes.

    The key store is a database of its own (the vault's router sends its tables there) so
    that its backups can be kept for a shorter time than the data's.
    """
    return {"default": _database(env.database_url), "keystore": _database(env.keystore_url)}


def keyd_database_settings(env: Env) -> dict[str, Any]:
    """The read-only connection keyd's unwrap policies use.

    SQLite: the data file opened with `mode=ro` and `query_only`. PostgreSQL:
    CORRIDOR_KEYD_DATABASE_URL (a role with SELECT on a few tables, see
    docs/operators.md), and read-only transactions whatever the role may do.
    """
    config = _database(env.keyd.database_url or env.database_url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django opens SQLite with uri=True, so the file's URI can carry mode=ro.
        config["NAME"] = Path(config["NAME"]).absolute().as_uri() + "?mode=ro"
        config["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA query_only=ON;"}
    else:
        config["OPTIONS"] = {"options": "-c default_transaction_read_only=on"}
    return config


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so two writers wait
            # instead of failing halfway; FULL survives power loss in WAL mode.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
            ),
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


def logging_settings(level: str) -> dict[str, Any]:
    """JSON lines on stderr without request bodies, query strings, cookies or addresses."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"scrub": {"()": "corridor.core.logging.ScrubFilter"}},
        "formatters": {"json": {"()": "corridor.core.logging.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["scrub"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "django": {"handlers": ["stderr"], "level": level, "propagate": False},
            # Django's request logger would otherwise attach the request object.
            "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
            "django.server": {"handlers": [], "level": "CRITICAL", "propagate": False},
            # django-axes logs usernames as typed (sometimes a password typed in the
            # wrong field); lockouts are in the audit log instead.
            "axes": {"handlers": [], "level": "CRITICAL", "propagate": False},
            # Report rendering narrates every step at INFO; only problems are worth a line.
            "weasyprint": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "fontTools": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "matplotlib": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            # Both announce themselves at INFO each time a process loads them.
            "pikepdf": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "pymorphy3": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


# ---------------------------------------------------------------- requester portal and intake
# Defaults an organisation may change here; docs/users/portal.md says what each means to a
# requester. One Argon2id run per codename shown and per sign-in attempt, right or wrong;
# its cost and the measured trade-off: docs/decisions/0011-codename-derivation.md.
CORRIDOR_CODENAME_KDF = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
# Per server process: derivations at once, requests that may wait for one (and for how
# long) before the page says "wait a moment"; keep slots + queue below gunicorn's threads
# per worker (16, `corridor serve`) so a page that needs no derivation always has a thread.
CORRIDOR_CODENAME_KDF_SLOTS = 1
CORRIDOR_CODENAME_KDF_QUEUE = 12
CORRIDOR_CODENAME_KDF_WAIT_SECONDS = 10
# A requester's session forgets its key after this many idle minutes.
CORRIDOR_PORTAL_IDLE_MINUTES = 15
# Past this many portal requests waiting to be screened, the portal takes no new ones and
# asks people to come back after CORRIDOR_PORTAL_RETRY_HOURS (stored ones are never dropped).
CORRIDOR_PORTAL_PENDING_LIMIT = 500
CORRIDOR_PORTAL_RETRY_HOURS = 6
# Token buckets: (tokens, seconds to refill them all), for everyone together ("global",
# kept in memory: past it requesters wait, nobody is refused), per network source (/24 or
# /48, in memory: past it that source is refused) and per portal session (database).
# Codename attempts are limited before any derivation runs. A source's bucket is its
# share of the global one: keep it a small fraction so one source cannot take it all.
CORRIDOR_PORTAL_RATES = {
    "codename_global": (120, 60),
    "codename_source": (10, 60),
    "codename_session": (5, 15 * 60),
    "submit_global": (120, 60 * 60),
    "submit_source": (6, 60 * 60),
    "submit_session": (3, 60 * 60),
    "message_global": (600, 60 * 60),
    "message_source": (30, 60 * 60),
    "message_session": (30, 60 * 60),
}
# The client address behind a reverse proxy: the WSGI name of a header the proxy sets
# itself (env CORRIDOR_CLIENT_ADDRESS_HEADER=X-Real-IP gives "HTTP_X_REAL_IP"), read only
# when the connection comes from one of CORRIDOR_TRUSTED_PROXIES. Empty: the connection's
# own peer address is the client's.
CORRIDOR_CLIENT_ADDRESS_HEADER = ""
CORRIDOR_TRUSTED_PROXIES = ("127.0.0.1", "::1")
# Sources (as sources.source_of gives them, e.g. "127.0.0.0/24") whose clients cannot be
# told apart, such as the local tor daemon: they skip the per-source limit and count only
# against the shared budget and their sessions (env CORRIDOR_PORTAL_POOLED_SOURCES).
CORRIDOR_PORTAL_POOLED_SOURCES: tuple[str, ...] = ()
# The portal's own onion service (`corridor onion-config`), shown to those who arrive over
# the clear web (env CORRIDOR_PORTAL_ONION); empty: not shown.
CORRIDOR_PORTAL_ONION = ""
# Whether a requester may send a file (photo, scan, PDF) from their thread; off by default
# (env CORRIDOR_PORTAL_UPLOADS=1). Such a file may be up to CORRIDOR_MAX_DOCUMENT_BYTES.
CORRIDOR_PORTAL_UPLOADS = False
# The portal thread's path, where a file may come when uploads are on.
CORRIDOR_PORTAL_UPLOAD_PATHS = [r"^/(help/)?(en/)?thread/$"]
# Body caps for portal forms (bytes) and for one story or message (characters).
CORRIDOR_PORTAL_MAX_BODY_BYTES = 64 * 1024
CORRIDOR_PORTAL_STORY_LIMIT = 8000
CORRIDOR_PORTAL_MESSAGE_LIMIT = 4000
# What the portal tells requesters about deletion requests (days), see docs/users/portal.md.
CORRIDOR_PORTAL_DELETION_DELAY_DAYS = 7
# Screening (docs/users/verifier.md): a provisional acceptance is fully verified within
# this many hours; a suspected request gets its second review within this many hours;
# declined, duplicate and suspected requests are erased this many days after the decision
# (the portal promises requesters exactly this figure: one setting, so it cannot drift).
CORRIDOR_PROVISIONAL_HOURS = 72
CORRIDOR_SUSPECTED_REVIEW_HOURS = 48
CORRIDOR_SCREENING_ERASE_DAYS = 90
# Scans of a person's documents are shredded this many days after their application's
# decision (pathways.scan_shredding), unless a caseworker keeps them with a reason.
CORRIDOR_SHRED_SCANS_AFTER_DAYS = 90
# Requests within a day from one channel past this count raise `flood` on each new one.
CORRIDOR_SCREENING_FLOOD_PER_DAY = 40
# Where the quick-exit link leads: an ordinary, harmless site.
CORRIDOR_PORTAL_QUICK_EXIT_URL = "https://www.gismeteo.ru/"
