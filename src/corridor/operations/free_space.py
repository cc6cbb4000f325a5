"""Alerts about the data directory's disk: before it fills, and after it filled.

The worker checks free space every few minutes and, below the configured threshold,
puts a banner on every coordinator's and administrator's dashboard (one open banner per
person, however many checks find it). When a full disk stopped the worker's writes, the
worker alerts as soon as it can write again, so the people in charge learn of the outage
even if it ended before anyone looked.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from corridor.accounts.alerts import alert_server_keepers
from corridor.core.tasks import periodic

logger = logging.getLogger(__name__)

FREE_SPACE_EVERY = timedelta(minutes=5)
LOW_SPACE_ALERT = "disk_low"
DISK_WAS_FULL_ALERT = "disk_full"


def free_bytes() -> int:
    """Free bytes on the file system that holds the data directory."""
    directory = Path(settings.CORRIDOR_DATA_DIR)
    return shutil.disk_usage(directory if directory.exists() else directory.parent).free


@periodic("operations.check_free_space", every=FREE_SPACE_EVERY)
def check_free_space() -> None:
    """Alert below CORRIDOR_FREE_SPACE_ALERT_BYTES; log the free megabytes."""
    free = free_bytes()
    if free >= settings.CORRIDOR_FREE_SPACE_ALERT_BYTES:
        return
    logger.warning(
        "free space on the data directory's disk is low",
        extra={"cause": "free space low", "count": free // 1024**2},
    )
    alert_server_keepers(code=LOW_SPACE_ALERT)


def alert_disk_was_full() -> None:
    """The worker could not write for a while because the disk was full: say so."""
    alert_server_keepers(code=DISK_WAS_FULL_ALERT)


BACKUP_MISSING_ALERT = "backup_missing"
BACKUP_WATCH_EVERY = timedelta(hours=1)


@periodic("operations.check_backup_age", every=BACKUP_WATCH_EVERY)
def check_backup_age() -> None:
    """No successful backup for 26 hours (the doctor's limit) wakes the person on call:
    an urgent alert, once per person until dismissed. Nothing before the first backup."""
    from corridor.audit import selectors as audit_selectors
    from corridor.audit.events import EventType
    from corridor.core import clock
    from corridor.operations.doctor import BACKUP_MAX_AGE

    last = audit_selectors.get_last_event_time(EventType.BACKUP_CREATED)
    if last is not None and clock.now() - last > BACKUP_MAX_AGE:
        alert_server_keepers(code=BACKUP_MISSING_ALERT)


KEYD_WATCH_EVERY = timedelta(minutes=2)


@periodic("operations.check_key_service", every=KEYD_WATCH_EVERY)
def check_key_service() -> None:
    """keyd sealed or unreachable wakes the person on call even at night, when no page
    meets it: the same alert codes a page's key failure raises (one per person until
    dismissed)."""
    from corridor.accounts.alerts import alert_coordinators_once
    from corridor.accounts.key_failures import alert_code
    from corridor.vault.errors import KeydUnreachable, KeyProviderUnavailable
    from corridor.vault.providers import check_key_provider

    try:
        state = check_key_provider()
    except (KeydUnreachable, KeyProviderUnavailable):
        alert_coordinators_once(code=alert_code("unavailable"))
        return
    if state == "sealed":
        alert_coordinators_once(code=alert_code("sealed"))
