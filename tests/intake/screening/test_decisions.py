"""Verification decisions: what each does to the request, the requester and the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.intake.access import access_opened_request_by_id
from corridor.intake.errors import MessageInvalid
from corridor.intake.models import Codename, IndexEntry, Message, Method, Outcome, Request, Status
from corridor.intake.selectors import list_overdue_requests, requests_visible_to
from corridor.intake.services.decisions import (
    NEEDS_METHOD,
    NEUTRAL_MESSAGE,
    SECOND_REVIEWER,
    record_decision,
)
from corridor.intake.services.erasure import erase_due_requests
from corridor.intake.services.messages import NAMES_STAFF, send_team_reply
from corridor.vault.models import WrappedKey
from tests.factories import staff_with
from tests.intake.screening.helpers import screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def team_texts(request: Request, staff) -> list[str]:
    return [
        entry.text or ""
        for entry in access_opened_request_by_id(staff, request.pk).thread
        if entry.from_team
    ]


def test_accepting_opens_a_case_that_carries_the_thread(vault_keys, fast_kdf, coordinator):
    """Full acceptance opens a case led by the coordinator who accepted; its team reads
    and answers the same thread the requester writes in."""
    caseworker = staff_with(Role.CASEWORKER)
    request = screened("Помогите", name_to_use="Магомед Хасанов")
    decided = record_decision(
        actor=coordinator,
        request_id=request.pk,
        outcome=Outcome.ACCEPT,
        methods=[Method.CALL_HELD, Method.DOCUMENTS_SEEN],
    )
    assert decided.status == Status.ACCEPTED
    case = Case.objects.get(pk=decided.case_id)
    assert case.assignments.filter(staff=coordinator, ended_at__isnull=True).exists()
    assert request not in requests_visible_to(caseworker)
    from corridor.cases.services.assignment import assign_case

    assign_case(actor=coordinator, case=case, staff=caseworker, lead=False)
    assert request in requests_visible_to(caseworker)
    send_team_reply(actor=caseworker, request_id=request.pk, text="Мы на связи")
    assert "Мы на связи" in team_texts(request, caseworker)


def test_full_acceptance_needs_a_verification_method(vault_keys, fast_kdf, verifier):
    request = screened()
    with pytest.raises(InvalidInput, match=str(NEEDS_METHOD)[:30]):
        record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.ACCEPT)
    with pytest.raises(InvalidInput):
        record_decision(actor=verifier, request_id=request.pk, outcome="shrug")
    with pytest.raises(InvalidInput):
        record_decision(
            actor=verifier, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["photos"]
        )
    assert Request.objects.get(pk=request.pk).status == Status.IN_VERIFICATION


def test_a_provisional_acceptance_is_overdue_after_72_hours(vault_keys, fast_kdf, verifier):
    """Isolated help now, full verification within 72 hours; replies name no staff."""
    request = screened()
    record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.ACCEPT_PROVISIONAL)
    request.refresh_from_db()
    assert request.status == Status.PROVISIONAL
    assert request.case_id is None
    with pytest.raises(MessageInvalid, match=str(NAMES_STAFF)[:30]):
        send_team_reply(
            actor=verifier, request_id=request.pk, text=f"Вам позвонит {verifier.username}"
        )
    assert list(list_overdue_requests(clock.now() + timedelta(hours=71))) == []
    assert list(list_overdue_requests(clock.now() + timedelta(hours=73))) == [request]
    record_decision(
        actor=verifier, request_id=request.pk, outcome=Outcome.ACCEPT, methods=[Method.CALL_HELD]
    )
    assert list(list_overdue_requests(clock.now() + timedelta(hours=73))) == []


def test_a_suspected_request_is_frozen_and_needs_a_second_reviewer(
    vault_keys, fast_kdf, verifier, coordinator
):
    """The requester reads only a neutral message, replies are refused, the same person
    cannot clear it, and past its deadline it is overdue."""
    request = screened()
    record_decision(
        actor=verifier, request_id=request.pk, outcome=Outcome.SUSPECTED, message="шпион!"
    )
    assert team_texts(request, verifier) == [str(NEUTRAL_MESSAGE)]
    with pytest.raises(MessageInvalid):
        send_team_reply(actor=verifier, request_id=request.pk, text="Где вы?")
    with pytest.raises(NotAllowed, match=str(SECOND_REVIEWER)[:30]):
        record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.DECLINE)
    hours = 48
    assert list(list_overdue_requests(clock.now() + timedelta(hours=hours + 1))) == [request]
    record_decision(actor=coordinator, request_id=request.pk, outcome=Outcome.DECLINE)
    assert Request.objects.get(pk=request.pk).status == Status.DECLINED


def test_declining_sends_a_kind_message_and_refer_out_needs_a_partner(
    vault_keys, fast_kdf, verifier
):
    request = screened()
    with pytest.raises(InvalidInput):
        record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.REFER_OUT)
    record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.DECLINE)
    (text,) = team_texts(request, verifier)
    assert "not alone" in text
    with pytest.raises(InvalidInput):
        record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.NEED_INFO)


def test_need_info_asks_the_requester(vault_keys, fast_kdf, verifier):
    request = screened()
    with pytest.raises(InvalidInput):
        record_decision(actor=verifier, request_id=request.pk, outcome=Outcome.NEED_INFO)
    record_decision(
        actor=verifier,
        request_id=request.pk,
        outcome=Outcome.NEED_INFO,
        message="В каком городе вы сейчас?",
    )
    assert team_texts(request, verifier) == ["В каком городе вы сейчас?"]


def test_a_duplicate_is_linked_to_the_existing_case(vault_keys, fast_kdf, coordinator):
    first = screened(name_to_use="Магомед Хасанов")
    accepted = record_decision(
        actor=coordinator, request_id=first.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    second = screened(name_to_use="Magomet Hasanov")
    with pytest.raises(InvalidInput):
        record_decision(
            actor=coordinator, request_id=second.pk, outcome=Outcome.DUPLICATE, case_ref="CR-NONE"
        )
    duplicate = record_decision(
        actor=coordinator,
        request_id=second.pk,
        outcome=Outcome.DUPLICATE,
        case_ref=accepted.case.ref.lower(),
    )
    assert duplicate.duplicate_of_id == accepted.case_id


def test_only_verifiers_and_coordinators_decide(vault_keys, fast_kdf):
    request = screened()
    operator = staff_with(Role.HOTLINE_OPERATOR)
    Request.objects.filter(pk=request.pk).update(recorded_by=operator)
    caseworker = staff_with(Role.CASEWORKER)
    from corridor.intake.errors import RequestNotFound

    with pytest.raises(RequestNotFound):
        record_decision(actor=caseworker, request_id=request.pk, outcome=Outcome.DECLINE)
    with pytest.raises(RequestNotFound):  # screened: no longer the operator's to read
        record_decision(actor=operator, request_id=request.pk, outcome=Outcome.DECLINE)


def test_declined_duplicate_and_suspected_requests_are_erased_on_schedule(
    vault_keys, fast_kdf, verifier, settings, django_capture_on_commit_callbacks
):
    """After the configured days the request is blanked and its key destroyed; accepted
    and undecided requests stay."""
    settings.CORRIDOR_SCREENING_ERASE_DAYS = 30
    declined = screened(name_to_use="Ислам Мусаев", safe_contact="89281112233")
    kept = screened()
    record_decision(actor=verifier, request_id=declined.pk, outcome=Outcome.DECLINE)
    declined.refresh_from_db()
    key_id = declined.key_id
    with django_capture_on_commit_callbacks(execute=True):
        assert erase_due_requests(actor=WORKER) == 0
    later = clock.now() + timedelta(days=31)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert erase_due_requests(actor=WORKER) == 1
    declined.refresh_from_db()
    assert declined.status == Status.ERASED
    assert declined.answers is None
    assert declined.facts is None
    assert not WrappedKey.objects.filter(pk=key_id).exists()
    assert not IndexEntry.objects.filter(request=declined).exists()
    assert not Message.objects.filter(request=declined, body__isnull=False).exists()
    assert not Codename.objects.filter(request=declined, retired_on__isnull=True).exists()
    assert Request.objects.get(pk=kept.pk).status == Status.IN_VERIFICATION


def decided_tally() -> dict[str, int]:
    from corridor.core.tallies import INTAKE_REQUESTS, list_tallies

    found: dict[str, int] = {}
    for tally in list_tallies(INTAKE_REQUESTS):
        outcome = tally.dimensions["outcome"]
        found[outcome] = found.get(outcome, 0) + tally.count
    return found


def test_each_request_counts_once_on_arrival_and_once_on_its_final_outcome(
    vault_keys, fast_kdf, verifier, coordinator
):
    """The anonymous tally the reports read: provisional and need-info are not final; a
    suspected request that a second reviewer declines stays counted as suspected."""
    first, second = screened(), screened()
    record_decision(actor=verifier, request_id=first.pk, outcome=Outcome.ACCEPT_PROVISIONAL)
    assert decided_tally() == {"received": 2}
    record_decision(
        actor=verifier, request_id=first.pk, outcome=Outcome.ACCEPT, methods=[Method.CALL_HELD]
    )
    record_decision(actor=verifier, request_id=second.pk, outcome=Outcome.SUSPECTED)
    record_decision(actor=coordinator, request_id=second.pk, outcome=Outcome.DECLINE)
    assert decided_tally() == {"received": 2, "accepted": 1, "suspected": 1}
