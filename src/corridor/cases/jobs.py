"""Periodic case jobs the worker runs."""

from datetime import timedelta

from corridor.cases.services.safety import raise_missed_check_ins
from corridor.core.tasks import periodic


@periodic("cases.missed_check_ins", every=timedelta(minutes=1))
def missed_check_ins() -> None:
    """Raise an incident for every check-in that is overdue."""
    raise_missed_check_ins()
