"""keyd's ledger and tickets, run in-process by the file provider (the same code keyd runs).

Each attack writes into the data database what a compromised web process could write
(a staff row, an assignment, a reveal, a surge, a draft, a watchlist entry) and asks
for the key: the
ledger, not the data database, decides, so each gets nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from corridor.accounts.access import access_draft_by_form
from corridor.accounts.drafts import stash_draft
from corridor.accounts.models import Draft, Staff, Surge
from corridor.accounts.roles import Role
from corridor.cases.models import Case, CaseAssignment, CaseReveal
from corridor.cases.services.assignment import assign_case, record_reveal, unassign_case
from corridor.core import clock
from corridor.intake.models import Request, Status, WatchEntry
from corridor.intake.services.hotline import record_hotline_request
from corridor.intake.services.watchlist import add_watch_entry
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import UnwrapRefused
from corridor.vault.keys import data_key
from corridor.vault.ledger import TicketRefused, acting_with, as_operator
from tests.factories import StaffFactory, open_case_for
from tests.intake.screening.test_hotline import CALL
from tests.ledger_helpers import admit, code_for
from tests.ledger_helpers import keyd_log_in as log_in
from tests.plugins.cases import CASE_DB

pytestmark = CASE_DB


@pytest.fixture
def enforced(settings, vault_keys):
    settings.CORRIDOR_KEY_LEDGER_ENFORCED = True


@pytest.fixture
def team(enforced, coordinator, caseworker):
    """A coordinator and a caseworker who logged in through keyd, and their tickets."""
    return {"coordinator": log_in(coordinator), "caseworker": log_in(caseworker)}


def open_as(coordinator: Staff, caseworker: Staff, ticket: str, *, assign: bool = True) -> Case:
    with acting_with(ticket):
        return open_case_for(coordinator, caseworker, assign=assign)


def key_for(staff: Staff, case: Case, ticket: str | None):
    with acting_with(ticket):
        return data_key(case.key_id, for_actor=staff.actor_id, case_id=str(case.pk))


def test_a_caseworkers_ticket_opens_only_their_assigned_cases(team, coordinator, caseworker):
    mine = open_as(coordinator, caseworker, team["coordinator"])
    theirs = open_as(coordinator, caseworker, team["coordinator"], assign=False)
    assert key_for(caseworker, mine, team["caseworker"]).key_id == mine.key_id
    with pytest.raises(UnwrapRefused) as refused:
        key_for(caseworker, theirs, team["caseworker"])
    assert refused.value.reason == "not_allowed"


def test_a_staff_principal_without_a_ticket_gets_nothing(team, coordinator, caseworker):
    case = open_as(coordinator, caseworker, team["coordinator"])
    with pytest.raises(TicketRefused):
        key_for(caseworker, case, None)
    with pytest.raises(TicketRefused):
        key_for(caseworker, case, "made-up-ticket")
    # Someone else's ticket is not this person's.
    with pytest.raises(TicketRefused):
        key_for(caseworker, case, team["coordinator"])


def test_a_ticket_ends_at_logout_and_after_eight_hours(team, coordinator, caseworker, time_machine):
    case = open_as(coordinator, caseworker, team["coordinator"])
    other = log_in(StaffFactory(roles=[Role.CASEWORKER]))
    vault_ledger.end_ticket(team["caseworker"])
    with pytest.raises(TicketRefused):
        key_for(caseworker, case, team["caseworker"])
    assert other  # another person's login is untouched
    time_machine.move_to(clock.now() + timedelta(hours=8, seconds=1))
    with pytest.raises(TicketRefused):
        key_for(coordinator, case, team["coordinator"])


def test_a_forged_assignment_row_gives_nothing(team, coordinator, caseworker):
    case = open_as(coordinator, caseworker, team["coordinator"], assign=False)
    outsider = StaffFactory(roles=[Role.CASEWORKER])
    ticket = log_in(outsider)
    CaseAssignment.objects.create(case=case, staff=outsider, lead=False)
    with pytest.raises(UnwrapRefused) as refused:
        key_for(outsider, case, ticket)
    assert refused.value.reason == "not_allowed"


def test_a_forged_staff_row_gives_nothing(team, coordinator, caseworker):
    """A staff row (and its assignment) written into the data database is nobody to keyd:
    it cannot enrol a factor, so it never gets a ticket."""
    case = open_as(coordinator, caseworker, team["coordinator"])
    forged = StaffFactory(roles=[Role.COORDINATOR])
    CaseAssignment.objects.create(case=case, staff=forged, lead=False)
    with pytest.raises(TicketRefused) as refused:
        vault_ledger.begin_enrolment(forged.pk)
    assert refused.value.reason == "not_enrolled"
    with pytest.raises(TicketRefused):
        vault_ledger.log_in(forged.pk, "123456")
    with pytest.raises(TicketRefused):
        key_for(forged, case, None)
    # Nor can a logged-in caseworker assign the forged account (or anyone) to a case.
    with acting_with(team["caseworker"]), pytest.raises(TicketRefused):
        vault_ledger.record_assignment(case_id=str(case.pk), staff_id=forged.pk, assigned=True)


def test_a_forged_reveal_record_gives_nothing_and_a_real_one_does(
    team, coordinator, caseworker, time_machine
):
    case = open_as(coordinator, caseworker, team["coordinator"], assign=False)
    other = StaffFactory(roles=[Role.COORDINATOR])
    ticket = log_in(other)
    CaseReveal.objects.create(case=case, staff=other, reason="emergency")
    with pytest.raises(UnwrapRefused):
        key_for(other, case, ticket)
    with acting_with(ticket):
        record_reveal(actor=other, case=case, reason="emergency")
    assert key_for(other, case, ticket).key_id == case.key_id
    time_machine.move_to(clock.now() + timedelta(minutes=10, seconds=2))
    with pytest.raises(UnwrapRefused):
        key_for(other, case, ticket)


def test_a_caseworker_cannot_record_a_reveal(team, coordinator, caseworker):
    case = open_as(coordinator, caseworker, team["coordinator"], assign=False)
    with acting_with(team["caseworker"]), pytest.raises(TicketRefused):
        vault_ledger.record_reveal(case_id=str(case.pk), staff_id=caseworker.pk)


def test_a_forged_surge_gives_no_key(team, coordinator, caseworker):
    """A surge raises how many keys a person may have, never which: an unassigned case
    stays shut for someone listed in a surge written into the data database."""
    case = open_as(coordinator, caseworker, team["coordinator"], assign=False)
    now = clock.now()
    surge = Surge.objects.create(
        name="night-0512", opened_by=coordinator, opened_at=now, ends_at=now + timedelta(hours=6)
    )
    surge.members.set([caseworker])
    with pytest.raises(UnwrapRefused):
        key_for(caseworker, case, team["caseworker"])


def test_a_forged_draft_naming_a_cases_key_gives_nothing(team, coordinator, caseworker):
    """The attack: a Draft row naming a case's key_id once got the case key."""
    case = open_as(coordinator, caseworker, team["coordinator"], assign=False)
    Draft.objects.create(staff=caseworker, form_path="/notes/", key_id=case.key_id)
    with acting_with(team["caseworker"]), pytest.raises(UnwrapRefused) as refused:
        data_key(case.key_id, for_actor=caseworker.actor_id, case_id=None)
    assert refused.value.reason == "not_allowed"


