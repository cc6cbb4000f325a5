"""Reading the configuration from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from corridor.config.env import Mode, ensure_secret_key_file, read_env, require_secret_key

pytestmark = pytest.mark.pure


def test_defaults_are_production_with_sqlite_in_var(tmp_path, monkeypatch):
    """With nothing set, Corridor runs as production with its databases in ./var."""
    monkeypatch.chdir(tmp_path)
    env = read_env({})
    assert env.mode is Mode.PRODUCTION
    assert env.data_dir == tmp_path / "var"
    assert env.database_url == f"sqlite:///{tmp_path / 'var' / 'corridor.sqlite3'}"
    assert env.keystore_url == f"sqlite:///{tmp_path / 'var' / 'keystore.sqlite3'}"
    assert env.key_provider == "keyd"
    assert env.allowed_hosts == ("localhost",)


def test_demo_allows_loopback_hosts_and_the_file_provider(tmp_path):
    """The demo answers on localhost, 127.0.0.1 and [::1] and keeps its key in a file."""
    env = read_env({"CORRIDOR_ENV": "demo", "CORRIDOR_DATA_DIR": str(tmp_path)})
    assert env.allowed_hosts == ("localhost", "127.0.0.1", "[::1]")
    assert env.key_provider == "file"


def test_postgres_key_store_is_a_second_database(tmp_path):
    """On PostgreSQL the key store is a database of its own beside the data."""
    env = read_env(
        {
            "CORRIDOR_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://corridor@db.internal:5432/corridor",
        }
    )
    assert env.keystore_url == "postgres://corridor@db.internal:5432/corridor_keys"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CORRIDOR_ENV", "staging", "CORRIDOR_ENV must be one of"),
        ("CORRIDOR_PUBLIC_ORIGIN", "corridor.example.org", "must look like"),
        ("CORRIDOR_PUBLIC_ORIGIN", "https://corridor.example.org/app", "without a path"),
        ("CORRIDOR_KEY_PROVIDER", "vault", "must be 'file' or 'keyd'"),
        ("CORRIDOR_PORTAL_ONION", "https://help.example.org/", "onion address"),
        ("CORRIDOR_PORTAL_ONION", "http://short.onion/", "onion address"),
        ("CORRIDOR_PORTAL_ONION", "http://" + "a" * 56 + ".onion.example.org/", "onion"),
        ("CORRIDOR_PORTAL_ONION", "http://" + "1" * 56 + ".onion/", "onion address"),
        ("CORRIDOR_ORG_TIME_ZONE", "Moscow", "time zone name"),
        ("CORRIDOR_ESCALATION_MINUTES", "0", "CORRIDOR_ESCALATION_MINUTES"),
        ("CORRIDOR_SMTP_PORT", "70000", "CORRIDOR_SMTP_PORT"),
        ("CORRIDOR_PORTAL_UPLOADS", "yes", "CORRIDOR_PORTAL_UPLOADS must be 1"),
    ],
)
def test_malformed_values_fail_loudly(tmp_path, name, value, message):
    """A malformed setting stops start-up with a sentence naming the variable."""
    with pytest.raises(ImproperlyConfigured, match=message):
        read_env({"CORRIDOR_DATA_DIR": str(tmp_path), name: value})


def test_missing_secret_names_the_command_that_creates_it(tmp_path):
    """Without a secret key the error says to run `corridor setup`."""
    env = read_env({"CORRIDOR_DATA_DIR": str(tmp_path)})
    with pytest.raises(ImproperlyConfigured, match="corridor setup"):
        require_secret_key(env)


def test_a_damaged_or_unreadable_secret_file_stops_start_up_with_a_sentence(tmp_path):
    """Every command reads the secret key file: bytes that are not ASCII, or a folder in its
    place, are named with the fix instead of a traceback."""
    (tmp_path / "secret_key").write_bytes(b"\xef\xbb\xbf\xff" * 20)
    with pytest.raises(ImproperlyConfigured, match=r"is not a secret key .* run `corridor setup`"):
        read_env({"CORRIDOR_DATA_DIR": str(tmp_path)})
    (tmp_path / "secret_key").unlink()
    (tmp_path / "secret_key").mkdir()
    with pytest.raises(ImproperlyConfigured, match=r"cannot be read .* as the user that owns"):
        read_env({"CORRIDOR_DATA_DIR": str(tmp_path)})


def test_short_secret_is_refused(tmp_path):
    """A secret key shorter than 50 characters is refused."""
    env = read_env({"CORRIDOR_DATA_DIR": str(tmp_path), "CORRIDOR_SECRET_KEY": "short"})
    with pytest.raises(ImproperlyConfigured, match="at least 50"):
        require_secret_key(env)


def test_secret_file_is_created_once_and_private(tmp_path):
    """Setup writes a 0600 secret key file once and reads it back afterwards."""
    data_dir = tmp_path / "data"
    env = read_env({"CORRIDOR_DATA_DIR": str(data_dir)})
    assert ensure_secret_key_file(env) is True
    secret_file = Path(data_dir / "secret_key")
    assert secret_file.stat().st_mode & 0o777 == 0o600
    again = read_env({"CORRIDOR_DATA_DIR": str(data_dir)})
    assert again.secret_key == secret_file.read_text().strip()
    assert len(require_secret_key(again)) >= 50
    assert ensure_secret_key_file(again) is False


def test_the_portal_onion_address_is_read_with_its_path(tmp_path):
    name = "abcdefghijklmnopqrstuvwxyz234567" + "a" * 24
    env = read_env(
        {"CORRIDOR_DATA_DIR": str(tmp_path), "CORRIDOR_PORTAL_ONION": f"http://{name}.onion"}
    )
    assert env.portal_onion == f"http://{name}.onion/"
    assert read_env({"CORRIDOR_DATA_DIR": str(tmp_path)}).portal_onion == ""


def test_portal_files_are_off_unless_turned_on(tmp_path):
    assert read_env({"CORRIDOR_DATA_DIR": str(tmp_path)}).portal_uploads is False
    on = read_env({"CORRIDOR_DATA_DIR": str(tmp_path), "CORRIDOR_PORTAL_UPLOADS": "1"})
    assert on.portal_uploads is True


def test_production_sends_e_mail_only_over_starttls(tmp_path):
    """Turning STARTTLS off is refused in production, allowed in a demo (a local relay)."""
    smtp = {"CORRIDOR_SMTP_HOST": "smtp.example.org", "CORRIDOR_SMTP_STARTTLS": "0"}
    with pytest.raises(ImproperlyConfigured, match="STARTTLS"):
        read_env({"CORRIDOR_DATA_DIR": str(tmp_path), **smtp})
    demo = read_env({"CORRIDOR_ENV": "demo", "CORRIDOR_DATA_DIR": str(tmp_path), **smtp})
    assert demo.smtp.starttls is False
    assert read_env({"CORRIDOR_DATA_DIR": str(tmp_path)}).smtp.starttls is True
