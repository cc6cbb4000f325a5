"""Demo (what `make run` uses): debug off, plain HTTP on loopback, demo data and key allowed."""

from django.core.exceptions import ImproperlyConfigured

from corridor.config.env import read_env, require_secret_key
from corridor.config.settings.base import *  # noqa: F403
from corridor.config.settings.base import env_settings

ENV = read_env()
globals().update(env_settings(ENV, secret_key=require_secret_key(ENV)))

DEBUG = False
CORRIDOR_DEMO_BANNER = True

if ENV.origin_is_https:
    # Behind TLS a demo may as well use secure cookies.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
elif ENV.allowed_hosts and not set(ENV.allowed_hosts) <= {"localhost", "127.0.0.1", "[::1]"}:
    raise ImproperlyConfigured(
        "The demo serves plain HTTP on loopback only; use CORRIDOR_ENV=production elsewhere."
    )
