"""Development: debug pages on, plain HTTP on loopback, demo data allowed."""

from corridor.config.env import Mode, read_env, require_secret_key
from corridor.config.settings.base import *  # noqa: F403
from corridor.config.settings.base import env_settings

ENV = read_env()
globals().update(env_settings(ENV, secret_key=require_secret_key(ENV)))

DEBUG = ENV.mode is Mode.DEVELOPMENT
CORRIDOR_DEMO_BANNER = True
