"""The one source of "now", so tests can freeze and move time (time-machine patches it)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return timezone.now()


def today() -> date:
    """Today's date in UTC."""
    return timezone.now().date()
