"""Alerts that wake someone at 3 a.m.: content-free notifications through a
real SMTP server and a real HTTP receiver in each webhook format, an on-call rota that
escalates, acknowledgement in one click, and delivery through the task queue's retries.

The attack on content: whatever leaves the server is read by the mail provider, the
push service, the phone's lock screen and whoever holds the phone. Every body here is
checked against the case's canary, its reference and the person's name."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from django.core.management import call_command
from django.test import Client

from corridor.accounts import notifications, oncall
from corridor.accounts.alerts import alert_coordinators_and_auditors, dismiss_alert
from corridor.accounts.models import (
    ChannelKind,
    Notification,
    NotificationClass,
    Page,
    StaffAlert,
)
from corridor.accounts.roles import Role
from corridor.accounts.selectors import open_alerts
from corridor.audit.models import AuditEntry
from corridor.cases.models import Relation
from corridor.cases.services import safety
from corridor.config.env import SmtpEnv
from corridor.core.exceptions import NotAllowed
from corridor.core.retries import policy_for
from corridor.people.models import Channel, ContactProtocol
from tests.accounts.helpers import form_token
from tests.accounts.receivers import (  # noqa: F401
    HttpReceiver,
    Mailbox,
    Recipient,
    mailbox,
    receiver,
    recipient,
)
from tests.factories import staff_with
from tests.web.conftest import client_for

pytestmark = [
    pytest.mark.django_db(databases=["default", "keystore"], transaction=True),
    pytest.mark.enable_socket,
    pytest.mark.usefixtures("vault_keys"),
]

CANARY = "Zq7Wakeful"
# 03:00 in Moscow, the organisation's clock.
THREE_AM = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def org(settings, mailbox: Mailbox):  # noqa: F811
    settings.CORRIDOR_ORG_TIME_ZONE = "Europe/Moscow"
    settings.CORRIDOR_ESCALATION_MINUTES = 10
    settings.CORRIDOR_SMTP = SmtpEnv(
        host=mailbox.host,
        port=mailbox.port,
        sender="corridor@example.org",
        starttls=True,
        ca_file=mailbox.ca_file,
    )
    return settings


def add(staff, kind: str, **fields: str):
    target = notifications.clean_target(kind, **fields)
    return notifications.add_channel(actor=staff, kind=kind, target=target)


def deliver_queued() -> None:
    """What the worker does: take every queued task (the notifications) and run it."""
    call_command("worker", burst=True)


def bodies(receiver: HttpReceiver, mailbox: Mailbox) -> list[str]:  # noqa: F811
    texts = [post.body.decode("utf-8") for post in receiver.posts]
    texts += [str(dict(post.headers)) for post in receiver.posts]
    for message in mailbox.messages:
        texts.append(str(message["Subject"]))
        texts.append(message.get_content())
    return texts


def test_a_missed_check_in_at_three_wakes_the_rota_then_every_coordinator_until_taken(
    org,
    open_case,
    coordinator,
    mailbox: Mailbox,  # noqa: F811
    receiver: HttpReceiver,  # noqa: F811
    time_machine,
):
    """At 03:00 (Moscow) a check-in is missed: the caseworker on call is woken on ntfy; ten
    minutes on, nobody has answered, so the shift's next person is woken on Signal; ten more
    and every coordinator, on Matrix and by e-mail. The caseworker acknowledges: every copy
    leaves the dashboards and nobody else is woken. No body names the case, the person or
    anything they said."""
    on_call = staff_with(Role.CASEWORKER, preferred_language="ru")
    backup = staff_with(Role.COORDINATOR)
    other = staff_with(Role.COORDINATOR)
    add(on_call, ChannelKind.NTFY, address=f"{receiver.url}/corridor-night")
    add(
        backup,
        ChannelKind.SIGNAL,
        address=receiver.url,
        number="+4915100000001",
        recipient="+4915100000002",
    )
    add(other, ChannelKind.MATRIX, address=f"{receiver.url}/webhook/abc")
    add(other, ChannelKind.EMAIL, address="other@example.org")
    time_machine.move_to(THREE_AM - timedelta(hours=8), tick=False)
    oncall.add_shift(
        actor=coordinator,
        staff=on_call,
        backup=backup,
        starts=datetime(2026, 3, 1, 20, 0),
        ends=datetime(2026, 3, 2, 8, 0),
    )
    case = open_case(CANARY)
    person = case.members.get(relation=Relation.PRINCIPAL).person
    safety.set_protocol(
        actor=coordinator, case=case, person=person, channel=Channel.SIGNAL, every_hours=2,
        check_in_word="ясное небо", duress_word="лимон",
    )  # fmt: skip
    ContactProtocol.objects.filter(person=person).update(
        check_in_due_at=THREE_AM - timedelta(minutes=5)
    )

    time_machine.move_to(THREE_AM, tick=False)
    assert safety.raise_missed_check_ins() == 1
    oncall.run_pages()
    deliver_queued()
    assert [post.path for post in receiver.posts] == ["/corridor-night"]
    assert receiver.posts[0].body.decode() == "Corridor: 1 срочное дело — откройте Corridor."
    assert receiver.posts[0].headers["Priority"] == "5"  # ntfy: wakes the phone

    time_machine.move_to(THREE_AM + timedelta(minutes=9), tick=False)
    oncall.run_pages()
    deliver_queued()
    assert len(receiver.posts) == 1  # not before the wait

    time_machine.move_to(THREE_AM + timedelta(minutes=10), tick=False)
    oncall.run_pages()
    deliver_queued()
    signal = receiver.posts[1]
    assert signal.path == "/v2/send"
    assert signal.json() == {
        "message": "Corridor: 1 urgent item — open Corridor.",
        "number": "+4915100000001",
        "recipients": ["+4915100000002"],
    }
    assert mailbox.messages == []

    time_machine.move_to(THREE_AM + timedelta(minutes=20), tick=False)
    oncall.run_pages()
    deliver_queued()
    matrix = receiver.posts[2]
    assert (matrix.path, matrix.json()) == (
        "/webhook/abc",
        {"text": "Corridor: 1 urgent item — open Corridor.", "username": "Corridor"},
    )
    assert len(receiver.posts) == 3  # the backup, already woken, is not woken twice
    subjects = [str(m["Subject"]) for m in mailbox.messages]
    assert subjects == ["Corridor: 1 urgent item — open Corridor."]
    assert mailbox.envelopes == [("corridor@example.org", ["other@example.org"])]

    # One click from the alert on the caseworker's dashboard.
    client = client_for(on_call)
    dashboard = client.get("/").content.decode()
    mine = StaffAlert.objects.get(staff=on_call, code="incident_opened")
    assert f"/alerts/{mine.pk}/acknowledge/" in dashboard
    assert case.ref in dashboard  # the link to the exact case, inside Corridor only
    token = form_token(client, "/")
    client.post(f"/alerts/{mine.pk}/acknowledge/", {"csrfmiddlewaretoken": token})
    page = Page.objects.get()
    assert page.acknowledged_by == on_call
    assert not open_alerts(other).exists()
    assert not open_alerts(coordinator).exists()
    assert f"/alerts/{mine.pk}/acknowledge/" not in client.get("/").content.decode()
    shown = client_for(other).get("/alerts/").content.decode()
    assert f"acknowledged by {on_call.username}" in shown

    time_machine.move_to(THREE_AM + timedelta(minutes=60), tick=False)
    oncall.run_pages()
    deliver_queued()
    assert len(receiver.posts) == 3
    assert len(mailbox.messages) == 1

    for text in bodies(receiver, mailbox):
        for secret in (CANARY, case.ref, "Ислам", "Islam", "Умаров", "лимон"):
            assert secret not in text
    sent = AuditEntry.objects.filter(event_type="accounts.notification_sent")
    assert sorted(json.loads(row.detail)["channel_kind"] for row in sent) == [
        "email", "matrix", "ntfy", "signal",
    ]  # fmt: skip
    # Each address the worker opened to send is a recorded read of its owner's channel.
    opened = AuditEntry.objects.filter(event_type="accounts.notification_target_read")
    assert sorted(json.loads(row.detail)["channel_kind"] for row in opened) == [
        "email", "matrix", "ntfy", "signal",
    ]  # fmt: skip
    logged = " ".join(str(row.detail) for row in AuditEntry.objects.all())
    for address in ("other@example.org", "corridor-night", "+4915100000002", "webhook/abc"):
        assert address not in logged
    acknowledged = AuditEntry.objects.get(event_type="accounts.alert_acknowledged")
    assert acknowledged.actor == on_call.actor_id


def test_e_mail_leaves_only_over_starttls(org, mailbox: Mailbox, settings):  # noqa: F811
    """Against a server that requires STARTTLS, a client configured without it is refused
    (so a misconfigured relay fails loudly rather than sending in clear)."""
    person = staff_with(Role.COORDINATOR)
    channel = add(person, ChannelKind.EMAIL, address="me@example.org")
    settings.CORRIDOR_SMTP = SmtpEnv(
        host=mailbox.host, port=mailbox.port, sender="c@example.org", starttls=False
    )
    sent = notifications.queue_notification(channel, kind=NotificationClass.TEST)
    with pytest.raises(notifications.DeliveryFailed):
        notifications.deliver(str(sent.pk))
    assert mailbox.messages == []


def test_an_undeliverable_notification_is_retried_then_the_coordinators_are_told(
    org,
    receiver: HttpReceiver,  # noqa: F811
):
    """The service answers 503 every time: each attempt fails for the queue to retry by
    the delivery policy; after the last one the coordinators get an in-app alert."""
    on_call = staff_with(Role.CASEWORKER)
    coordinator = staff_with(Role.COORDINATOR)
    channel = add(on_call, ChannelKind.NTFY, address=f"{receiver.url}/t")
    receiver.failing = True
    policy = policy_for(notifications.deliver_notification.module_path)
    assert policy == notifications.DELIVERY_RETRY
    sent = notifications.queue_notification(channel, kind=NotificationClass.URGENT)
    for _ in range(notifications.DELIVERY_RETRY.attempts - 1):
        with pytest.raises(notifications.DeliveryFailed):
            notifications.deliver(str(sent.pk))
        assert not StaffAlert.objects.filter(code="notification_undeliverable").exists()
    notifications.deliver(str(sent.pk))
    sent.refresh_from_db()
    assert sent.given_up_at is not None
    assert sent.sent_at is None
    assert StaffAlert.objects.filter(staff=coordinator, code="notification_undeliverable").exists()
    assert AuditEntry.objects.filter(event_type="accounts.notification_given_up").count() == 1


def test_send_me_a_test_reaches_the_channel_from_the_channels_page(
    org,
    receiver: HttpReceiver,  # noqa: F811
):
    """A caseworker adds their ntfy topic on their own page and presses "Send me a test":
    the worker delivers a test that says only that it is one."""
    person = staff_with(Role.CASEWORKER)
    client: Client = client_for(person)
    token = form_token(client, "/account/channels/")
    client.post(
        "/account/channels/",
        {"kind": "ntfy", "address": f"{receiver.url}/mine", "csrfmiddlewaretoken": token},
    )
    channel = notifications.list_channels(person).get()
    token = form_token(client, "/account/channels/")
    client.post(f"/account/channels/{channel.pk}/test/", {"csrfmiddlewaretoken": token})
    deliver_queued()
    assert [p.body.decode() for p in receiver.posts] == [
        "Corridor: this is a test. Nothing needs your attention."
    ]
    assert "delivered" in client.get("/account/channels/").content.decode()
    # Someone else's channel cannot be tested or removed.
    intruder = client_for(staff_with(Role.CASEWORKER))
    token = form_token(intruder, "/account/channels/")
    intruder.post(f"/account/channels/{channel.pk}/remove/", {"csrfmiddlewaretoken": token})
    assert notifications.list_channels(person).count() == 1


def test_the_person_an_alert_is_about_can_neither_acknowledge_nor_dismiss_it_nor_is_woken():
    """A coordinator puts a standby on duty: both are among the alerted, neither can
    acknowledge or dismiss the alert about them, and the rota's pages pass them by."""
    actor, standby = staff_with(Role.COORDINATOR), staff_with(Role.COORDINATOR)
    third = staff_with(Role.COORDINATOR)
    alert_coordinators_and_auditors(code="standby_activated", subject=standby, actor=actor)
    oncall.run_pages()
    page = Page.objects.get()
    assert page.stage == oncall.FINAL_STAGE  # no rota: straight to every coordinator
    assert set(page.paged.all()) == {third}
    for person in (actor, standby):
        own = StaffAlert.objects.get(staff=person)
        with pytest.raises(NotAllowed):
            oncall.acknowledge_alert(actor=person, alert_id=str(own.pk))
        with pytest.raises(NotAllowed):
            dismiss_alert(actor=person, alert_id=str(own.pk), reason="dealt_with")
    oncall.acknowledge_alert(actor=third, alert_id=str(StaffAlert.objects.get(staff=third).pk))
    assert StaffAlert.objects.filter(acknowledged_by=third).count() == 3


