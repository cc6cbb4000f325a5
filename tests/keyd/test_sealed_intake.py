"""A request sent through the portal while keyd is sealed is stored, waits, and is screened
once the trustees unseal keyd (through a keyd running in this process)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from corridor.core.models import ParkedWork
from corridor.core.parking import resume_parked_work
from corridor.intake.models import Request, Status
from corridor.vault.keyd.client import KeydAdmin
from corridor.vault.longlived import initialise_keys
from tests.portal_helpers import Requester, fast_kdf  # noqa: F401 - a fixture

COMMITTED = pytest.mark.django_db(transaction=True, databases=["default", "keystore"])


@COMMITTED
def test_a_request_sent_while_keyd_is_sealed_is_stored_and_screened_after_unseal(
    daemon,
    shares,
    fast_kdf,  # noqa: F811
):
    admin = KeydAdmin()
    for share in shares[:3]:
        admin.unseal(share)
    initialise_keys()
    admin.seal()

    person = Requester()
    assert person.send_request().status_code == 303
    assert Request.objects.get().status == Status.AWAITING_SCREENING
    call_command("worker", burst=True)  # the screening task meets the sealed keyd
    waiting = Request.objects.get()
    assert waiting.status == Status.AWAITING_UNSEAL
    assert ParkedWork.objects.filter(object_id=str(waiting.pk)).exists()
    resume_parked_work()  # the worker's sweep, still sealed: nothing is lost, nothing is screened
    assert Request.objects.get().status == Status.AWAITING_UNSEAL

    for share in shares[2:5]:
        admin.unseal(share)
    resume_parked_work()
    screened = Request.objects.get()
    assert screened.status == Status.IN_VERIFICATION
    assert screened.screened_at is not None
    assert not ParkedWork.objects.exists()
