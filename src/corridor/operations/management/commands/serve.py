"""`corridor serve [--host 127.0.0.1] [--port 8000] [--portal]`: gunicorn with safe logging.

SIGTERM stops it cleanly: gunicorn's master closes the port, lets the workers finish what
they serve (at most `graceful_timeout`), and exits 0 once they are gone. A master that dies
without that (`kill -9`, the OOM killer) takes its workers with it: otherwise a worker
still finishing a slow upload keeps the port open for up to `graceful_timeout` and the
restart cannot bind it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from gunicorn.app.base import BaseApplication

from corridor.core.commands import CorridorCommand
from corridor.intake.sources import prepare as prepare_source_limits
from corridor.operations.keys_at_start import check_caller, check_keys


class _Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type information
    def __init__(self, app_uri: str, options: dict[str, Any]) -> None:
        self.app_uri = app_uri
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from django.utils.module_loading import import_string

        module, _, name = self.app_uri.partition(":")
        return import_string(f"{module}.{name}")


# prctl(2): the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1


def _die_with_master(server: Any, worker: Any) -> None:
    """gunicorn's post_fork hook, in each new worker: be killed when the master dies."""
    if sys.platform != "linux":
        return  # the worker's own check of its parent is all there is
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        server.log.warning("workers will not stop with a lost master")
    if os.getppid() != server.pid:
        os._exit(1)  # the master died before the request above took effect


def _gunicorn_logging() -> dict[str, Any]:
    """Corridor's JSON logging for gunicorn's own messages too."""
    config = dict(settings.LOGGING)
    loggers = dict(config.get("loggers", {}))
    loggers["gunicorn.error"] = {"handlers": ["stderr"], "level": "INFO", "propagate": False}
    loggers["gunicorn.access"] = {"handlers": [], "level": "CRITICAL", "propagate": False}
    config["loggers"] = loggers
    return config


# Threads per worker: a thread waiting for a derivation slot costs memory, not CPU.
THREADS = 16
# The systemd unit's TimeoutStopSec (docs/operators.md) must be longer.
GRACEFUL_SECONDS = 20


class Command(CorridorCommand):
    help = "Serve Corridor with gunicorn (staff site and portal, or --portal alone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--portal", action="store_true", help="Serve only the requester portal, at /."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        app = (
            "corridor.config.wsgi:portal_application"
            if options["portal"]
            else ("corridor.config.wsgi:application")
        )
        check_caller("portal" if options["portal"] else "web", self.stderr.write)
        check_keys(self.stderr.write)
        host = options["host"]
        bind = f"[{host}]:{options['port']}" if ":" in host else f"{host}:{options['port']}"
        self.stdout.write(f"Corridor is listening on http://{bind}/", ending="\n")
        self.stdout.flush()
        # The portal's limits live in memory shared by the workers: made here, before
        # gunicorn forks them, so they all count in the same table (intake/sources.py).
        prepare_source_limits()
        _Server(
            app,
            {
                "bind": bind,
                "workers": options["workers"],
                # Codename derivations hold at most 13 of them, waiting included
                # (intake/derivations.py): the rest serve pages that need none.
                "threads": THREADS,
                "worker_class": "gthread",
                # No access log: it would hold client addresses and query strings.
                "accesslog": None,
                "errorlog": "-",
                "logconfig_dict": _gunicorn_logging(),
                # No control socket: nothing outside the process manages it.
                "control_socket_disable": True,
                "timeout": 60,
                "graceful_timeout": GRACEFUL_SECONDS,
                "post_fork": _die_with_master,
                "limit_request_line": 4094,
                "limit_request_fields": 60,
                "forwarded_allow_ips": "127.0.0.1,::1",
                "proc_name": "corridor-portal" if options["portal"] else "corridor",
            },
        ).run()
