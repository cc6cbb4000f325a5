"""The never-publish list and the anonymous intake tally, as reports read them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from corridor.core.tallies import INTAKE_REQUESTS, RECEIVED, list_tallies
from corridor.pathways.models import Application
from corridor.reports.models import NeverPublish, NeverPublishKind
from corridor.reports.periods import Period

UNDECIDED = "undecided"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class NeverPublishCodes:
    routes: frozenset[str]
    countries: frozenset[str]


def list_never_publish() -> QuerySet[NeverPublish]:
    """The active marks, routes first, then countries, each by code."""
    return NeverPublish.objects.filter(cleared_at__isnull=True).order_by("kind", "code")


def never_publish_codes() -> NeverPublishCodes:
    marks = list(list_never_publish().values_list("kind", "code"))
    return NeverPublishCodes(
        routes=frozenset(code for kind, code in marks if kind == NeverPublishKind.ROUTE),
        countries=frozenset(code for kind, code in marks if kind == NeverPublishKind.COUNTRY),
    )


def known_codes() -> tuple[list[str], list[str]]:
    """Route ids and country codes that applications use, to offer on the list's form."""
    routes = Application.objects.values_list("route_id", flat=True).distinct().order_by("route_id")
    countries = Application.objects.values_list("country", flat=True).distinct().order_by("country")
    return list(routes), list(countries)


def count_requests(period: Period | None) -> dict[tuple[str, str, str], int]:
    """{(quarter of arrival, channel, outcome): requests} from the intake tally.

    Outcomes are the decisions, plus `undecided` for arrivals not decided yet, so
    for each quarter and channel they add up to the requests received.
    """
    received: dict[tuple[str, str], int] = defaultdict(int)
    decided: dict[tuple[str, str, str], int] = defaultdict(int)
    for tally in list_tallies(INTAKE_REQUESTS, periods=period.quarters if period else None):
        channel = tally.dimensions.get("channel", UNKNOWN)
        outcome = tally.dimensions.get("outcome", UNKNOWN)
        if outcome == RECEIVED:
            received[(tally.period, channel)] += tally.count
        else:
            decided[(tally.period, channel, outcome)] += tally.count
    result = dict(decided)
    for (quarter, channel), count in received.items():
        done = sum(n for (q, c, _o), n in decided.items() if (q, c) == (quarter, channel))
        result[(quarter, channel, UNDECIDED)] = max(count - done, 0)
    return result
