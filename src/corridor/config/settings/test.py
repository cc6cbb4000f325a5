"""Settings for the test suite: a throwaway data dir, fast hashing where it is safe."""

import importlib.util
import tempfile
from pathlib import Path

from corridor.config.env import read_env_for_tests, require_secret_key
from corridor.config.settings.base import *  # noqa: F403
from corridor.config.settings.base import env_settings

ENV = read_env_for_tests(Path(tempfile.mkdtemp(prefix="corridor-test-")))
globals().update(env_settings(ENV, secret_key=require_secret_key(ENV)))

DEBUG = False
# Most tests call services without a login; the ledger's own tests turn this on.
CORRIDOR_KEY_LEDGER_ENFORCED = False
CORRIDOR_DEMO_BANNER = True

# The test client is 127.0.0.1: not pooled here, so the per-source limits can be tested.
CORRIDOR_PORTAL_POOLED_SOURCES = ()
# The per-source limits count every test client as one source (127.0.0.1) in one process:
# generous here, so only the tests of those limits (which set their own) meet them.
CORRIDOR_PORTAL_RATES = {
    **CORRIDOR_PORTAL_RATES,  # noqa: F405
    "codename_source": (1000, 60),
    "submit_source": (1000, 3600),
    "message_source": (1000, 3600),
}

# Argon2id with small parameters so the suite stays fast; production keeps Django's.
PASSWORD_HASHERS = ["tests.fast_hasher.FastArgon2PasswordHasher"]


def _vault_test_app_importable() -> bool:
    # The repository's tests package is importable under pytest and `python -m` from the
    # checkout, not from the installed `corridor` command (makemigrations, mypy's plugin).
    try:
        return importlib.util.find_spec("tests.vault.testapp") is not None
    except ModuleNotFoundError:
        return False


if _vault_test_app_importable():
    INSTALLED_APPS = [*INSTALLED_APPS, "tests.vault.testapp"]  # noqa: F405
