"""WSGI entry points: the whole site, and the portal alone for its own process or host."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

from corridor.config.env import read_env
from corridor.core.audience import PORTAL_ONLY_ENVIRON_KEY

os.environ.setdefault("DJANGO_SETTINGS_MODULE", read_env().settings_module)

application = get_wsgi_application()

StartResponse = Callable[..., Any]


def portal_application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Serve only the requester portal: every staff URL answers 404 in this process."""
    environ[PORTAL_ONLY_ENVIRON_KEY] = True
    return application(environ, start_response)
