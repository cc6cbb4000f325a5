"""The daily digest counts requests waiting longer than the organisation's answer target
("requests waiting longer than the target"), not only unread ones. A number
only leaves the server."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from corridor.core import clock
from corridor.intake.access import access_opened_request_by_id
from corridor.intake.models import Request
from corridor.intake.services.opening import open_request
from corridor.operations.digest import waiting_for
from tests.factories import write

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_a_request_read_but_undecided_past_the_answer_target_counts_for_its_screeners(
    vault_keys, fast_kdf, verifier, settings
):
    """Read is not answered: a request opened and read, still waiting for a decision,
    counts once it has waited longer than the organisation's answer target (the portal's
    "we answer within 3 days"; portal.json may say otherwise)."""
    written = write()
    assert waiting_for(verifier) == 1  # not opened yet
    open_request(actor=verifier, request_id=written.request.id)
    access_opened_request_by_id(verifier, written.request.id)
    assert waiting_for(verifier) == 0  # read, and within the target
    Request.objects.filter(pk=written.request.pk).update(
        received_on=clock.today() - timedelta(days=4)
    )
    assert waiting_for(verifier) == 1  # four days: past the default three
    (settings.CORRIDOR_DATA_DIR / "portal.json").write_text(
        json.dumps({"answer_within_days": 7}), encoding="utf-8"
    )
    assert waiting_for(verifier) == 0  # this organisation promises a week
