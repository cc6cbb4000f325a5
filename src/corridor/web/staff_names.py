"""Usernames for the actor ids the audit log and timelines carry (`staff:<id>`), and
words for every other actor (`system:cli:root` reads "system (command line)")."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from corridor.accounts.models import Staff


def usernames_for(actors: Iterable[str]) -> dict[str, str]:
    """`{"staff:7": "anna"}` for every staff actor id given (one query)."""
    ids = {actor.split(":", 1)[1] for actor in actors if actor.startswith("staff:")}
    numeric = [int(value) for value in ids if value.isdigit()]
    return {
        f"staff:{pk}": username
        for pk, username in Staff.objects.filter(pk__in=numeric).values_list("pk", "username")
    }


def actor_words(actors: Iterable[str]) -> dict[str, str]:
    """Who did it, in the reader's language, for every actor id given: staff by their
    username, the portal's requester and Corridor's own processes in words. The raw id
    stays for the auditor's detail column and exports."""
    wanted = {actor for actor in actors if actor}
    words = usernames_for(wanted)
    for actor in wanted - words.keys():
        words[actor] = _system_words(actor)
    return words


def _system_words(actor: str) -> str:
    if actor == "requester":
        return pgettext("who did it", "the person, through the portal")
    if actor.startswith("staff:"):
        # An account that no longer exists: say so rather than show its number.
        return pgettext("who did it", "a former staff member")
    if actor.startswith("system:cli:") or actor == "system:cli":
        return pgettext("who did it", "system (command line)")
    processes = {
        "system:worker": pgettext("who did it", "system (background tasks)"),
        "system:portal": pgettext("who did it", "system (portal)"),
        "system:keyd": pgettext("who did it", "system (key service)"),
        "system:vault": pgettext("who did it", "system (key service)"),
        "system:web": pgettext("who did it", "system (staff site)"),
        "system:demo": pgettext("who did it", "system (demo data)"),
    }
    if actor in processes:
        return processes[actor]
    if actor.startswith("system:"):
        return pgettext("who did it", "system")
    return _("unknown")
