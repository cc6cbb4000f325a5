"""Two people's tickets for gated changes in keyd's ledger, and switched-off accounts,
run in-process by the file provider (the same Gatekeeper keyd runs).

Each attack is what a compromised web process can do with the data database and one
logged-in person's ticket: mark an approval granted, or replay one, or approve its own
proposal. keyd's ledger, not the Approval row, decides.
"""

from __future__ import annotations

import pytest

from corridor.accounts import approvals
from corridor.accounts import services as accounts
from corridor.accounts.approvals import ApprovalProblem
from corridor.accounts.drafts import stash_draft
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.core import clock
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import UnwrapRefused
from corridor.vault.keyd.worker_tasks import RESTORE_CHECK, SCREEN_REQUEST
from corridor.vault.keys import data_key
from corridor.vault.ledger import TicketRefused, acting_with, working_on
from corridor.vault.providers import key_provider
from tests.factories import StaffFactory, open_case_for
from tests.ledger_helpers import admit, code_for
from tests.ledger_helpers import keyd_log_in as log_in
from tests.plugins.cases import CASE_DB

pytestmark = CASE_DB


@pytest.fixture
def people(settings, vault_keys):
    """An administrator, three coordinators and a newcomer keyd knows, all logged in."""
    settings.CORRIDOR_KEY_LEDGER_ENFORCED = True
    admin = StaffFactory(roles=[Role.ADMIN])
    first, second, third = (StaffFactory(roles=[Role.COORDINATOR]) for _ in range(3))
    newcomer = StaffFactory(roles=[])
    return {
        "admin": admin,
        "first": first,
        "second": second,
        "third": third,
        "newcomer": newcomer,
        "tickets": {person.pk: log_in(person) for person in (admin, first, second, third)},
        "newcomer_secret": admit(newcomer),
    }


def keyd_roles(staff: Staff) -> frozenset[str]:
    return key_provider().gatekeeper.ledger.roles(staff.pk)


def ask(people, kind: str, target: Staff, *, by: str = "admin", **payload) -> Approval:
    actor = people[by]
    with acting_with(people["tickets"][actor.pk]):
        return approvals.request_approval(
            actor=actor,
            kind=kind,
            target_type="staff",
            target_id=str(target.pk),
            payload=payload,
            reason="role_change",
        )


def grant(people, approval: Approval, *, by: str = "first") -> None:
    approver = people[by]
    with acting_with(people["tickets"][approver.pk]):
        approvals.grant_approval(actor=approver, approval_id=str(approval.pk))


def grant_caseworker(people, approval: Approval) -> None:
    with acting_with(people["tickets"][people["admin"].pk]):
        accounts.grant_role(
            actor=people["admin"],
            staff=people["newcomer"],
            role=Role.CASEWORKER,
            approval_id=str(approval.pk),
        )


def test_a_data_role_takes_the_askers_and_a_second_coordinators_tickets(people):
    newcomer = people["newcomer"]
    approval = ask(people, ApprovalKind.GRANT_DATA_ROLE, newcomer, role="caseworker")
    grant(people, approval)
    grant_caseworker(people, approval)
    assert "caseworker" in keyd_roles(newcomer)
    assert Role.CASEWORKER in roles_of(newcomer)
    # With the role in keyd's ledger a coordinator may now give them a case.
    case = open_case_for(people["first"], newcomer, assign=False)
    with acting_with(people["tickets"][people["first"].pk]):
        vault_ledger.record_assignment(case_id=str(case.pk), staff_id=newcomer.pk, assigned=True)


def test_an_administrators_ticket_alone_gives_no_data_role(people):
    newcomer = people["newcomer"]
    with acting_with(people["tickets"][people["admin"].pk]), pytest.raises(TicketRefused) as no:
        vault_ledger.record_role(staff_id=newcomer.pk, role="caseworker", granted=True)
    assert no.value.reason == "not_approved"
    # Nor the administrator role: one administrator does not make another.
    with acting_with(people["tickets"][people["admin"].pk]), pytest.raises(TicketRefused) as no:
        vault_ledger.record_role(staff_id=newcomer.pk, role="admin", granted=True)
    assert no.value.reason == "not_approved"
    assert keyd_roles(newcomer) == frozenset()


