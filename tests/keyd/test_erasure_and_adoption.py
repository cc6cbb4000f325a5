"""keyd's ledger knows a case was erased, and after `corridor factors adopt` a request's
phase is keyd's alone.

Through a keyd running in this process, spoken to over its socket as the web's uid. The
attacks: a wrapped key kept from before an erasure (a backup of the key store, or a copy
the web took) unwrapped with a logged-in case team's ticket; the web telling keyd a case
is erased without a coordinator's ticket; a request's status forged in the data database
before and after adopt; a request adopt never saw.
"""

from __future__ import annotations

import json
import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command

from corridor.accounts.roles import Role
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import UnwrapRefused
from corridor.vault.keyd.ledger import LEDGER_FILE
from corridor.vault.ledger import acting_with, as_operator
from tests.factories import StaffFactory, open_case_for
from tests.keyd.test_sealed_pages import COMMITTED, unseal
from tests.ledger_helpers import keyd_log_in

pytestmark = [pytest.mark.urls("tests.keyd.urls"), pytest.mark.process]


@pytest.fixture
def running_keyd(daemon, shares):
    """keyd in this process, unsealed, with its long-lived keys."""
    from corridor.vault.longlived import initialise_keys

    unseal(shares)
    initialise_keys()
    return daemon


def _kept(key_id):
    """The wrapped key as a copy kept from before holds it: what the web sends keyd."""
    from corridor.vault.models import WrappedKey
    from corridor.vault.providers.base import WrappedBlob

    row = WrappedKey.objects.get(pk=key_id)
    return row.id, row.purpose, WrappedBlob(kek_version=row.kek_version, blob=bytes(row.wrapped))


def _unwraps(kept, staff, ticket: str, object_id: str) -> bool:
    """Whether keyd unwraps the kept key for `staff` with their live ticket."""
    from corridor.vault.providers import key_provider

    key_id, purpose, blob = kept
    try:
        key_provider().unwrap(
            key_id=key_id,
            purpose=purpose,
            blob=blob,
            for_actor=staff.actor_id,
            case_id=object_id,
            ticket=ticket,
            task=None,
        )
    except UnwrapRefused:
        return False
    return True


def _hotline_request(hotline, ticket: str):
    from corridor.intake.services.hotline import record_hotline_request
    from tests.intake.screening.test_hotline import CALL

    with acting_with(ticket):
        return record_hotline_request(actor=hotline, answers=CALL, escalate=False, conflict=False)


@COMMITTED
def test_an_erased_case_and_its_requests_open_for_nobody_even_from_a_kept_key(
    running_keyd, coordinator, caseworker
):
    from corridor.accounts.approvals import grant_approval
    from corridor.cases.services.erasure import (
        erase_granted_case,
        pending_erasure,
        request_case_erasure,
    )
    from corridor.core.exceptions import InvalidInput
    from corridor.intake.models import Request, Status

    second = StaffFactory(roles=[Role.COORDINATOR])
    hotline = StaffFactory(roles=[Role.HOTLINE_OPERATOR])
    verifier = StaffFactory(roles=[Role.VERIFIER])
    people = (coordinator, second, caseworker, hotline, verifier)
    tickets = {staff.pk: keyd_log_in(staff) for staff in people}
    with as_operator():
        case = open_case_for(coordinator, caseworker)
    request = _hotline_request(hotline, tickets[hotline.pk])
    with acting_with(tickets[verifier.pk]):
        vault_ledger.record_screening(
            request_id=str(request.pk), phase="closed", case_id=str(case.pk)
        )
    Request.objects.filter(pk=request.pk).update(case=case, status=Status.ACCEPTED)
    case_key, request_key = _kept(case.key_id), _kept(request.key_id)
    assert _unwraps(case_key, caseworker, tickets[caseworker.pk], str(case.pk))
    assert _unwraps(request_key, caseworker, tickets[caseworker.pk], str(request.pk))

    # The web alone, or a caseworker's ticket, cannot mark a case erased in keyd (it is
    # not undone: a denial of service that outlives any restore of the data database).
    with pytest.raises(UnwrapRefused):
        vault_ledger.record_case_erased(case_id=str(case.pk))
    with acting_with(tickets[caseworker.pk]), pytest.raises(UnwrapRefused):
        vault_ledger.record_case_erased(case_id=str(case.pk))
    assert _unwraps(case_key, caseworker, tickets[caseworker.pk], str(case.pk))

    # Asked and granted by two coordinators; carried out without a ticket: keyd refuses
    # and nothing is blanked.
    with acting_with(tickets[coordinator.pk]):
        request_case_erasure(actor=coordinator, case=case, reason="retention")
    with acting_with(tickets[second.pk]):
        approval = pending_erasure(case)
        assert approval is not None
        grant_approval(actor=second, approval_id=str(approval.pk))
    with pytest.raises(InvalidInput):
        erase_granted_case(actor=coordinator, case=case)
    case.refresh_from_db()
    assert case.erased_at is None
    assert _unwraps(case_key, caseworker, tickets[caseworker.pk], str(case.pk))

    # With the coordinator's ticket: erased, and the copies kept from before open nothing,
    # for the case team, the coordinators or the verifiers, whatever the rows say.
    with acting_with(tickets[coordinator.pk]):
        erase_granted_case(actor=coordinator, case=case)
    case.refresh_from_db()
    assert case.erased_at is not None
    Request.objects.filter(pk=request.pk).update(case=case, status=Status.IN_VERIFICATION)  # forged
    for staff in people:
        assert not _unwraps(case_key, staff, tickets[staff.pk], str(case.pk)), staff
        assert not _unwraps(request_key, staff, tickets[staff.pk], str(request.pk)), staff
    # Nor does a verifier's ticket attach the request, or another, to the erased case.
    with acting_with(tickets[verifier.pk]), pytest.raises(UnwrapRefused):
        vault_ledger.record_screening(
            request_id=str(request.pk), phase="screening", case_id=str(case.pk)
        )