def test_urgent_first_and_routine_alerts_go_in_one_daily_digest(org):
    """An incident comes before an older routine alert on the dashboard; routine alerts are
    not paged but counted in a digest, at most once a day."""
    person = staff_with(Role.COORDINATOR)
    add(person, ChannelKind.NTFY, address="http://127.0.0.1:9/never")
    StaffAlert.objects.create(staff=person, code="route_changed", case_ref="CR-AAAA-AAAA")
    StaffAlert.objects.create(staff=person, code="incident_opened", case_ref="CR-BBBB-BBBB")
    ordered = oncall.danger_first(list(open_alerts(person)))
    assert [a.code for a in ordered] == ["incident_opened", "route_changed"]
    # The apps above count what else waits (two cases with overdue tasks, say).
    assert oncall.send_digests(also_waiting=lambda staff: 2) == 1
    assert oncall.send_digests(also_waiting=lambda staff: 2) == 0  # once a day at most
    digest = Notification.objects.get(kind=NotificationClass.DIGEST)
    assert notifications.compose(digest) == (
        "Corridor: 3 items are waiting — open Corridor when you can."
    )


def test_a_sealed_key_service_or_a_missing_backup_pages_without_anyone_meeting_it(
    monkeypatch, time_machine
):
    """At night no page meets a sealed keyd and nobody reads the doctor: the worker's
    checks raise the urgent alerts themselves, and they page the coordinators."""
    from corridor.audit.events import EventType
    from corridor.audit.services import record_event
    from corridor.core.actors import WORKER
    from corridor.operations import free_space

    coordinator = staff_with(Role.COORDINATOR)
    monkeypatch.setattr("corridor.vault.providers.check_key_provider", lambda: "sealed")
    free_space.check_key_service()
    free_space.check_key_service()  # one alert per person, however many checks
    assert list(StaffAlert.objects.values_list("code", flat=True)) == ["key_failure_sealed"]
    time_machine.move_to(THREE_AM, tick=False)
    record_event(actor=WORKER, event=EventType.BACKUP_CREATED)
    time_machine.move_to(THREE_AM + timedelta(hours=25), tick=False)
    free_space.check_backup_age()
    assert not StaffAlert.objects.filter(code="backup_missing").exists()
    time_machine.move_to(THREE_AM + timedelta(hours=27), tick=False)
    free_space.check_backup_age()
    assert StaffAlert.objects.filter(staff=coordinator, code="backup_missing").exists()
    oncall.run_pages()
    assert sorted(Page.objects.values_list("code", flat=True)) == [
        "backup_missing",
        "key_failure_sealed",
    ]