def test_the_administrator_role_takes_a_second_coordinators_approval(people):
    newcomer, admin = people["newcomer"], people["admin"]
    with acting_with(people["tickets"][admin.pk]), pytest.raises(ApprovalProblem):
        accounts.grant_role(actor=admin, staff=newcomer, role=Role.ADMIN)
    assert Role.ADMIN not in roles_of(newcomer)
    approval = ask(people, ApprovalKind.GRANT_DATA_ROLE, newcomer, role="admin")
    grant(people, approval)
    with acting_with(people["tickets"][admin.pk]):
        accounts.grant_role(
            actor=admin, staff=newcomer, role=Role.ADMIN, approval_id=str(approval.pk)
        )
    assert keyd_roles(newcomer) == {"admin"}
    assert Role.ADMIN in roles_of(newcomer)
    # Taking it away only takes power away: the administrator's ticket alone.
    with acting_with(people["tickets"][admin.pk]):
        accounts.revoke_role(actor=admin, staff=newcomer, role=Role.ADMIN)
    assert keyd_roles(newcomer) == frozenset()


def test_a_forged_granted_approval_row_gives_nothing(people):
    """The web writes the Approval rows: a GRANTED status it set itself, with a real
    coordinator named as the approver, is not that coordinator's ticket."""
    newcomer = people["newcomer"]
    approval = ask(people, ApprovalKind.GRANT_DATA_ROLE, newcomer, role="caseworker")
    Approval.objects.filter(pk=approval.pk).update(
        status=ApprovalStatus.GRANTED, decided_by=people["first"], decided_at=clock.now()
    )
    with pytest.raises(ApprovalProblem):
        grant_caseworker(people, approval)
    # A row made from nothing (keyd never saw it proposed) gives nothing either.
    now = clock.now()
    forged = Approval.objects.create(
        kind=ApprovalKind.GRANT_DATA_ROLE,
        requested_by=people["admin"],
        target_type="staff",
        target_id=str(newcomer.pk),
        payload={"role": "caseworker"},
        reason="role_change",
        created_at=now,
        expires_at=now + approvals.APPROVAL_LIFETIME,
        status=ApprovalStatus.GRANTED,
        decided_by=people["first"],
        decided_at=now,
    )
    with pytest.raises(ApprovalProblem):
        grant_caseworker(people, forged)
    assert "caseworker" not in keyd_roles(newcomer)
    assert Role.CASEWORKER not in roles_of(newcomer)  # the data database rolled back too


def test_the_approver_is_a_second_coordinator_who_is_not_the_subject(people):
    """A coordinator who asks cannot approve it too; an administrator's ticket approves
    nothing; nobody approves a change about themselves."""
    second = people["second"]
    proposal = ask(people, ApprovalKind.SET_ACTIVE, second, by="first", active=1)
    for holder in ("first", "admin", "second"):
        with acting_with(people["tickets"][people[holder].pk]), pytest.raises(UnwrapRefused):
            vault_ledger.approve_change(proposal=str(proposal.pk))
    with acting_with(people["tickets"][people["third"].pk]):
        vault_ledger.approve_change(proposal=str(proposal.pk))


def test_an_approval_is_carried_out_once_and_only_for_its_change(people):
    newcomer = people["newcomer"]
    approval = ask(people, ApprovalKind.GRANT_DATA_ROLE, newcomer, role="verifier")
    grant(people, approval)
    admin_ticket = people["tickets"][people["admin"].pk]
    with acting_with(admin_ticket), pytest.raises(TicketRefused):
        # Approved for "verifier", used for "coordinator": refused, and not used up.
        vault_ledger.record_role(
            staff_id=newcomer.pk, role="coordinator", granted=True, proposal=str(approval.pk)
        )
    with acting_with(admin_ticket):
        vault_ledger.record_role(
            staff_id=newcomer.pk, role="verifier", granted=True, proposal=str(approval.pk)
        )
    assert "verifier" in keyd_roles(newcomer)
    # Used up: neither a removal nor a replay (to grant again after one) takes it.
    for granted in (False, True):
        with acting_with(admin_ticket), pytest.raises(TicketRefused):
            vault_ledger.record_role(
                staff_id=newcomer.pk, role="verifier", granted=granted, proposal=str(approval.pk)
            )
    assert "verifier" in keyd_roles(newcomer)


def test_resetting_a_coordinators_factors_takes_two_tickets(people):
    """One coordinator's ticket resets a newcomer's factor; a coordinator's takes two."""
    second, first = people["second"], people["first"]
    with acting_with(people["tickets"][first.pk]), pytest.raises(TicketRefused):
        vault_ledger.remove_factor(second.pk)
    assert vault_ledger.enrolled(second.pk)
    approval = ask(people, ApprovalKind.RESET_FACTORS, second)
    grant(people, approval, by="third")
    with acting_with(people["tickets"][people["admin"].pk]):
        accounts.reset_factors(actor=people["admin"], staff=second, approval_id=str(approval.pk))
    assert not vault_ledger.enrolled(second.pk)
    with acting_with(people["tickets"][first.pk]):
        vault_ledger.remove_factor(people["newcomer"].pk)
    assert not vault_ledger.enrolled(people["newcomer"].pk)


