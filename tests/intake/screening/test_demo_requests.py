"""The demo's requests give the verifier's pages their signals once the worker screens them."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.core.actors import WORKER
from corridor.intake.models import Channel
from corridor.intake.services.screening import screen_request
from corridor.operations.demo_requests import build_requests
from tests.factories import staff_with
from tests.intake.screening.helpers import flags_of

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_demo_requests_raise_the_templated_and_the_duplicate_signals(vault_keys, fast_kdf):
    operator = staff_with(Role.HOTLINE_OPERATOR)
    requests = build_requests(operator=operator)
    for request in requests:
        screen_request(actor=WORKER, request_id=request.pk)
    channels = [request.channel for request in requests]
    assert channels.count(Channel.PORTAL) == 7
    assert channels.count(Channel.HOTLINE) == 2
    flags = [flags_of(request) for request in requests]
    assert sum("templated_narrative" in found for found in flags) == 3
    repeated_call = requests[7]
    assert {"duplicate_name", "duplicate_phone"} <= flags[7]
    assert repeated_call.channel == Channel.HOTLINE
    assert flags[8] == set()  # an ordinary question about a passport raises nothing
