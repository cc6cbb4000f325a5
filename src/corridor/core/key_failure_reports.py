"""Key and integrity failures met outside a page: by the worker's tasks and jobs, and by commands.

A page's failure goes through the web's middleware; these go through here, and both end
in the same place (accounts.key_failures.record_key_failure): one audit event each time,
coordinators alerted once per kind. Core is the bottom layer and knows nothing of audit
or alerts, so accounts registers the recorder when the apps load (AccountsConfig.ready).

Called after the work's own transaction rolled back with the failure, so the event
commits on its own (a denial event commits on its own).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from corridor.core.actors import Actor
from corridor.core.exceptions import KeyFailure

logger = logging.getLogger(__name__)

# recorder(actor=..., failure=..., work=...): what the worker or the command was doing.
Recorder = Callable[[Actor, KeyFailure, str], None]
_RECORDERS: list[Recorder] = []


def set_key_failure_recorder(recorder: Recorder) -> None:
    """Make `recorder` the one that writes every failure reported here (replaces any)."""
    _RECORDERS[:] = [recorder]


def report_key_failure(failure: KeyFailure, *, actor: Actor, work: str) -> None:
    """Audit `failure`, met by `actor` doing `work` (a task, a job or a command), and alert.

    Never raises: the work already failed, and a recorder that cannot write (the key
    service's own settings have no data database) must not hide why. It logs instead.
    """
    # The log names the kind only: the error's own text may name a key id or a case.
    logger.warning("work met a key failure", extra={"cause": failure.kind, "task": work})
    if not _RECORDERS:
        return
    try:
        _RECORDERS[0](actor, failure, work)
    except Exception:
        logger.exception("key failure not recorded", extra={"task": work})
