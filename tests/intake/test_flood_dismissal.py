"""A flood does not drown the verifiers: flagged requests come last in the inbox, and one
action declines the waiting ones, each recorded in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core import clock
from corridor.core.exceptions import NotAllowed
from corridor.intake.models import Request, RequestFlag, Signal, Status
from corridor.intake.selectors import list_inbox
from corridor.intake.services.flood import DISMISS_REASON, dismiss_flood
from tests.accounts.helpers import form_token, log_in
from tests.factories import StaffFactory, receive_request

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def flag_flood(request: Request) -> None:
    RequestFlag.objects.create(request=request, code=Signal.FLOOD, raised_on=clock.today())


def test_flood_requests_come_after_the_others_in_the_inbox(vault_keys, verifier):
    flooded = [receive_request(f"флуд {n}") for n in range(3)]
    for request in flooded:
        flag_flood(request)
    genuine = receive_request("Мне нужна помощь")
    order = [row.pk for row in list_inbox(verifier)]
    assert order[0] == genuine.pk
    assert set(order[1:]) == {r.pk for r in flooded}


def test_one_action_declines_every_waiting_flood_request_each_audited(vault_keys, verifier):
    flooded = [receive_request(f"флуд {n}") for n in range(3)]
    for request in flooded:
        flag_flood(request)
    decided = flooded[0]
    Request.objects.filter(pk=decided.pk).update(status=Status.PROVISIONAL)
    genuine = receive_request("Мне нужна помощь")
    assert dismiss_flood(actor=verifier) == 2
    statuses = dict(Request.objects.values_list("pk", "status"))
    assert statuses[decided.pk] == Status.PROVISIONAL  # a decision already taken stands
    assert statuses[genuine.pk] == Status.AWAITING_SCREENING
    for request in flooded[1:]:
        assert statuses[request.pk] == Status.DECLINED
        stored = Request.objects.get(pk=request.pk)
        assert stored.erase_on is not None
        assert stored.decided_by == verifier
    events = AuditEntry.objects.filter(
        event_type=EventType.REQUEST_DECIDED.value, reason=DISMISS_REASON
    )
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        str(r.pk) for r in flooded[1:]
    )
    assert dismiss_flood(actor=verifier) == 0


def test_only_verifiers_and_coordinators_dismiss_a_flood(vault_keys, caseworker):
    flag_flood(receive_request("флуд"))
    with pytest.raises(NotAllowed):
        dismiss_flood(actor=caseworker)
    assert not Request.objects.filter(status=Status.DECLINED).exists()


def test_the_inbox_offers_the_dismissal_and_it_works(vault_keys):
    for n in range(2):
        flag_flood(receive_request(f"флуд {n}"))
    client = Client()
    log_in(client, StaffFactory(roles=[Role.VERIFIER]))
    page = client.get("/requests/").content.decode()
    assert "2 waiting requests are flagged as part of a flood" in page
    response = client.post(
        "/requests/flood/dismiss/", {"csrfmiddlewaretoken": form_token(client, "/requests/")}
    )
    assert response.status_code == 302
    assert Request.objects.filter(status=Status.DECLINED).count() == 2
    assert "flagged as part of a flood" not in client.get("/requests/").content.decode()
    hotline = Client()
    log_in(hotline, StaffFactory(roles=[Role.HOTLINE_OPERATOR]))
    refused = hotline.post(
        "/requests/flood/dismiss/", {"csrfmiddlewaretoken": form_token(hotline, "/requests/")}
    )
    assert refused.status_code == 403