def test_a_person_opens_their_own_draft_and_nobody_elses(team, caseworker, coordinator):
    with acting_with(team["caseworker"]):
        draft = stash_draft(staff=caseworker, form_path="/notes/", fields={"body": "words"})
        assert access_draft_by_form(caseworker, "/notes/") == {"body": "words"}
    assert draft is not None
    with acting_with(team["coordinator"]), pytest.raises(UnwrapRefused):
        data_key(draft.key_id, for_actor=coordinator.actor_id, case_id=None)
    # A draft's key is never a case's, whatever case the request names.
    with acting_with(team["caseworker"]), pytest.raises(UnwrapRefused):
        data_key(draft.key_id, for_actor=caseworker.actor_id, case_id=str(draft.pk))


def test_an_ended_assignment_and_a_revoked_role_no_longer_open(team, coordinator, caseworker):
    case = open_as(coordinator, caseworker, team["coordinator"])
    assert key_for(caseworker, case, team["caseworker"])
    with acting_with(team["coordinator"]):
        unassign_case(actor=coordinator, case=case, staff=caseworker)
    with pytest.raises(UnwrapRefused):
        key_for(caseworker, case, team["caseworker"])


def test_a_new_lead_replaces_the_former_one_in_the_ledger(team, coordinator, caseworker):
    case = open_as(coordinator, caseworker, team["coordinator"])
    successor = StaffFactory(roles=[Role.CASEWORKER])
    ticket = log_in(successor)
    with acting_with(team["coordinator"]):
        assign_case(actor=coordinator, case=case, staff=successor)
    assert key_for(successor, case, ticket)
    with pytest.raises(UnwrapRefused):
        key_for(caseworker, case, team["caseworker"])


def test_a_wrong_or_replayed_code_gets_no_ticket(enforced, caseworker, time_machine):
    time_machine.move_to("2026-05-01 12:00:10Z", tick=False)
    secret = admit(caseworker)
    with pytest.raises(TicketRefused) as refused:
        vault_ledger.log_in(caseworker.pk, "000000" if code_for(secret) != "000000" else "111111")
    assert refused.value.reason == "code"
    code = code_for(secret)
    assert vault_ledger.log_in(caseworker.pk, code)
    with pytest.raises(TicketRefused):
        vault_ledger.log_in(caseworker.pk, code)