def test_a_disabled_account_gets_no_ticket_and_no_key_until_two_people_switch_it_on(people):
    coordinator, caseworker = people["first"], StaffFactory(roles=[Role.CASEWORKER])
    secret = admit(caseworker)
    ticket = vault_ledger.log_in(caseworker.pk, code_for(secret))
    with acting_with(people["tickets"][coordinator.pk]):
        case = open_case_for(coordinator, caseworker)
    with acting_with(ticket):
        assert data_key(case.key_id, for_actor=caseworker.actor_id, case_id=str(case.pk))
    approval = ask(people, ApprovalKind.SET_ACTIVE, caseworker, active=0)
    grant(people, approval)
    with acting_with(people["tickets"][people["admin"].pk]):
        accounts.set_active(
            actor=people["admin"], staff=caseworker, active=False, approval_id=str(approval.pk)
        )
    with acting_with(ticket), pytest.raises(TicketRefused):
        data_key(case.key_id, for_actor=caseworker.actor_id, case_id=str(case.pk))
    with pytest.raises(TicketRefused) as refused:
        vault_ledger.log_in(caseworker.pk, code_for(secret, at=clock.now().timestamp() + 30))
    assert refused.value.reason == "inactive"
    # One administrator's ticket does not switch them back on in keyd.
    with acting_with(people["tickets"][people["admin"].pk]), pytest.raises(TicketRefused):
        vault_ledger.record_active(staff_id=caseworker.pk, active=True)
    approval = ask(people, ApprovalKind.SET_ACTIVE, caseworker, active=1)
    grant(people, approval)
    with acting_with(people["tickets"][people["admin"].pk]):
        accounts.set_active(
            actor=people["admin"], staff=caseworker, active=True, approval_id=str(approval.pk)
        )
    assert vault_ledger.log_in(caseworker.pk, code_for(secret, at=clock.now().timestamp() + 30))


def test_a_suspended_account_gets_no_key_at_once(people):
    coordinator, caseworker = people["first"], StaffFactory(roles=[Role.CASEWORKER])
    ticket = log_in(caseworker)
    with acting_with(people["tickets"][coordinator.pk]):
        case = open_case_for(coordinator, caseworker)
        accounts.suspend_staff(actor=coordinator, staff=caseworker)
    with acting_with(ticket), pytest.raises(TicketRefused):
        data_key(case.key_id, for_actor=caseworker.actor_id, case_id=str(case.pk))
    # Nor does keyd take the suspended person's word for anything.
    with acting_with(ticket), pytest.raises(TicketRefused):
        vault_ledger.end_all_tickets(coordinator.pk)


def test_the_worker_gets_no_draft_key_but_a_case_key(people):
    coordinator, caseworker = people["first"], StaffFactory(roles=[Role.CASEWORKER])
    admit(caseworker)
    with acting_with(people["tickets"][coordinator.pk]):
        draft = stash_draft(staff=coordinator, form_path="/notes/", fields={"body": "words"})
        case = open_case_for(coordinator, caseworker)
    assert draft is not None
    with working_on(RESTORE_CHECK), pytest.raises(UnwrapRefused) as refused:
        data_key(draft.key_id, for_actor="system:worker", case_id=None)
    assert refused.value.reason == "not_allowed"
    with working_on(RESTORE_CHECK):
        assert data_key(case.key_id, for_actor="system:worker", case_id=str(case.pk))


def test_the_worker_gets_only_the_kinds_its_task_needs(people):
    """Screening reads requests and watchlist entries, never a case: keyd refuses the
    screening task a case's key, and a task it has no policy for any key at all."""
    coordinator, caseworker = people["first"], StaffFactory(roles=[Role.CASEWORKER])
    admit(caseworker)
    with acting_with(people["tickets"][coordinator.pk]):
        case = open_case_for(coordinator, caseworker)
    with working_on(SCREEN_REQUEST), pytest.raises(UnwrapRefused) as refused:
        data_key(case.key_id, for_actor="system:worker", case_id=str(case.pk))
    assert refused.value.reason == "not_allowed"
    assert "intake.screen_request may not have a case key" in str(refused.value)
    with pytest.raises(UnwrapRefused):
        data_key(case.key_id, for_actor="system:worker", case_id=str(case.pk))  # no task
    with working_on("cases.invented_task"), pytest.raises(UnwrapRefused):
        data_key(case.key_id, for_actor="system:worker", case_id=str(case.pk))


