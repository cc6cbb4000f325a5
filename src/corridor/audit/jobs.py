"""Periodic audit jobs the worker runs."""

from datetime import timedelta

from corridor.audit.keyd_log import record_keyd_lines
from corridor.audit.services import sign_tree_head
from corridor.core.actors import WORKER
from corridor.core.tasks import periodic
from corridor.vault.keyd.client import KeydKeyProvider
from corridor.vault.providers import key_provider


@periodic("audit.sign_tree_head", every=timedelta(minutes=15))
def sign_head() -> None:
    """Sign a tree head every 15 minutes; an operator's timer copies the newest off-host."""
    sign_tree_head(actor=WORKER)


@periodic("audit.record_keyd_log", every=timedelta(minutes=1))
def record_keyd_log() -> None:
    """Copy keyd's new log lines into the audit log (keyd only: the file provider has none)."""
    provider = key_provider()
    if isinstance(provider, KeydKeyProvider):
        record_keyd_lines(provider.log_since)