def test_a_key_cannot_be_claimed_for_another_object(enforced, vault_keys):
    """A case key's owner is written once: a wrap naming the same key id for a draft fails."""
    from corridor.vault.errors import InputRejected
    from corridor.vault.keys import create_data_key
    from corridor.vault.providers import key_provider

    key = create_data_key(owner=vault_ledger.KeyOwner(kind="case", object_id="c1"))
    with pytest.raises(InputRejected):
        key_provider().wrap(
            key_id=key.key_id,
            purpose="data",
            key=b"\x00" * 32,
            owner=vault_ledger.KeyOwner(kind="draft", object_id="d1", staff_id=1),
        )


def test_adopt_moves_an_installation_from_before_the_ledger(enforced, coordinator, caseworker):
    """`corridor factors adopt` (the operator, once, at the upgrade) records the accounts,
    assignments and case keys that exist. Until then a key keyd's ledger does not know is
    decided by the data database, forged rows included; after it, by the ledger."""
    from django.core.management import call_command

    from corridor.vault.keyd.ledger import LEDGER_FILE
    from corridor.vault.providers import key_provider

    with as_operator():
        case = open_case_for(coordinator, caseworker)
    provider = key_provider()
    # The installation as it was before keyd kept a ledger.
    (provider.path.parent / LEDGER_FILE).unlink()
    provider._gatekeeper = None
    outsider = StaffFactory(roles=[Role.CASEWORKER])
    CaseAssignment.objects.create(case=case, staff=outsider, lead=False)
    tickets = {}
    for number, person in enumerate((caseworker, outsider), start=1):
        with as_operator():
            vault_ledger.enrol_known_secret(person.pk, bytes([number]) * 20)
        tickets[person.pk] = vault_ledger.log_in(person.pk, code_for(bytes([number]) * 20))
    assert key_for(outsider, case, tickets[outsider.pk])  # the gap adopt closes
    CaseAssignment.objects.filter(staff=outsider).delete()
    # The coordinator's authenticator app from before keyd: adopt moves its secret into
    # keyd, so the same app logs in; an account with no app gets an enrolment code.
    from io import StringIO

    from tests.accounts.helpers import current_code
    from tests.factories import totp_device

    device = totp_device(coordinator)
    without_app = StaffFactory(roles=[Role.VERIFIER])
    out = StringIO()
    call_command("factors", "adopt", stdout=out)
    assert f"{without_app.pk} {without_app.username}: enrolment code" in out.getvalue()
    assert vault_ledger.log_in(coordinator.pk, current_code(device))
    CaseAssignment.objects.create(case=case, staff=outsider, lead=False)
    assert key_for(caseworker, case, tickets[caseworker.pk]).key_id == case.key_id
    with pytest.raises(UnwrapRefused):
        key_for(outsider, case, tickets[outsider.pk])


def test_logging_out_everywhere_ends_every_ticket_in_keyd(team, coordinator, caseworker):
    from corridor.accounts.sessions import end_all_sessions

    case = open_as(coordinator, caseworker, team["coordinator"])
    with acting_with(team["caseworker"]):
        end_all_sessions(staff=caseworker)
    with pytest.raises(TicketRefused):
        key_for(caseworker, case, team["caseworker"])
    # Another person's login is untouched (the coordinator opened the case: a reveal-free
    # check that their ticket still lives).
    assert vault_ledger.enrolled(coordinator.pk)
    with acting_with(team["coordinator"]):
        vault_ledger.record_assignment(case_id=str(case.pk), staff_id=coordinator.pk, assigned=True)
    assert key_for(coordinator, case, team["coordinator"]).key_id == case.key_id


def test_a_factor_reset_needs_a_coordinators_ticket_and_ends_the_old_app(
    team, coordinator, caseworker
):
    # Someone with no data role: one coordinator's ticket (a data role's holder takes two:
    # tests/vault/test_ledger_gated.py).
    other = StaffFactory(roles=[])
    secret = admit(other)
    with acting_with(team["caseworker"]), pytest.raises(TicketRefused):
        vault_ledger.remove_factor(other.pk)
    with acting_with(team["coordinator"]):
        vault_ledger.remove_factor(other.pk)
    with pytest.raises(TicketRefused) as refused:
        vault_ledger.log_in(other.pk, code_for(secret))
    assert refused.value.reason == "not_enrolled"