def erased_in_keyd(case) -> bool:
    return bool(key_provider().gatekeeper.ledger.is_erased(str(case.pk)))


def test_erasing_a_case_in_keyd_takes_two_coordinators_tickets(people):
    """keyd never undoes an erasure, so one coordinator's ticket, a forged GRANTED approval
    row, a coordinator approving their own proposal, or an approval for another case makes
    keyd forget nothing; the proposal a second coordinator approved is carried out once."""
    from corridor.cases.services.erasure import (
        erase_granted_case,
        pending_erasure,
        request_case_erasure,
    )
    from corridor.core.exceptions import InvalidInput

    first, second, caseworker = (
        people["first"],
        people["second"],
        StaffFactory(roles=[Role.CASEWORKER]),
    )
    admit(caseworker)
    tickets = people["tickets"]
    with acting_with(tickets[first.pk]):
        case = open_case_for(first, caseworker)
        other = open_case_for(first, caseworker)
        with pytest.raises(TicketRefused) as refused:
            vault_ledger.record_case_erased(case_id=str(case.pk))
    assert refused.value.reason == "not_approved"
    assert not erased_in_keyd(case)

    with acting_with(tickets[first.pk]):
        request_case_erasure(actor=first, case=case, reason="retention")
    approval = pending_erasure(case)
    assert approval is not None
    # The web marks its own approval granted: keyd holds no second coordinator's word.
    Approval.objects.filter(pk=approval.pk).update(
        status=ApprovalStatus.GRANTED, decided_by=second, decided_at=clock.now()
    )
    with acting_with(tickets[first.pk]), pytest.raises(InvalidInput):
        erase_granted_case(actor=first, case=case)
    case.refresh_from_db()
    assert case.erased_at is None
    assert not erased_in_keyd(case)
    # Nor approves the asker, or an administrator, in keyd.
    for holder in ("first", "admin"):
        with acting_with(tickets[people[holder].pk]), pytest.raises(UnwrapRefused):
            vault_ledger.approve_change(proposal=str(approval.pk))
    with acting_with(tickets[second.pk]):
        vault_ledger.approve_change(proposal=str(approval.pk))
    # Approved for this case, not another.
    with acting_with(tickets[first.pk]), pytest.raises(TicketRefused):
        vault_ledger.record_case_erased(case_id=str(other.pk), proposal=str(approval.pk))
    assert not erased_in_keyd(other)
    # Carried out with a coordinator's ticket (any: two have agreed), once.
    with acting_with(tickets[people["third"].pk]):
        erase_granted_case(actor=first, case=case)
    case.refresh_from_db()
    assert case.erased_at is not None
    assert erased_in_keyd(case)
    with acting_with(tickets[first.pk]), pytest.raises(TicketRefused):
        vault_ledger.record_case_erased(case_id=str(other.pk), proposal=str(approval.pk))
    assert not erased_in_keyd(other)


def test_no_worker_task_gets_a_key_of_an_erased_case(people):
    """A worker task naming an erased case's key (a wrapped key kept from before: a backup
    of the key store) gets nothing, whichever task it names; the case before, it did."""
    from corridor.vault.keyd.worker_tasks import PEOPLE_REINDEX
    from corridor.vault.ledger import as_operator

    coordinator, caseworker = people["first"], StaffFactory(roles=[Role.CASEWORKER])
    admit(caseworker)
    with acting_with(people["tickets"][coordinator.pk]):
        case = open_case_for(coordinator, caseworker)
    for task in (RESTORE_CHECK, PEOPLE_REINDEX):
        with working_on(task):
            assert data_key(case.key_id, for_actor="system:worker", case_id=str(case.pk))
    with as_operator():  # what `corridor cases erase` records (keyd's admin socket)
        vault_ledger.record_case_erased(case_id=str(case.pk))
    for task in (RESTORE_CHECK, PEOPLE_REINDEX, SCREEN_REQUEST):
        with working_on(task), pytest.raises(UnwrapRefused) as refused:
            data_key(case.key_id, for_actor="system:worker", case_id=str(case.pk))
        assert refused.value.reason == "not_allowed"


