"""Passkeys verified by keyd, and a first factor only with keyd's own enrolment code.

Through a keyd running in this process, spoken to over its socket as the web's uid.
The attacks: a credential written into the data database (the web's own copy of the
passkeys), an assertion replayed to keyd, and a first enrolment asked for by the web
alone for an account it wrote or one keyd knows but whose code it never saw.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from corridor.accounts.keyd_login import TICKET
from corridor.accounts.roles import Role
from corridor.accounts.webauthn import credential_name
from corridor.vault import ledger as vault_ledger
from corridor.vault.keyd.worker_tasks import SCREEN_REQUEST
from corridor.vault.ledger import TicketRefused, acting_with, as_operator, working_on
from tests.accounts.soft_authenticator import SoftAuthenticator
from tests.factories import TEST_PASSWORD, StaffFactory, open_case_for
from tests.keyd.test_sealed_pages import COMMITTED, unseal
from tests.ledger_helpers import code_for, keyd_log_in

pytestmark = pytest.mark.urls("tests.keyd.urls")


@pytest.fixture
def keyd_ready(daemon, shares):
    from corridor.vault.longlived import initialise_keys

    unseal(shares)
    initialise_keys()
    return daemon


def passkey_in_keyd(staff, ticket: str) -> SoftAuthenticator:
    """A security key registered as the web does: the credential row, and its public key
    given to keyd with the person's own ticket."""
    key = SoftAuthenticator(origin=settings.CORRIDOR_PUBLIC_ORIGIN)
    credential = key.register(staff)
    with acting_with(ticket):
        vault_ledger.add_passkey(
            staff.pk,
            credential_id=credential_name(credential),
            public_key=key.cose_public_key(),
            sign_count=0,
            rp_id="localhost",
            origin=settings.CORRIDOR_PUBLIC_ORIGIN,
        )
    return key


def passkey_step(client: Client, staff, key: SoftAuthenticator, *, password: bool = True):
    """Password (if asked), then the key's answer to the challenge the login page got."""
    if password:
        client.post("/", {"username": staff.username, "password": TEST_PASSWORD})
    options = client.post("/login/webauthn/options/", content_type="application/json")
    assert options.status_code == 200
    assertion = key.assertion(str(options.json()["challenge"]), user_verified=not password)
    response = client.post(
        "/login/webauthn/complete/", json.dumps(assertion), content_type="application/json"
    )
    return response, assertion


@COMMITTED
def test_a_passkey_login_gets_keyds_ticket_and_a_forged_or_replayed_one_gets_none(
    keyd_ready, coordinator, caseworker
):
    with as_operator():
        case = open_case_for(coordinator, caseworker)
    key = passkey_in_keyd(caseworker, keyd_log_in(caseworker))

    # A credential written into the data database only (the web's copy): the web's own
    # check passes, keyd does not know the key, so no session and no ticket.
    forged = SoftAuthenticator(origin=settings.CORRIDOR_PUBLIC_ORIGIN)
    forged.register(caseworker)
    client = Client()
    response, _ = passkey_step(client, caseworker, forged)
    assert response.status_code == 400
    assert TICKET not in client.session
    assert "_auth_user_id" not in client.session

    # The real key: keyd checks the assertion and its ticket opens the assigned case.
    client = Client()
    response, assertion = passkey_step(client, caseworker, key)
    assert response.status_code == 200, response.content[:300]
    assert client.session[TICKET]
    opened = client.get(f"/test/cases/{case.pk}/")
    assert opened.status_code == 200
    assert case.ref.encode() in opened.content

    # The same assertion replayed straight to keyd (a compromised web keeping it): keyd
    # spent that challenge, so no second ticket.
    with pytest.raises(TicketRefused) as replayed:
        vault_ledger.log_in_with_passkey(assertion, staff_id=caseworker.pk)
    assert replayed.value.reason == "passkey"

    # A passkey on its own, with user verification: also keyd's ticket.
    alone = Client()
    response, _ = passkey_step(alone, caseworker, key, password=False)
    assert response.status_code == 200, response.content[:300]
    assert alone.session[TICKET] != client.session[TICKET]
    assert alone.get(f"/test/cases/{case.pk}/").status_code == 200


