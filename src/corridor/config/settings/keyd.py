"""keyd and its operator commands (`keyd`, `unseal`, `seal`, `keys init`, `keys log`).

They need no secret key, no key store and no write access to any database: the only
database is keyd's read-only alias (the default alias is a dummy, so an accidental
query elsewhere fails instead of writing).
"""

import secrets

from corridor.config.env import read_env
from corridor.config.settings.base import *  # noqa: F403
from corridor.config.settings.base import (
    CORRIDOR_KEYD_DATABASE,
    env_settings,
    keyd_database_settings,
)

# keyd runs as its own user, who may not read the web's data directory or secret key.
ENV = read_env(secret_key_file=False)
# Nothing keyd does is signed with it: a per-process value satisfies Django.
globals().update(env_settings(ENV, secret_key=secrets.token_urlsafe(64)))
DATABASES = {
    "default": {"ENGINE": "django.db.backends.dummy"},
    CORRIDOR_KEYD_DATABASE: keyd_database_settings(ENV),
}
DEBUG = False
