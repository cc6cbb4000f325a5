"""The vault's periodic job: finish purging destroyed keys from the key store's live files.

An erasure purges at once when it can; when the WAL was busy, or the destruction ran
inside a transaction, this hourly job completes it (checkpoint, or VACUUM FULL).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from corridor.core.tasks import periodic
from corridor.vault.keystore import purge_deleted_keys

logger = logging.getLogger(__name__)


@periodic("vault.purge_keystore", every=timedelta(hours=1))
def purge_keystore() -> None:
    if not purge_deleted_keys():
        logger.warning("key store purge deferred", extra={"job": "vault.purge_keystore"})