def test_only_the_first_account_of_an_empty_ledger_needs_no_ticket(enforced):
    """`corridor setup` runs as the web's user: keyd takes its first administrator; every
    later account but the first coordinators (below) needs an administrator's ticket."""
    first, second = StaffFactory(roles=[Role.ADMIN]), StaffFactory(roles=[Role.ADMIN])
    vault_ledger.record_new_account(staff_id=first.pk, roles=["admin"])
    with pytest.raises(TicketRefused):
        vault_ledger.record_new_account(staff_id=second.pk, roles=["admin"])
    with acting_with(log_in(first)), pytest.raises(TicketRefused):
        # An administrator adds accounts without roles; roles come one by one.
        vault_ledger.record_new_account(staff_id=second.pk, roles=["admin"])


def test_setup_makes_the_first_administrator_and_coordinators_then_only_tickets_add_accounts(
    enforced,
):
    """`corridor setup` runs as the web's user with no ticket: keyd takes the administrator
    of an empty ledger and then the first two coordinators, and nobody more; before the
    fix the second account (coordinator-1) was refused and setup failed with keyd."""
    admin, first, second, third = StaffFactory.create_batch(4)
    vault_ledger.record_new_account(staff_id=admin.pk, roles=["admin"])
    vault_ledger.record_new_account(staff_id=first.pk, roles=["coordinator"])
    vault_ledger.record_new_account(staff_id=second.pk, roles=["coordinator"])
    with pytest.raises(TicketRefused):
        vault_ledger.record_new_account(staff_id=third.pk, roles=["coordinator"])


def test_once_anyone_enrols_no_account_is_added_without_an_administrators_ticket(enforced):
    admin, coordinator, caseworker = StaffFactory.create_batch(3)
    code = vault_ledger.record_new_account(staff_id=admin.pk, roles=["admin"])
    with pytest.raises(TicketRefused):
        vault_ledger.record_new_account(staff_id=caseworker.pk, roles=["caseworker"])
    vault_ledger.begin_enrolment(admin.pk, enrolment_token=code)
    with pytest.raises(TicketRefused):
        vault_ledger.record_new_account(staff_id=coordinator.pk, roles=["coordinator"])
    with acting_with(log_in(admin)):
        vault_ledger.record_new_account(staff_id=caseworker.pk, roles=[])


def test_watchlist_keys_are_the_ledgers_and_a_forged_watch_row_gives_nothing(
    team, coordinator, caseworker
):
    """A watchlist entry's key goes to coordinators by keyd's ledger, for that entry only.
    The attacks: make a caseworker a coordinator in the data database; write a watch
    entry naming a request's key (the watchlist rule once gave it to any coordinator)."""
    with acting_with(team["coordinator"]):
        entry = add_watch_entry(actor=coordinator, kind="official", details={"phone": "8900111"})
        assert data_key(entry.key_id, for_actor=coordinator.actor_id, case_id=str(entry.pk))
    caseworker.groups.add(Group.objects.get(name=Role.COORDINATOR.value))  # forged role
    with acting_with(team["caseworker"]), pytest.raises(UnwrapRefused) as refused:
        data_key(entry.key_id, for_actor=caseworker.actor_id, case_id=str(entry.pk))
    assert refused.value.reason == "not_allowed"
    operator = StaffFactory(roles=[Role.HOTLINE_OPERATOR])
    request = record_hotline_request(actor=operator, answers=CALL, escalate=False, conflict=False)
    Request.objects.filter(pk=request.pk).update(status=Status.ACCEPTED)  # out of screening
    forged = WatchEntry.objects.create(kind="official", added_by=coordinator)
    WatchEntry.objects.filter(pk=forged.pk).update(key_id=request.key_id)
    with acting_with(team["coordinator"]), pytest.raises(UnwrapRefused):
        data_key(request.key_id, for_actor=coordinator.actor_id, case_id=str(forged.pk))


def test_shelter_keys_are_coordinators_by_the_ledger_for_that_shelter_only(
    team, coordinator, caseworker
):
    """A shelter's key (its exact address and host) goes to coordinators by keyd's ledger,
    for that shelter only. The attacks: make a caseworker a coordinator in the data
    database; ask for the shelter's key naming a case the coordinator works on."""
    from corridor.shelters.models import Shelter
    from tests.factories import shelter_for

    with acting_with(team["coordinator"]):
        shelter = shelter_for(coordinator, "SH-90")
        assert data_key(shelter.key_id, for_actor=coordinator.actor_id, case_id=str(shelter.pk))
        case = open_as(coordinator, caseworker, team["coordinator"])
        with pytest.raises(UnwrapRefused):
            data_key(shelter.key_id, for_actor=coordinator.actor_id, case_id=str(case.pk))
    caseworker.groups.add(Group.objects.get(name=Role.COORDINATOR.value))  # forged role
    with acting_with(team["caseworker"]), pytest.raises(UnwrapRefused) as refused:
        data_key(shelter.key_id, for_actor=caseworker.actor_id, case_id=str(shelter.pk))
    assert refused.value.reason == "not_allowed"
    assert Shelter.objects.filter(pk=shelter.pk).exists()
