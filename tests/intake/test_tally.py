"""Every request is counted on arrival and on its decision, in the transaction that stores it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from corridor.core.exceptions import InvalidInput
from corridor.core.models import Tally
from corridor.core.tallies import INTAKE_REQUESTS, list_tallies
from corridor.intake.errors import FormAlreadyUsed, PortalBusy
from corridor.intake.models import Request, Status
from corridor.intake.services import requests as request_services
from corridor.intake.tally import count_decision
from corridor.reports.periods import parse_period
from corridor.reports.selectors.marks import count_requests
from tests.factories import new_token, receive_request

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def receive(*, token: str | None = None) -> Request:
    return receive_request("история", token=token, urgency="now")


def counts() -> list[tuple[str, dict[str, str], int]]:
    return [(t.period, t.dimensions, t.count) for t in list_tallies(INTAKE_REQUESTS)]


def test_each_portal_request_is_counted_on_arrival_by_quarter_and_channel(vault_keys):
    """Two requests in one quarter and one in the next: the tally says so, and nothing more."""
    with time_machine.travel(datetime(2025, 9, 30, 23, 50, tzinfo=UTC), tick=False):
        receive()
        receive()
    with time_machine.travel(datetime(2025, 10, 1, 0, 10, tzinfo=UTC), tick=False):
        receive()
    assert counts() == [
        ("2025Q3", {"channel": "portal", "outcome": "received"}, 2),
        ("2025Q4", {"channel": "portal", "outcome": "received"}, 1),
    ]


def test_a_refused_or_repeated_form_is_not_counted(vault_keys, settings):
    """A double-sent form stores one request and counts one; a busy portal counts none."""
    token = new_token()
    receive(token=token)
    with pytest.raises(FormAlreadyUsed):
        receive(token=token)
    settings.CORRIDOR_PORTAL_PENDING_LIMIT = 1
    with pytest.raises(PortalBusy):
        receive()
    assert Request.objects.count() == 1
    assert [count for _p, _d, count in counts()] == [1]


def test_an_arrival_that_fails_to_be_recorded_is_not_counted(vault_keys, monkeypatch):
    """The count shares the request's transaction: if the audit write fails, neither stays."""

    def broken_audit(**_kwargs: object) -> None:
        raise RuntimeError("audit database unavailable")

    monkeypatch.setattr(request_services, "record_event", broken_audit)
    with pytest.raises(RuntimeError):
        receive()
    assert not Request.objects.exists()
    assert not Tally.objects.exists()


def test_decisions_count_under_the_quarter_of_arrival_and_reports_read_them(vault_keys):
    """A request from December decided in January is December's: outcomes never exceed arrivals."""
    with time_machine.travel(datetime(2025, 12, 30, 12, tzinfo=UTC), tick=False):
        first, second, _third = receive(), receive(), receive()
    with time_machine.travel(datetime(2026, 1, 5, 12, tzinfo=UTC), tick=False):
        count_decision(first, Status.DECLINED)
        count_decision(second, Status.ACCEPTED)
    assert count_requests(parse_period("2025Q4")) == {
        ("2025Q4", "portal", "accepted"): 1,
        ("2025Q4", "portal", "declined"): 1,
        ("2025Q4", "portal", "undecided"): 1,
    }
    assert count_requests(parse_period("2026Q1")) == {}


@pytest.mark.parametrize(
    "status", [Status.PROVISIONAL, Status.NEED_INFO, Status.IN_VERIFICATION, Status.ERASED]
)
def test_only_a_final_outcome_is_counted_as_a_decision(vault_keys, status):
    """A step on the way to a decision would count the same request twice."""
    request = receive()
    with pytest.raises(InvalidInput):
        count_decision(request, status)
    assert [d["outcome"] for _p, d, _c in counts()] == ["received"]
