"""Background work that waits for unseal instead of failing (`awaiting_unseal`).

A task that needs a key meets a sealed key service after a restart, or keyd not
running yet. Decorated with `parks_until_unseal`, it records what it was doing (a
kind and an id, never data) and returns; a periodic sweep runs it again once keys
can be used, oldest first, and stops at the first that still waits:

    @corridor_task
    @parks_until_unseal("intake.open_request")
    def open_request(request_id: str) -> None: ...

Core knows nothing of the vault: the vault's VaultSealed and KeydUnreachable are
`KeysUnavailable`, which is what parks.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction

from corridor.core.actors import WORKER
from corridor.core.exceptions import KeyFailure, KeysUnavailable
from corridor.core.key_failure_reports import report_key_failure
from corridor.core.models import ParkedWork
from corridor.core.tasks import periodic

logger = logging.getLogger(__name__)
Resumable = Callable[[str], None]
_RESUMERS: dict[str, Resumable] = {}


def parks_until_unseal(kind: str) -> Callable[[Resumable], Resumable]:
    """Register `function(object_id)` under `kind`; if it meets KeysUnavailable it is parked."""

    def decorate(function: Resumable) -> Resumable:
        _RESUMERS[kind] = function

        @functools.wraps(function)
        def run(object_id: str) -> None:
            try:
                function(object_id)
            except KeysUnavailable as failure:
                # Audited once, here: the sweep's tries while it waits are not new failures.
                report_key_failure(failure, actor=WORKER, work=kind)
                park(kind, object_id)

        return run

    return decorate


def park(kind: str, object_id: str) -> None:
    """Remember that `kind` must run again for `object_id` (once, however often it parks)."""
    try:
        with transaction.atomic():
            ParkedWork.objects.get_or_create(kind=kind, object_id=str(object_id))
    except IntegrityError:
        pass  # another worker parked the same work at the same moment
    logger.info("work parked until unseal", extra={"task": kind})


def count_awaiting_unseal() -> int:
    return ParkedWork.objects.count()


@periodic("core.resume_parked_work", every=timedelta(minutes=1))
def resume_parked_work() -> None:
    """Run parked work again, oldest first; stop at the first that still meets sealed keys."""
    for parked in ParkedWork.objects.order_by("parked_at", "id"):
        function = _RESUMERS.get(parked.kind)
        if function is None:
            logger.warning("parked work of an unknown kind", extra={"task": parked.kind})
            continue
        try:
            function(parked.object_id)
        except KeysUnavailable:
            return  # recorded when it was parked; still waiting for the same unseal
        except KeyFailure as failure:
            report_key_failure(failure, actor=WORKER, work=parked.kind)
            ParkedWork.objects.filter(pk=parked.pk).update(attempts=parked.attempts + 1)
            continue
        except Exception:
            logger.exception("parked work failed", extra={"task": parked.kind})
            ParkedWork.objects.filter(pk=parked.pk).update(attempts=parked.attempts + 1)
            continue
        parked.delete()
