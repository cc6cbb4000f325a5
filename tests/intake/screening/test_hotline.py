"""Hotline intake: a live call recorded under a request key, escalation and conflicts."""

from __future__ import annotations

import pytest

from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.core.actors import WORKER
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.intake.access import access_opened_request_by_id, access_request_by_id
from corridor.intake.errors import RequestNotFound
from corridor.intake.models import Channel
from corridor.intake.services.hotline import (
    ESCALATION_ALERT,
    TRIAGE_MISSING,
    record_hotline_request,
)
from corridor.intake.services.screening import screen_request
from tests.factories import staff_with
from tests.intake.screening.helpers import flags_of, screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])

CALL = {
    "danger_now": "yes",
    "where": "Грозный",
    "can_talk": "no",
    "callback": "после 22:00",
    "full_name": "Magomet Hasanov",
    "phone": "89281234567",
    "story": "Родственники ищут.",
}


def test_an_operator_reads_what_they_recorded_until_screening_ends(vault_keys, hotline_operator):
    request = record_hotline_request(
        actor=hotline_operator, answers=CALL, escalate=False, conflict=False
    )
    assert request.channel == Channel.HOTLINE
    assert request.sealed_answers is None
    opened = access_opened_request_by_id(hotline_operator, request.pk)
    assert opened.answers["full_name"] == "Magomet Hasanov"
    other = staff_with(Role.HOTLINE_OPERATOR)
    with pytest.raises(RequestNotFound):
        access_request_by_id(other, request.pk)
    screen_request(actor=WORKER, request_id=request.pk)
    with pytest.raises(RequestNotFound):
        access_request_by_id(hotline_operator, request.pk)


def test_a_hotline_call_and_a_portal_request_from_one_person_are_flagged(
    vault_keys, fast_kdf, hotline_operator
):
    """ "Магомед Хасанов" with +7 928 123-45-67 on the portal, "Magomet Hasanov" with
    89281234567 on the hotline: one person."""
    portal = screened(name_to_use="Магомед Хасанов", safe_contact="+7 928 123-45-67")
    call = record_hotline_request(
        actor=hotline_operator, answers=CALL, escalate=False, conflict=False
    )
    screen_request(actor=WORKER, request_id=call.pk)
    assert flags_of(call) == {"duplicate_name", "duplicate_phone"}
    assert flags_of(portal) == set()


def test_escalating_alerts_every_coordinator(vault_keys, hotline_operator):
    coordinators = [staff_with(Role.COORDINATOR) for _ in range(2)]
    request = record_hotline_request(
        actor=hotline_operator, answers=CALL, escalate=True, conflict=False
    )
    alerts = StaffAlert.objects.filter(code=ESCALATION_ALERT, case_ref=request.reference)
    assert {alert.staff for alert in alerts} == set(coordinators)
    assert request.escalated_at is not None


def test_a_conflict_of_interest_routes_the_request_to_someone_else(vault_keys, hotline_operator):
    staff_with(Role.COORDINATOR)
    request = record_hotline_request(
        actor=hotline_operator, answers=CALL, escalate=False, conflict=True
    )
    assert request.recorded_by is None
    assert StaffAlert.objects.filter(case_ref=request.reference).count() == 1
    with pytest.raises(RequestNotFound):
        access_request_by_id(hotline_operator, request.pk)
    verifier = staff_with(Role.VERIFIER)
    assert access_request_by_id(verifier, request.pk) == request


def test_the_triage_comes_first_and_only_operators_record(vault_keys, hotline_operator):
    with pytest.raises(InvalidInput, match=str(TRIAGE_MISSING)[:30]):
        record_hotline_request(
            actor=hotline_operator,
            answers={"full_name": "Иван Петров"},
            escalate=False,
            conflict=False,
        )
    with pytest.raises(InvalidInput):
        record_hotline_request(
            actor=hotline_operator,
            answers=CALL | {"danger_now": "maybe"},
            escalate=False,
            conflict=False,
        )
    with pytest.raises(NotAllowed):
        record_hotline_request(
            actor=staff_with(Role.VERIFIER), answers=CALL, escalate=False, conflict=False
        )
    from corridor.intake.models import Request

    assert not Request.objects.exists()


def test_a_hotline_call_is_counted_as_received_on_the_hotline(vault_keys, hotline_operator):
    from corridor.core.tallies import INTAKE_REQUESTS, list_tallies

    record_hotline_request(actor=hotline_operator, answers=CALL, escalate=False, conflict=False)
    with pytest.raises(InvalidInput):
        record_hotline_request(actor=hotline_operator, answers={}, escalate=False, conflict=False)
    assert [(t.dimensions, t.count) for t in list_tallies(INTAKE_REQUESTS)] == [
        ({"channel": "hotline", "outcome": "received"}, 1)
    ]