@COMMITTED
def test_after_adopt_a_requests_phase_is_keyds_and_one_it_has_none_for_opens_nothing(
    running_keyd, keyd_dir
):
    from corridor.intake.models import Request, Status

    hotline = StaffFactory(roles=[Role.HOTLINE_OPERATOR])
    verifier = StaffFactory(roles=[Role.VERIFIER])
    tickets = {staff.pk: keyd_log_in(staff) for staff in (hotline, verifier)}
    request = _hotline_request(hotline, tickets[hotline.pk])
    key = _kept(request.key_id)

    def forget_phase() -> None:
        """A request wrapped before keyd's ledger kept phases: its key's owner, no phase."""
        with sqlite3.connect(keyd_dir / LEDGER_FILE) as ledger:
            ledger.execute("DELETE FROM screening WHERE request_id = ?", (str(request.pk),))

    def verifier_opens() -> bool:
        return _unwraps(key, verifier, tickets[verifier.pk], str(request.pk))

    forget_phase()
    # Declined before the upgrade; the data database's policy decides, so a forged
    # status opens it again: the gap adopt closes.
    Request.objects.filter(pk=request.pk).update(status=Status.DECLINED)
    assert not verifier_opens()
    Request.objects.filter(pk=request.pk).update(status=Status.IN_VERIFICATION)  # forged
    assert verifier_opens()

    # The operator adopts, from the data database as it truly is at the upgrade.
    Request.objects.filter(pk=request.pk).update(status=Status.DECLINED)
    call_command("factors", "adopt", stdout=StringIO())
    Request.objects.filter(pk=request.pk).update(status=Status.IN_VERIFICATION)  # forged
    assert not verifier_opens()

    # A request keyd still has no phase for after adopt (one it never saw): nobody's,
    # whatever its row says.
    forget_phase()
    assert not verifier_opens()
    # Telling keyd of the phase takes a verifier's ticket, as any first phase does.
    with pytest.raises(UnwrapRefused):
        vault_ledger.record_screening(request_id=str(request.pk), phase="screening")
    with acting_with(tickets[verifier.pk]):
        vault_ledger.record_screening(request_id=str(request.pk), phase="screening")
    assert verifier_opens()
    # Each move of a request is a line in keyd's log naming the request (refused or not)
    # and whose ticket came with it (none: the web alone).
    moves = [
        (line["outcome"].split(":")[0], line["case"], line["principal"])
        for line in map(json.loads, running_keyd.config.log.read_text().splitlines())
        if line["op"] == "ledger_screening"
    ]
    assert moves[-2:] == [
        ("refused", str(request.pk), ""),
        ("ok", str(request.pk), verifier.actor_id),
    ]
