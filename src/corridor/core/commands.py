"""The base of every `corridor` command: a key failure is audited, alerted and told in a sentence.

A command that meets a sealed, unreachable or refusing key service, or a stored value that
fails its check, would otherwise end in a traceback with no audit event and no alert. Here
it is recorded as a page's would be (core.key_failure_reports) and the operator reads one
sentence and exit code 3 (the code `corridor keyd status` uses for a sealed key service).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from corridor.core.actors import cli_actor
from corridor.core.exceptions import KeyFailure
from corridor.core.key_failure_reports import report_key_failure

KEY_FAILURE_EXIT = 3
KEY_FAILURE_SENTENCES = {
    "sealed": "The key service is sealed: ask your trustees to unseal it, then run this again.",
    "unavailable": "The key service cannot be reached: start it, then run this again.",
    "refused": "The key service refused this command a key. The audit log records it.",
    "integrity": (
        "A stored value failed its integrity check (altered, or copied back from an old"
        " copy). It is recorded; run `corridor audit verify`."
    ),
}


class CorridorCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except KeyFailure as failure:
            name = type(self).__module__.rsplit(".", 1)[-1]
            report_key_failure(failure, actor=cli_actor(), work=f"command:{name}")
            sentence = KEY_FAILURE_SENTENCES.get(failure.kind, KEY_FAILURE_SENTENCES["refused"])
            raise CommandError(sentence, returncode=KEY_FAILURE_EXIT) from None
