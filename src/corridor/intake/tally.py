"""Intake's side of the anonymous request tally (`corridor.core.tallies`).

Every request is counted once on arrival and once on its final decision, both under
the quarter it ARRIVED in, with its channel and the outcome code, so each quarter's
outcomes never exceed its arrivals and the totals survive the erasure of declined and
suspected requests. Call these inside the transaction that stores the arrival or the
decision: a rolled-back decision must not stay counted.
"""

from __future__ import annotations

from corridor.core import tallies
from corridor.core.exceptions import InvalidInput
from corridor.core.quarters import quarter_of
from corridor.intake.models import Request, Status

# Final outcomes only: a provisional acceptance or a request for more information is
# decided later, and counting it too would count one request twice.
DECISIONS = frozenset(
    {Status.ACCEPTED, Status.REFERRED_OUT, Status.DECLINED, Status.DUPLICATE, Status.SUSPECTED}
)
NOT_A_DECISION = (
    "Only a final outcome (accepted, referred out, declined, duplicate, suspected) is counted."
)


def count_arrival(request: Request) -> None:
    """Count a request as received, under its quarter of arrival and its channel."""
    _increment(request, tallies.RECEIVED)


def count_decision(request: Request, outcome: Status) -> None:
    """Count a request's final outcome (once per request), under its quarter of arrival."""
    if outcome not in DECISIONS:
        raise InvalidInput(NOT_A_DECISION)
    _increment(request, outcome.value)


def _increment(request: Request, outcome: str) -> None:
    tallies.increment(
        tallies.INTAKE_REQUESTS,
        period=quarter_of(request.received_on),
        channel=str(request.channel),
        outcome=outcome,
    )
