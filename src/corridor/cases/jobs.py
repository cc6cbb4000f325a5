"""Periodic case jobs the worker runs."""

from datetime import timedelta

from corridor.cases.models import CaseOpening
from corridor.cases.services.logistics import follow_placements
from corridor.cases.services.safety import raise_missed_check_ins
from corridor.core import clock
from corridor.core.tasks import periodic

# Openings are counted over the last hour; the audit log keeps every one for good.
KEEP_OPENINGS = timedelta(days=2)


@periodic("cases.missed_check_ins", every=timedelta(minutes=1))
def missed_check_ins() -> None:
    """Raise an incident for every check-in that is overdue."""
    raise_missed_check_ins()


@periodic("cases.prune_openings", every=timedelta(hours=1))
def prune_openings() -> None:
    """Forget expired case openings older than two days."""
    CaseOpening.objects.filter(expires_at__lt=clock.now() - KEEP_OPENINGS).delete()


@periodic("cases.follow_placements", every=timedelta(hours=1))
def placements_begun() -> None:
    """ "In a safe place" on a stay's first day, and its nights in the case's costs."""
    follow_placements()