def test_a_request_move_rolled_back_leaves_keyds_ledger_as_it_was(
    people, django_capture_on_commit_callbacks
):
    """keyd checks a request's move when the service makes it, but records it only once
    the data database commits: a decision that fails after the move leaves keyd's phase
    as the database's status is."""
    from django.db import transaction

    from corridor.intake.keyd_phase import record_phase
    from corridor.intake.models import Request, Status
    from corridor.intake.services.hotline import record_hotline_request
    from tests.intake.screening.test_hotline import CALL

    class LaterStepFailed(Exception):
        pass

    hotline, verifier = (
        StaffFactory(roles=[role]) for role in (Role.HOTLINE_OPERATOR, Role.VERIFIER)
    )
    hotline_ticket, verifier_ticket = log_in(hotline), log_in(verifier)
    with acting_with(hotline_ticket):
        request = record_hotline_request(
            actor=hotline, answers=CALL, escalate=False, conflict=False
        )
    ledger = key_provider().gatekeeper.ledger

    def move(status: Status) -> None:
        locked = Request.objects.select_for_update().get(pk=request.pk)
        locked.status = status
        locked.save(update_fields=["status"])
        record_phase(locked)

    assert ledger.screening(str(request.pk)).phase == "awaiting"

    def declined_then_failed() -> None:
        with transaction.atomic():
            move(Status.DECLINED)
            raise LaterStepFailed

    with (
        acting_with(verifier_ticket),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(LaterStepFailed),
    ):
        declined_then_failed()
    assert Request.objects.get(pk=request.pk).status != Status.DECLINED
    assert ledger.screening(str(request.pk)).phase == "awaiting"
    with (
        acting_with(verifier_ticket),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        move(Status.DECLINED)
    assert ledger.screening(str(request.pk)).phase == "closed"


def test_the_case_pages_erasure_takes_two_coordinators_logins(people):
    """Through the web's own pages, logged in through keyd: one coordinator asks, the web's
    word that a second agreed (a GRANTED row) erases nothing, the second's grant on the
    Approvals page does, and the asker then erases the case from its page."""
    from django.test import Client

    from corridor.cases.services.erasure import pending_erasure
    from tests.accounts.helpers import log_in as log_in_on_the_web

    first, second = people["first"], people["second"]
    caseworker = StaffFactory(roles=[Role.CASEWORKER])
    admit(caseworker)
    with acting_with(people["tickets"][first.pk]):
        case = open_case_for(first, caseworker)
    asker, granter = Client(), Client()
    log_in_on_the_web(asker, first)
    log_in_on_the_web(granter, second)
    asker.post(f"/cases/{case.ref}/erase/request/", {"reason": "retention"})
    approval = pending_erasure(case)
    assert approval is not None

    Approval.objects.filter(pk=approval.pk).update(
        status=ApprovalStatus.GRANTED, decided_by=second, decided_at=clock.now()
    )
    asker.post(f"/cases/{case.ref}/erase/", {"confirm": "on"})
    case.refresh_from_db()
    assert case.erased_at is None
    assert not erased_in_keyd(case)

    Approval.objects.filter(pk=approval.pk).update(
        status=ApprovalStatus.PENDING, decided_by=None, decided_at=None
    )
    granted = granter.post(f"/approvals/{approval.pk}/grant/")
    assert granted.status_code == 302
    asker.post(f"/cases/{case.ref}/erase/", {"confirm": "on"})
    case.refresh_from_db()
    assert case.erased_at is not None
    assert erased_in_keyd(case)


def test_the_workers_deletion_for_a_requester_closes_the_request_in_keyd(
    people, django_capture_on_commit_callbacks
):
    """The worker carries out a requester's deletion with no one's ticket: keyd takes the
    request's closing from that task, and the same move with no task named is refused."""
    from datetime import timedelta

    from corridor.intake.keyd_phase import record_phase
    from corridor.intake.models import Request, Status
    from corridor.intake.services.deletion import carry_out_deletion_task
    from corridor.intake.services.hotline import record_hotline_request
    from tests.intake.screening.test_hotline import CALL

    hotline = StaffFactory(roles=[Role.HOTLINE_OPERATOR])
    with acting_with(log_in(hotline)):
        request = record_hotline_request(
            actor=hotline, answers=CALL, escalate=False, conflict=False
        )
    ledger = key_provider().gatekeeper.ledger
    request.status = Status.ERASED
    with pytest.raises(TicketRefused):
        record_phase(request)  # the web's user alone, naming no task
    assert ledger.screening(str(request.pk)).phase == "awaiting"
    Request.objects.filter(pk=request.pk).update(deletion_due_at=clock.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        carry_out_deletion_task.call(str(request.pk))
    assert Request.objects.get(pk=request.pk).status == Status.ERASED
    assert ledger.screening(str(request.pk)).phase == "closed"
