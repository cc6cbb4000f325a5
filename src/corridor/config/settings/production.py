"""Production: TLS (or an onion service) required, __Host- cookies, no demo data, no demo key."""

from django.core.exceptions import ImproperlyConfigured

from corridor.config.env import Mode, read_env, require_secret_key
from corridor.config.settings.base import *  # noqa: F403
from corridor.config.settings.base import env_settings

ENV = read_env()
if ENV.mode is not Mode.PRODUCTION:
    raise ImproperlyConfigured("The production settings need CORRIDOR_ENV=production.")
if not (ENV.origin_is_https or ENV.origin_is_onion):
    raise ImproperlyConfigured(
        "In production CORRIDOR_PUBLIC_ORIGIN must be https:// or an .onion address."
    )
if ENV.key_provider == "file":
    raise ImproperlyConfigured(
        "The file key provider keeps the key on disk and is refused in production; "
        "use CORRIDOR_KEY_PROVIDER=keyd."
    )
globals().update(env_settings(ENV, secret_key=require_secret_key(ENV)))

DEBUG = False
SESSION_COOKIE_NAME = "__Host-corridor_session"
CSRF_COOKIE_NAME = "__Host-corridor_csrftoken"
LANGUAGE_COOKIE_NAME = "__Host-corridor_language"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
WHITENOISE_USE_FINDERS = False
STATIC_ROOT = ENV.data_dir / "static"

if ENV.origin_is_https:
    # TLS ends at the reverse proxy, which must set this header and strip it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 2 * 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
else:
    # An onion service is end-to-end encrypted and authenticated by its address;
    # there is no TLS to redirect to and HSTS has no meaning there.
    # Tor Browser disables WebAuthn, so staff on an onion service log in with TOTP
    # (a written exception in docs/security.md); the origin check has nothing to protect.
    SILENCED_SYSTEM_CHECKS = [
        *SILENCED_SYSTEM_CHECKS,  # noqa: F405
        "security.W004",
        "security.W008",
        "otp_webauthn.E031",
    ]
