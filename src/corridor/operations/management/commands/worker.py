"""`corridor worker [--burst]`: run queued background tasks and the periodic jobs."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from corridor.core.tasks import run_due_jobs
from corridor.operations.keys_at_start import require_keys, wait_for_keys


class Command(BaseCommand):
    help = "Run queued tasks and periodic jobs; with --burst, stop once the queue is empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="Run what is due, empty the queue, then exit."
        )
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between polls (default 2)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if options["burst"]:
            # A one-off run does not wait: it says that keyd is down and exits 1.
            require_keys(self._say)
        elif not wait_for_keys(self._say, keep_waiting=lambda: self._running, sleep=self._sleep):
            return
        while self._running:
            close_old_connections()
            run_due_jobs()
            self._run_queued_tasks()
            if options["burst"]:
                return
            self._sleep(options["interval"])

    def _say(self, line: str) -> None:
        self.stderr.write(line)
        self.stderr.flush()

    def _run_queued_tasks(self) -> None:
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        # db_worker installs its own signal handlers; take ours back.
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self._running and time.monotonic() < deadline:
            time.sleep(0.1)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self._running = False
