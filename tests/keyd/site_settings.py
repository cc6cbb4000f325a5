"""The demo settings with the test-only URLs, for `corridor serve` in the integration test."""

from corridor.config.settings.demo import *  # noqa: F403

ROOT_URLCONF = "tests.keyd.urls"