@COMMITTED
def test_the_web_alone_cannot_enrol_a_first_factor_or_mint_a_ticket(keyd_ready):
    # A staff row the web wrote: keyd knows nobody by it.
    forged = StaffFactory(roles=[Role.COORDINATOR])
    with pytest.raises(TicketRefused) as refused:
        vault_ledger.begin_enrolment(forged.pk)
    assert refused.value.reason == "not_enrolled"

    # An account keyd knows, made by an administrator with their ticket: the code keyd
    # answered went to the administrator's page. Without it the web enrols nothing.
    admin = StaffFactory(roles=[Role.ADMIN])
    with as_operator():
        vault_ledger.record_new_account(staff_id=admin.pk, roles=["admin"])
    admin_ticket = keyd_log_in(admin)
    newcomer = StaffFactory()
    with acting_with(admin_ticket):
        code = vault_ledger.record_new_account(staff_id=newcomer.pk, roles=[])
    assert code
    for guess in (None, "AAAA-BBBB-CCCC-DDDD"):
        with pytest.raises(TicketRefused) as refused:
            vault_ledger.begin_enrolment(newcomer.pk, enrolment_token=guess)
        assert refused.value.reason == "enrolment"
        with pytest.raises(TicketRefused):
            vault_ledger.add_passkey(
                newcomer.pk,
                credential_id="Zm9yZ2Vk",
                public_key=SoftAuthenticator().cose_public_key(),
                sign_count=0,
                rp_id="localhost",
                origin=settings.CORRIDOR_PUBLIC_ORIGIN,
                enrolment_token=guess,
            )
    with pytest.raises(TicketRefused):
        vault_ledger.log_in(newcomer.pk, "123456")
    # Another person's code does not fit.
    with pytest.raises(TicketRefused):
        vault_ledger.begin_enrolment(forged.pk, enrolment_token=code)

    # With the code: the factor, then a ticket; the code is spent.
    secret = vault_ledger.begin_enrolment(newcomer.pk, enrolment_token=code)
    assert vault_ledger.confirm_enrolment(newcomer.pk, code_for(secret), enrolment_token=code)
    with pytest.raises(TicketRefused):
        vault_ledger.begin_enrolment(newcomer.pk, enrolment_token=code, restart=True)

    # A reset by the operator answers a new code; the old one stays spent.
    with as_operator():
        again = vault_ledger.remove_factor(newcomer.pk)
    assert again
    assert again != code
    with pytest.raises(TicketRefused):
        vault_ledger.begin_enrolment(newcomer.pk, enrolment_token=code)
    assert vault_ledger.begin_enrolment(newcomer.pk, enrolment_token=again)


def _opens(staff, ticket: str, request) -> bool:
    from corridor.vault.errors import UnwrapRefused
    from corridor.vault.keys import data_key

    with acting_with(ticket):
        try:
            data_key(request.key_id, for_actor=staff.actor_id, case_id=str(request.pk))
        except UnwrapRefused:
            return False
    return True


@COMMITTED
def test_who_reads_a_request_in_screening_is_keyds_ledger_not_the_data_database(
    keyd_ready, coordinator, caseworker
):
    """The attacks: a caseworker made a verifier in the data database, a declined request's
    status set back to screening, a request's row pointed at the caseworker's case, and
    the web moving the request back or naming a case without a verifier's ticket."""
    from django.contrib.auth.models import Group

    from corridor.intake.models import Request, Status
    from corridor.intake.services.hotline import record_hotline_request
    from corridor.vault.errors import UnwrapRefused
    from tests.intake.screening.test_hotline import CALL

    hotline = StaffFactory(roles=[Role.HOTLINE_OPERATOR])
    verifier = StaffFactory(roles=[Role.VERIFIER])
    tickets = {staff.pk: keyd_log_in(staff) for staff in (hotline, verifier, caseworker)}
    with acting_with(tickets[hotline.pk]):
        request = record_hotline_request(
            actor=hotline, answers=CALL, escalate=False, conflict=False
        )

    def opens(staff) -> bool:
        return _opens(staff, tickets[staff.pk], request)

    assert (opens(verifier), opens(hotline), opens(caseworker)) == (True, True, False)
    caseworker.groups.add(Group.objects.get(name=Role.VERIFIER.value))  # forged role
    assert not opens(caseworker)

    # Screened (the worker's screening task, no ticket: it only takes access away), then
    # declined.
    with working_on(SCREEN_REQUEST):
        vault_ledger.record_screening(request_id=str(request.pk), phase="screening")
    assert (opens(verifier), opens(hotline)) == (True, False)
    with acting_with(tickets[verifier.pk]):
        vault_ledger.record_screening(request_id=str(request.pk), phase="closed")
    assert not opens(verifier)
    Request.objects.filter(pk=request.pk).update(status=Status.IN_VERIFICATION)  # forged
    assert not opens(verifier)
    with as_operator():
        case = open_case_for(coordinator, caseworker)
    Request.objects.filter(pk=request.pk).update(case=case, status=Status.ACCEPTED)  # forged
    assert not opens(caseworker)

    # The web alone, or a caseworker's ticket, moves nothing back and names no case.
    with pytest.raises(UnwrapRefused):
        vault_ledger.record_screening(request_id=str(request.pk), phase="screening")
    with acting_with(tickets[caseworker.pk]), pytest.raises(UnwrapRefused):
        vault_ledger.record_screening(
            request_id=str(request.pk), phase="closed", case_id=str(case.pk)
        )
    assert not opens(caseworker)
    # A verifier accepting it into the case: the case team reads it, by keyd's ledger.
    with acting_with(tickets[verifier.pk]):
        vault_ledger.record_screening(
            request_id=str(request.pk), phase="closed", case_id=str(case.pk)
        )
    assert opens(caseworker)
