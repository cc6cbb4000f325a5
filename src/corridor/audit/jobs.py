"""Periodic audit jobs the worker runs."""

from datetime import timedelta

from corridor.audit.services import sign_tree_head
from corridor.core.actors import WORKER
from corridor.core.tasks import periodic


@periodic("audit.sign_tree_head", every=timedelta(minutes=15))
def sign_head() -> None:
    """Sign a tree head every 15 minutes; an operator's timer copies the newest off-host."""
    sign_tree_head(actor=WORKER)