# ---------------------------------------------------------------- OpenPGP (gpg)
TEST_WORDS = ("test", "Nothing", "attention", "Corridor: this is")


@pytest.mark.process
def test_e_mail_to_a_pasted_openpgp_key_leaves_encrypted_and_opens_with_the_secret_key(
    org,
    mailbox: Mailbox,  # noqa: F811
    recipient: Recipient,  # noqa: F811
):
    """A coordinator pastes their public key with their e-mail address on their own page:
    the test arrives as PGP/MIME (RFC 3156), no word of it readable by the relay or the
    mail provider, and their secret key opens it to the content-free line. The key is
    sealed with the address, not stored in the clear."""
    person = staff_with(Role.COORDINATOR)
    public_key = recipient.new_key("me@example.org")
    client: Client = client_for(person)
    token = form_token(client, "/account/channels/")
    client.post(
        "/account/channels/",
        {
            "kind": "email",
            "address": "me@example.org",
            "openpgp_key": public_key,
            "csrfmiddlewaretoken": token,
        },
    )
    channel = notifications.list_channels(person).get()
    assert "PUBLIC KEY" not in str(channel.target)
    token = form_token(client, "/account/channels/")
    client.post(f"/account/channels/{channel.pk}/test/", {"csrfmiddlewaretoken": token})
    deliver_queued()

    [message] = mailbox.messages
    assert message.get_content_type() == "multipart/encrypted"
    assert message.get_param("protocol") == "application/pgp-encrypted"
    version, body = message.get_payload()
    assert version.get_content_type() == "application/pgp-encrypted"
    assert "Version: 1" in version.get_payload()
    assert body.get_content_type() == "application/octet-stream"
    raw_body = body.get_payload(decode=True)
    assert raw_body.startswith(b"-----BEGIN PGP MESSAGE-----")
    for word in TEST_WORDS:
        assert word.encode() not in raw_body
    opened = message_from_bytes(recipient.decrypt(raw_body), policy=default)
    assert opened.get_content().strip() == "Corridor: this is a test. Nothing needs your attention."
    assert "delivered" in client.get("/account/channels/").content.decode()


