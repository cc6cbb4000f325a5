"""A portal request is sealed before it is stored, and never lost to a limit once stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time

import pytest
import time_machine

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core import clock
from corridor.core.actors import RequesterActor
from corridor.intake.errors import FormAlreadyUsed, PortalBusy, PortalSaturated, TooManyAttempts
from corridor.intake.models import Channel, Request, RequesterSession, Stage, Status
from corridor.intake.selectors import list_flags
from corridor.intake.services._common import take_or_refuse
from corridor.intake.services.requests import receive_portal_request
from corridor.intake.sources import source_of
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import key_provider
from tests.factories import new_digest, new_token, receive_request
from tests.portal_helpers import INTAKE_TABLES, raw_rows

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def receive(story: str = "история", *, digest: str | None = None, token: str | None = None):
    return receive_request(story, digest=digest, token=token, urgency="now", danger_from=["family"])


def test_a_request_is_stored_sealed_to_the_intake_key(vault_keys, canary):
    """The answers reach the database only inside the intake box; nothing else holds them."""
    request = receive(f"Меня ищут {canary}")
    stored = Request.objects.get(pk=request.pk)
    assert stored.channel == Channel.PORTAL
    assert stored.status == Status.AWAITING_SCREENING
    assert stored.reference.startswith("RQ-")
    assert stored.answers is None
    assert stored.key_id is None
    intake = WrappedKey.objects.get(purpose=Purpose.INTAKE, retired_at__isnull=True)
    assert stored.sealed_to == intake.id
    assert canary.encode() not in raw_rows(*INTAKE_TABLES)
    opened = json.loads(key_provider().open_intake(bytes(stored.sealed_answers), str(request.id)))
    assert opened == {"danger_from": ["family"], "story": f"Меня ищут {canary}", "urgency": "now"}


def test_what_the_requester_did_carries_the_day_not_the_hour(vault_keys):
    """The row and its audit event say on which day someone wrote, never at what time."""
    with time_machine.travel(datetime(2026, 3, 4, 15, 37, 12, tzinfo=UTC), tick=False):
        request = receive()
    midnight = datetime.combine(request.received_on, time.min, tzinfo=UTC)
    stored = Request.objects.get(pk=request.pk)
    assert (stored.created_at, stored.updated_at) == (midnight, midnight)
    event = AuditEntry.objects.get(event_type=EventType.REQUEST_RECEIVED.value)
    assert event.actor == "requester"
    assert event.object_id == str(request.pk)
    assert event.time_us % (24 * 3600 * 10**6) == 0


def test_the_session_is_bound_to_its_new_request(vault_keys):
    digest = new_digest()
    request = receive(digest=digest)
    session = RequesterSession.objects.get(digest=digest)
    assert session.request_id == request.pk
    assert session.stage == Stage.CODENAME_DUE
    assert session.held_key is None


def test_the_portal_keeps_taking_requests_while_the_keys_are_sealed(vault_keys, settings):
    """Sealing needs only the intake public key: with keyd down, a request is still stored."""
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    request = receive()
    assert Request.objects.filter(pk=request.pk, sealed_answers__isnull=False).exists()


def test_the_same_form_sent_twice_stores_one_request(vault_keys):
    token = new_token()
    receive(token=token)
    with pytest.raises(FormAlreadyUsed):
        receive(token=token)
    assert Request.objects.count() == 1


def test_past_the_pending_volume_new_requests_wait_and_stored_ones_stay(vault_keys, settings):
    """The portal says when to come back; every request already stored is kept."""
    settings.CORRIDOR_PORTAL_PENDING_LIMIT = 2
    settings.CORRIDOR_PORTAL_RETRY_HOURS = 6
    receive()
    receive()
    with pytest.raises(PortalBusy) as busy:
        receive()
    assert busy.value.retry_after == 6 * 3600
    assert Request.objects.count() == 2


def test_a_session_sending_too_often_is_refused_before_sealing(vault_keys, settings):
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "submit_session": (2, 3600),
    }
    digest = new_digest()
    with time_machine.travel(clock.now(), tick=False):
        receive(digest=digest)
        receive(digest=digest)
        with pytest.raises(TooManyAttempts) as refusal:
            receive(digest=digest)
    assert refusal.value.retry_after == 1800
    assert Request.objects.count() == 2
    assert not AuditEntry.objects.filter(event_type=EventType.FLOOD_DETECTED.value).exists()


def from_network(address: str, story: str = "история") -> Request:
    return receive_portal_request(
        actor=RequesterActor(source=source_of(address)),
        answers={"story": story},
        session_digest=new_digest(),
        form_token=new_token(),
    )


def test_a_flood_from_one_network_is_refused_and_raises_one_operator_alert(
    vault_keys, settings, caplog
):
    """Fresh sessions do not help a flood: its network's own limit refuses it (before
    anything is sealed), one alert event is recorded per window, not per hit, and another
    network is not refused."""
    settings.CORRIDOR_PORTAL_RATES = {**settings.CORRIDOR_PORTAL_RATES, "submit_source": (3, 3600)}
    for host in range(3):
        from_network(f"198.51.100.{host}")
    for host in range(5):
        with pytest.raises(TooManyAttempts):
            from_network(f"198.51.100.{100 + host}")
    alerts = AuditEntry.objects.filter(event_type=EventType.FLOOD_DETECTED.value)
    assert alerts.count() == 1
    assert json.loads(alerts.get().detail)["limit"] == "submit"
    assert "198.51" not in alerts.get().detail
    assert any(getattr(r, "event", "") == EventType.FLOOD_DETECTED.value for r in caplog.records)
    from_network("198.51.101.7")
    assert Request.objects.count() == 4


def test_the_shared_budget_makes_others_wait_and_no_network_takes_more_than_its_share(
    vault_keys, settings
):
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "submit_global": (4, 3600),
        "submit_source": (2, 3600),
    }
    for _ in range(2):
        from_network("203.0.113.5")
    with pytest.raises(TooManyAttempts):
        from_network("203.0.113.6")  # its share is spent; the shared budget is not
    from_network("2001:db8:1::1")
    from_network("2001:db8:1:ffff::2")  # the same /48: the same source
    with pytest.raises(PortalSaturated) as waiting:
        from_network("192.0.2.1")
    assert waiting.value.retry_after > 0
    assert Request.objects.count() == 4


def test_what_a_flooding_network_still_sends_is_stored_flagged_flood(vault_keys, settings):
    """A network that used up its codename limit still gets its requests stored (a real
    person may share it), but flagged `flood`; another network's are not."""
    settings.CORRIDOR_PORTAL_RATES = {**settings.CORRIDOR_PORTAL_RATES, "codename_source": (1, 60)}
    flooding = RequesterActor(source=source_of("198.51.100.20"))
    take_or_refuse([], limit="codename", source=flooding.source)
    with pytest.raises(TooManyAttempts):
        take_or_refuse([], limit="codename", source=flooding.source)
    flagged = from_network("198.51.100.21")
    clean = from_network("198.51.99.21")
    assert list_flags(flagged) == ["flood"]
    assert list_flags(clean) == []
