"""Alerts in Corridor: duress and "in danger now" before every other incident,
every waiting alert shown (none hidden past a count), routine ones nobody took expiring
into the daily digest, and nothing kept forever.

The attack on order: a night with fifteen missed check-ins and one duress word. If the
duress alert sorts among the incidents by time, the coordinator on call reads fourteen
missed check-ins first. The attack on capping: the twenty-first alert was never shown."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from corridor.accounts import oncall
from corridor.accounts.models import (
    ChannelKind,
    Notification,
    NotificationChannel,
    NotificationClass,
    Page,
    StaffAlert,
)
from corridor.accounts.roles import Role
from corridor.cases.models import IncidentKind
from corridor.cases.services import safety
from corridor.core import clock
from tests.factories import open_case_for, staff_with
from tests.web.conftest import client_for

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])

ALERT_ID = re.compile(r'id="alert-([0-9a-f-]{36})"')


def shown(client, path: str) -> list[str]:
    """The codes of the alerts a page shows, top to bottom."""
    page = client.get(path).content.decode()
    ids = ALERT_ID.findall(page)
    codes = dict(StaffAlert.objects.filter(pk__in=ids).values_list("pk", "code"))
    return [codes[uuid.UUID(pk)] for pk in ids]


def test_a_duress_word_and_a_caller_in_danger_come_before_newer_incidents(vault_keys):
    coordinator, caseworker = staff_with(Role.COORDINATOR), staff_with(Role.CASEWORKER)
    case = open_case_for(coordinator, caseworker)
    safety.raise_incident(actor=coordinator, case=case, kind=IncidentKind.DURESS)
    duress = StaffAlert.objects.get(staff=coordinator)
    assert duress.code == safety.DURESS_ALERT  # a code of its own, not "an incident"
    StaffAlert.objects.create(
        staff=coordinator,
        code="hotline_escalation",
        created_at=clock.now() - timedelta(hours=2),
    )
    StaffAlert.objects.create(staff=coordinator, code="route_changed", case_ref=case.ref)
    # Newer than both: a missed check-in and a detention.
    for kind in (IncidentKind.MISSED_CHECK_IN, IncidentKind.DETAINED):
        safety.raise_incident(actor=coordinator, case=case, kind=kind)
    StaffAlert.objects.filter(code="incident_opened").update(
        created_at=clock.now() + timedelta(minutes=5)
    )
    expected = [
        "duress_heard",
        "hotline_escalation",
        "incident_opened",
        "incident_opened",
        "route_changed",
    ]
    client = client_for(coordinator)
    assert shown(client, "/") == expected
    assert shown(client, "/alerts/") == expected
    page = client.get("/").content.decode()
    assert "Duress word: a person may be forced to write." in page


def test_routine_alerts_expire_into_the_digest_and_none_is_hidden_past_a_count():
    coordinator = staff_with(Role.COORDINATOR)
    week_ago = clock.now() - oncall.ROUTINE_SHOWN_FOR - timedelta(hours=1)
    stale = StaffAlert.objects.create(staff=coordinator, code="route_changed", created_at=week_ago)
    urgent = StaffAlert.objects.create(
        staff=coordinator, code="backup_missing", created_at=week_ago
    )
    for _n in range(24):
        StaffAlert.objects.create(staff=coordinator, code="surge_opened")
    client = client_for(coordinator)
    home = shown(client, "/")
    assert len(home) == 25  # the urgent one and all 24 fresh ones; none left out
    assert home[0] == "backup_missing"  # an urgent alert never expires
    assert "route_changed" not in home
    page = client.get("/alerts/").content.decode()
    assert "expired into the daily digest" in page
    assert page.index(f'id="alert-{urgent.pk}"') < page.index(f'id="alert-{stale.pk}"')
    assert oncall.is_expired(stale)
    assert not oncall.is_expired(urgent)


def test_handled_alerts_sent_notifications_and_their_pages_are_forgotten_after_the_retention(
    time_machine,
):
    coordinator = staff_with(Role.COORDINATOR)
    long_ago = clock.now() - oncall.KEPT_FOR - timedelta(days=1)
    page = Page.objects.create(code="backup_missing", raised_at=long_ago)
    acknowledged = StaffAlert.objects.create(
        staff=coordinator,
        code="backup_missing",
        created_at=long_ago,
        page=page,
        acknowledged_at=long_ago,
        acknowledged_by=coordinator,
    )
    dismissed = StaffAlert.objects.create(
        staff=coordinator, code="surge_opened", created_at=long_ago, dismissed_at=long_ago
    )
    expired = StaffAlert.objects.create(
        staff=coordinator, code="route_changed", created_at=long_ago - oncall.ROUTINE_SHOWN_FOR
    )
    # Still waiting, however old: an urgent alert nobody took stays until someone does.
    waiting = StaffAlert.objects.create(staff=coordinator, code="disk_full", created_at=long_ago)
    # Taken recently, raised long ago: kept for its retention from when it was taken.
    recent = StaffAlert.objects.create(
        staff=coordinator,
        code="insider_alert",
        created_at=long_ago,
        acknowledged_at=clock.now() - timedelta(days=3),
        acknowledged_by=coordinator,
    )
    channel = NotificationChannel.objects.create(staff=coordinator, kind=ChannelKind.NTFY)
    old = Notification.objects.create(
        channel=channel,
        staff=coordinator,
        kind=NotificationClass.URGENT,
        page=page,
        sent_at=long_ago,
        created_at=long_ago,
    )
    new = Notification.objects.create(
        channel=channel, staff=coordinator, kind=NotificationClass.DIGEST, sent_at=clock.now()
    )

    assert oncall.forget_old_alerts() == (3, 1, 1)

    left = set(StaffAlert.objects.values_list("pk", flat=True))
    assert left == {waiting.pk, recent.pk}
    assert not {acknowledged.pk, dismissed.pk, expired.pk} & left
    assert list(Notification.objects.values_list("pk", flat=True)) == [new.pk]
    assert not Notification.objects.filter(pk=old.pk).exists()
    assert not Page.objects.exists()
    # A second run finds nothing more; three months on, the recent one goes too.
    assert oncall.forget_old_alerts() == (0, 0, 0)
    time_machine.move_to(clock.now() + oncall.KEPT_FOR)
    assert oncall.forget_old_alerts() == (1, 1, 0)
    assert list(StaffAlert.objects.values_list("pk", flat=True)) == [waiting.pk]
