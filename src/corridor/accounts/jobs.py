"""Periodic account jobs the worker runs."""

from datetime import timedelta

from corridor.accounts.approvals import sweep_approvals
from corridor.core.tasks import periodic


@periodic("accounts.sweep_approvals", every=timedelta(minutes=5))
def sweep() -> None:
    """Expire stale approval requests and flag emergency reviews past 24 hours."""
    sweep_approvals()
