"""Usernames for the actor ids the audit log and timelines carry (`staff:<id>`)."""

from __future__ import annotations

from collections.abc import Iterable

from corridor.accounts.models import Staff


def usernames_for(actors: Iterable[str]) -> dict[str, str]:
    """`{"staff:7": "anna"}` for every staff actor id given (one query)."""
    ids = {actor.split(":", 1)[1] for actor in actors if actor.startswith("staff:")}
    numeric = [int(value) for value in ids if value.isdigit()]
    return {
        f"staff:{pk}": username
        for pk, username in Staff.objects.filter(pk__in=numeric).values_list("pk", "username")
    }
