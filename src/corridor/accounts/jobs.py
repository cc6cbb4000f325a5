"""Periodic account jobs the worker runs."""

from datetime import timedelta

from corridor.accounts.approvals import sweep_approvals
from corridor.accounts.standby import sweep_standby
from corridor.core.tasks import periodic


@periodic("accounts.sweep_approvals", every=timedelta(minutes=5))
def sweep() -> None:
    """Expire stale approval requests, flag emergency reviews past 24 hours, and take
    back the role of every standby whose time on duty is up."""
    sweep_approvals()
    sweep_standby()
