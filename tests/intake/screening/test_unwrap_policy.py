"""Who keyd gives a request's or a watchlist entry's key to (the intake policy)."""

from __future__ import annotations

import uuid

import pytest

from corridor.accounts.roles import Role
from corridor.core.actors import WORKER
from corridor.intake.models import Outcome, WatchKind
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.hotline import record_hotline_request
from corridor.intake.services.screening import screen_request
from corridor.intake.services.watchlist import add_watch_entry
from corridor.intake.unwrap_policy import request_unwrap_policy
from corridor.vault.keyd.policy import UnwrapRequest, granting_policy
from tests.factories import staff_with
from tests.intake.screening.test_hotline import CALL

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def asks(staff, object_id, key_id) -> bool:
    return request_unwrap_policy(
        UnwrapRequest(
            principal=staff.actor_id, case_id=str(object_id), key_id=key_id, database="default"
        )
    )


def test_requests_keys_follow_screening_roles_the_operator_and_the_case_team(vault_keys):
    operator = staff_with(Role.HOTLINE_OPERATOR)
    verifier = staff_with(Role.VERIFIER)
    coordinator = staff_with(Role.COORDINATOR)
    stranger = staff_with(Role.CASEWORKER)
    request = record_hotline_request(actor=operator, answers=CALL, escalate=False, conflict=False)
    assert asks(operator, request.pk, request.key_id)
    assert asks(verifier, request.pk, request.key_id)
    assert not asks(stranger, request.pk, request.key_id)
    assert not asks(verifier, request.pk, uuid.uuid4())  # another key under this id
    screen_request(actor=WORKER, request_id=request.pk)
    assert not asks(operator, request.pk, request.key_id)  # screening has ended
    assert asks(verifier, request.pk, request.key_id)
    request = record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    assert not asks(verifier, request.pk, request.key_id)  # accepted: the case team's now
    assert asks(coordinator, request.pk, request.key_id)  # leads the case
    assert (
        granting_policy(
            UnwrapRequest(
                principal=coordinator.actor_id,
                case_id=str(request.pk),
                key_id=request.key_id,
                database="default",
            )
        )
        == "intake.screening_hotline_or_case_team"
    )
    verifier.is_active = False
    verifier.save()
    assert not asks(verifier, request.pk, request.key_id)


def test_watchlist_keys_are_for_coordinators_only(vault_keys):
    coordinator = staff_with(Role.COORDINATOR)
    verifier = staff_with(Role.VERIFIER)
    entry = add_watch_entry(
        actor=coordinator, kind=WatchKind.OFFICIAL, details={"phone": "89001112233"}
    )
    assert asks(coordinator, entry.pk, entry.key_id)
    assert not asks(verifier, entry.pk, entry.key_id)
    assert not request_unwrap_policy(
        UnwrapRequest(
            principal="system:x", case_id=str(entry.pk), key_id=entry.key_id, database="default"
        )
    )
    assert not request_unwrap_policy(
        UnwrapRequest(
            principal=coordinator.actor_id, case_id="nope", key_id=entry.key_id, database="default"
        )
    )
