"""Logging in through keyd: keyd checks the TOTP code and issues the ticket the session
keeps; staff enrolled before keyd held the factors re-enrol once and their old secret is
deleted from the data database. Run with the file provider's ledger on (keyd's code)."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from corridor.accounts import factors
from corridor.accounts.keyd_login import TICKET
from corridor.accounts.models import BackupCode
from corridor.accounts.roles import Role
from corridor.cases.services.assignment import assign_case
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import UnwrapRefused
from corridor.vault.keyd.tickets import decode_secret
from corridor.vault.keys import data_key
from corridor.vault.ledger import TicketRefused, acting_with, as_operator
from tests.accounts.helpers import current_code
from tests.factories import TEST_PASSWORD, open_case_for, staff_with, totp_device
from tests.ledger_helpers import admit, code_for
from tests.ledger_helpers import keyd_log_in as log_in
from tests.plugins.cases import CASE_DB

pytestmark = CASE_DB
SECRET_SHOWN = re.compile(r'<code class="mono">([A-Z2-7]+)</code>')


@pytest.fixture
def enforced(settings, vault_keys):
    settings.CORRIDOR_KEY_LEDGER_ENFORCED = True


def password_step(client, staff) -> str:
    response = client.post("/", {"username": staff.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return str(response["Location"])


def enter_enrolment_code(client, code) -> None:
    """The first page of a first enrolment: the code keyd made with the account."""
    assert code
    response = client.post("/login/enrol/", {"enrolment_code": code})
    assert response.status_code == 302, response.content[:300]


def test_the_login_code_goes_to_keyd_and_its_ticket_opens_the_assigned_case_only(
    client, enforced, caseworker, coordinator
):
    secret = admit(caseworker)
    coordinator_ticket = log_in(coordinator)
    with acting_with(coordinator_ticket):
        mine = open_case_for(coordinator, caseworker)
        theirs = open_case_for(coordinator, caseworker, assign=False)
    assert password_step(client, caseworker) == "/login/verify/"
    assert client.post("/login/verify/", {"code": "000000"}).status_code == 401
    response = client.post("/login/verify/", {"code": code_for(secret)})
    assert response.status_code == 302
    ticket = client.session[TICKET]
    with acting_with(ticket):
        assert data_key(mine.key_id, for_actor=caseworker.actor_id, case_id=str(mine.pk))
        with pytest.raises(UnwrapRefused):
            data_key(theirs.key_id, for_actor=caseworker.actor_id, case_id=str(theirs.pk))
    # Logging out ends the ticket in keyd, not only the session.
    client.post("/logout/")
    with acting_with(ticket), pytest.raises(TicketRefused):
        data_key(mine.key_id, for_actor=caseworker.actor_id, case_id=str(mine.pk))


def test_staff_enrolled_before_keyd_re_enrol_once_and_the_old_secret_is_deleted(
    client, enforced, caseworker, coordinator, time_machine
):
    time_machine.move_to("2026-05-01 12:00:05Z", tick=False)
    with as_operator():
        code = vault_ledger.record_new_account(staff_id=caseworker.pk, roles=["caseworker"])
    old = totp_device(caseworker)
    assert password_step(client, caseworker) == "/login/verify/"
    response = client.post("/login/verify/", {"code": current_code(old)})
    assert response.status_code == 302
    assert response["Location"] == "/login/enrol/"
    assert "_auth_user_id" not in client.session
    enter_enrolment_code(client, code)
    page = client.get("/login/enrol/")
    shown = SECRET_SHOWN.search(page.content.decode())
    assert shown, page.content[:500]
    time_machine.shift(30)
    response = client.post("/login/enrol/", {"code": code_for(decode_secret(shown.group(1)))})
    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == caseworker.pk
    assert not TOTPDevice.objects.filter(user=caseworker).exists()
    assert vault_ledger.enrolled(caseworker.pk)
    # The new ticket is keyd's, bound to this person.
    coordinator_ticket = log_in(coordinator)
    with acting_with(coordinator_ticket):
        case = open_case_for(coordinator, staff_with(Role.CASEWORKER), assign=False)
        assign_case(actor=coordinator, case=case, staff=caseworker, lead=False)
    with acting_with(client.session[TICKET]):
        assert data_key(case.key_id, for_actor=caseworker.actor_id, case_id=str(case.pk))


def test_an_account_keyd_does_not_know_cannot_enrol(client, enforced):
    """A staff row written into the data database is nobody to keyd: no factor, no login."""
    forged = staff_with(Role.COORDINATOR)
    assert password_step(client, forged) == "/login/enrol/"
    enter_enrolment_code(client, "AAAA-BBBB-CCCC-DDDD")  # any code: keyd knows nobody
    page = client.get("/login/enrol/")
    assert page.status_code == 401
    assert b"cannot set up a second factor yet" in page.content
    assert "_auth_user_id" not in client.session


def test_a_wrong_enrolment_code_says_so_and_keeps_the_qr_code_until_cancelled(
    client, enforced, caseworker, time_machine
):
    """The secret stays the same until enrolment succeeds or is
    cancelled, so a wrong code (or a reload) never invalidates the QR code just scanned."""
    time_machine.move_to("2026-05-01 12:00:05Z", tick=False)
    with as_operator():
        code = vault_ledger.record_new_account(staff_id=caseworker.pk, roles=["caseworker"])
    assert password_step(client, caseworker) == "/login/enrol/"
    enter_enrolment_code(client, code)
    first = SECRET_SHOWN.search(client.get("/login/enrol/").content.decode())
    assert first
    assert SECRET_SHOWN.search(client.get("/login/enrol/").content.decode()).group(1) == (
        first.group(1)
    )
    wrong = client.post("/login/enrol/", {"code": "000000"})
    assert wrong.status_code == 401
    assert b"That code is not right" in wrong.content
    assert SECRET_SHOWN.search(wrong.content.decode()).group(1) == first.group(1)
    # Cancelled: back to the password, and the next enrolment shows a new secret.
    cancelled = client.post("/login/enrol/", {"cancel": "1"})
    assert cancelled.status_code == 401
    assert b"Setting up was cancelled" in cancelled.content
    assert password_step(client, caseworker) == "/login/enrol/"
    enter_enrolment_code(client, code)
    again = SECRET_SHOWN.search(client.get("/login/enrol/").content.decode())
    assert again
    assert again.group(1) != first.group(1)
    time_machine.shift(30)
    response = client.post("/login/enrol/", {"code": code_for(decode_secret(again.group(1)))})
    assert response.status_code == 200
    assert vault_ledger.enrolled(caseworker.pk)


CODE_SHOWN = re.compile(r"\b([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})\b")


def test_backup_codes_are_keyds_and_a_forged_one_in_the_data_database_gives_nothing(
    client, enforced, caseworker, coordinator, time_machine
):
    """keyd makes the backup codes at enrolment and spends them at login, answering with
    the person's ticket; a code row written into the data database opens nothing."""
    time_machine.move_to("2026-05-01 12:00:05Z", tick=False)
    with as_operator():
        code = vault_ledger.record_new_account(staff_id=caseworker.pk, roles=["caseworker"])
    assert password_step(client, caseworker) == "/login/enrol/"
    enter_enrolment_code(client, code)
    shown = SECRET_SHOWN.search(client.get("/login/enrol/").content.decode())
    time_machine.shift(30)
    page = client.post("/login/enrol/", {"code": code_for(decode_secret(shown.group(1)))})
    codes = CODE_SHOWN.findall(page.content.decode())
    assert len(codes) == 10
    assert not BackupCode.objects.filter(staff=caseworker).exists()
    with acting_with(log_in(coordinator)):
        case = open_case_for(coordinator, caseworker)
    client.post("/logout/")
    # A code the web wrote itself (the data database's kind) is nothing to keyd.
    forged = factors.replace_backup_codes(staff=caseworker)[0]
    password_step(client, caseworker)
    assert client.post("/login/verify/", {"backup_code": forged}).status_code == 401
    assert client.post("/login/verify/", {"backup_code": codes[0]}).status_code == 302
    with acting_with(client.session[TICKET]):
        assert data_key(case.key_id, for_actor=caseworker.actor_id, case_id=str(case.pk))
    client.post("/logout/")
    password_step(client, caseworker)
    assert client.post("/login/verify/", {"backup_code": codes[0]}).status_code == 401  # spent
    assert vault_ledger.backup_codes_left(caseworker.pk) == 9