@pytest.mark.process
def test_a_key_gpg_can_no_longer_use_fails_the_delivery_and_sends_nothing_in_the_clear(
    org,
    mailbox: Mailbox,  # noqa: F811
    recipient: Recipient,  # noqa: F811
):
    """The key was good when pasted and has expired since: each attempt fails for the queue
    to retry, nothing leaves in plaintext, and after the last one an urgent notification
    becomes the coordinators' "could not be delivered" alert."""
    person = staff_with(Role.CASEWORKER)
    coordinator = staff_with(Role.COORDINATOR)
    expired = recipient.new_key("old@example.org", expire="1d", made_at="20200101T000000")
    channel = notifications.add_channel(
        actor=person,
        kind=ChannelKind.EMAIL,
        target={"address": "old@example.org", "openpgp_key": expired},
    )
    sent = notifications.queue_notification(channel, kind=NotificationClass.URGENT)
    for _ in range(notifications.DELIVERY_RETRY.attempts - 1):
        with pytest.raises(notifications.DeliveryFailed):
            notifications.deliver(str(sent.pk))
    notifications.deliver(str(sent.pk))
    assert mailbox.messages == []
    sent.refresh_from_db()
    assert sent.given_up_at is not None
    assert StaffAlert.objects.filter(staff=coordinator, code="notification_undeliverable").exists()
