"""Notifications that carry nothing: "Corridor: 1 urgent item — open Corridor".

Each staff member registers their own channels (an e-mail address, or a webhook of a
self-hosted service on their phone: ntfy, a Matrix bridge, signal-cli's REST API) and
tests them. What leaves the server is a count and an urgency in the person's language,
never a name, reference, place or text: the words are made here, at sending time, from
nothing but the notification's class and the number of the person's open urgent alerts.

The channel's address is sealed under a key of its own ("channel" in keyd's ledger) that
only its owner and the worker's delivery task may open. An e-mail channel may also carry
its owner's OpenPGP public key, sealed in the same target: its messages then leave as
PGP/MIME encrypted to that key (accounts.openpgp), or, if encryption fails, not at all.
Delivery is a task on the queue, retried by DELIVERY_RETRY (core.retries); a notification
still undelivered after its last attempt raises an in-app alert to the coordinators. The
audit log records each sent notification with the channel's kind, never its address.
"""

from __future__ import annotations

import json
import re
import smtplib
import ssl
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from email.message import EmailMessage, Message
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from corridor.accounts import openpgp
from corridor.accounts.access import access_channel_target
from corridor.accounts.alerts import alert_coordinators_once
from corridor.accounts.events import record_security_event
from corridor.accounts.models import (
    ChannelKind,
    Notification,
    NotificationChannel,
    NotificationClass,
    Page,
    Staff,
    StaffAlert,
)
from corridor.audit.events import EventType
from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.core.retries import RetryPolicy
from corridor.core.tasks import corridor_task, enqueue_on_commit
from corridor.vault import keys as vault_keys
from corridor.vault.fields import seal_field
from corridor.vault.ledger import KeyOwner

# A page must reach someone within minutes: 20 s, 80 s, 5 min, then the coordinators are
# told in Corridor that it could not be delivered (about seven minutes in all).
DELIVERY_RETRY = RetryPolicy(
    attempts=4, first_wait=timedelta(seconds=20), longest_wait=timedelta(minutes=5)
)
UNDELIVERABLE_ALERT = "notification_undeliverable"
MAX_CHANNELS = 5
HTTP_TIMEOUT_SECONDS = 20

BAD_EMAIL = _("Enter an e-mail address such as name@example.org.")
BAD_URL = _(
    "Enter the address of the service, starting with https:// (or http:// on your own network)."
)
BAD_NUMBER = _("Enter a phone number in international form, such as +31612345678.")
TOO_MANY = _("You have five channels already; remove one first.")
NO_SUCH_CHANNEL = _("There is no such channel.")
NO_SMTP = _("This server sends no e-mail: ask the person who runs it to set CORRIDOR_SMTP_HOST.")

_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")


class DeliveryFailed(Exception):
    """The channel's service did not take the message (its text carries no address)."""


# ---------------------------------------------------------------- channels
def list_channels(staff: Staff) -> QuerySet[NotificationChannel]:
    return NotificationChannel.objects.filter(staff=staff).order_by("created_at")


def clean_target(
    kind: str, *, address: str, number: str = "", recipient: str = "", openpgp_key: str = ""
) -> dict[str, str]:
    """The target of a channel of `kind`, checked; InvalidInput says what to fix. An e-mail
    channel may carry its owner's OpenPGP public key (checked with gpg, sealed with the
    address): its messages are then sent encrypted to that key, or not at all."""
    address = address.strip()
    if kind == ChannelKind.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise InvalidInput(str(BAD_EMAIL)) from None
        if not settings.CORRIDOR_SMTP.host:
            raise InvalidInput(str(NO_SMTP))
        if openpgp_key.strip():
            return {"address": address, "openpgp_key": openpgp.check_public_key(openpgp_key)}
        return {"address": address}
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(address) > 500:
        raise InvalidInput(str(BAD_URL))
    if kind in (ChannelKind.NTFY, ChannelKind.MATRIX):
        return {"url": address}
    if kind == ChannelKind.SIGNAL:
        number, recipient = number.strip(), recipient.strip()
        if not _PHONE.match(number) or not _PHONE.match(recipient):
            raise InvalidInput(str(BAD_NUMBER))
        return {"url": address.rstrip("/"), "number": number, "recipient": recipient}
    raise InvalidInput(str(BAD_URL))


def add_channel(*, actor: Staff, kind: str, target: dict[str, str]) -> NotificationChannel:
    """Register a channel of one's own (`target` from clean_target); audited by kind only."""
    if list_channels(actor).count() >= MAX_CHANNELS:
        raise InvalidInput(str(TOO_MANY))
    channel_id = uuid.uuid4()
    key = vault_keys.create_data_key(
        owner=KeyOwner(kind="channel", object_id=str(channel_id), staff_id=actor.pk)
    )
    with transaction.atomic():
        channel = NotificationChannel(id=channel_id, staff=actor, kind=kind)
        seal_field(channel, "target", dict(target), key=key)
        channel.save()
        record_security_event(
            actor=actor,
            event=EventType.CHANNEL_ADDED,
            subject_id=actor.pk,
            detail={"channel": str(channel.pk), "kind": kind},
        )
    return channel


def _own_channel(actor: Staff, channel_id: str) -> NotificationChannel:
    try:
        key = uuid.UUID(str(channel_id))
    except ValueError:
        raise NotAllowed(str(NO_SUCH_CHANNEL)) from None
    channel = NotificationChannel.objects.filter(pk=key, staff=actor).first()
    if channel is None:
        raise NotAllowed(str(NO_SUCH_CHANNEL))
    return channel


def remove_channel(*, actor: Staff, channel_id: str) -> None:
    """Remove one of one's own channels and shred its address's key."""
    channel = _own_channel(actor, channel_id)
    key_id = channel.key_id
    with transaction.atomic():
        record_security_event(
            actor=actor,
            event=EventType.CHANNEL_REMOVED,
            subject_id=actor.pk,
            detail={"channel": str(channel.pk), "kind": channel.kind},
        )
        channel.delete()
        if key_id is not None:
            transaction.on_commit(lambda: vault_keys.destroy_data_key(key_id))


@transaction.atomic
def send_test(*, actor: Staff, channel_id: str) -> Notification:
    """ "Send me a test": a test notification to one of one's own channels, through the
    same queue and retries as a real one."""
    channel = _own_channel(actor, channel_id)
    return queue_notification(channel, kind=NotificationClass.TEST)


def queue_notification(
    channel: NotificationChannel, *, kind: str, page: Page | None = None, count: int = 0
) -> Notification:
    """A notification to `channel`, delivered by the worker once the transaction commits."""
    notification = Notification.objects.create(
        channel=channel, staff_id=channel.staff_id, kind=kind, page=page, count=count
    )
    enqueue_on_commit(deliver_notification, str(notification.pk))
    return notification


def notify_staff(staff: Staff, *, kind: str, page: Page | None = None, count: int = 0) -> int:
    """Queue a notification of `kind` to each of `staff`'s channels; how many."""
    channels = list(list_channels(staff))
    for channel in channels:
        queue_notification(channel, kind=kind, page=page, count=count)
    return len(channels)


def last_results(staff: Staff) -> dict[uuid.UUID, Notification]:
    """Each channel's latest notification (for "sent", "waiting", "could not be delivered")."""
    latest: dict[uuid.UUID, Notification] = {}
    for row in Notification.objects.filter(staff=staff).order_by("created_at"):
        latest[row.channel_id] = row
    return latest


# ---------------------------------------------------------------- the words
def compose(notification: Notification) -> str:
    """The whole text that leaves the server: an urgency and a count, in the person's
    language. Nothing else is available to this function."""
    language = notification.staff.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        if notification.kind == NotificationClass.TEST:
            return gettext("Corridor: this is a test. Nothing needs your attention.")
        if notification.kind == NotificationClass.DIGEST:
            count = notification.count or _open_count(notification.staff, urgent=False)
            return ngettext(
                "Corridor: %(count)d item is waiting — open Corridor when you can.",
                "Corridor: %(count)d items are waiting — open Corridor when you can.",
                count,
            ) % {"count": count}
        count = max(_open_count(notification.staff, urgent=True), 1)
        return ngettext(
            "Corridor: %(count)d urgent item — open Corridor.",
            "Corridor: %(count)d urgent items — open Corridor.",
            count,
        ) % {"count": count}


def _open_count(staff: Staff, *, urgent: bool) -> int:
    from corridor.accounts.oncall import URGENT_CODES

    alerts = StaffAlert.objects.filter(
        staff=staff, dismissed_at__isnull=True, acknowledged_at__isnull=True
    )
    if urgent:
        return alerts.filter(code__in=URGENT_CODES).count()
    return alerts.exclude(code__in=URGENT_CODES).count()


# ---------------------------------------------------------------- delivery
@corridor_task(retry=DELIVERY_RETRY)
def deliver_notification(notification_id: str) -> None:
    deliver(notification_id)


def deliver(notification_id: str) -> None:
    """Send one notification (safe to run twice: a sent one is not sent again). A failed
    attempt raises DeliveryFailed for the queue to retry; after the last one the
    coordinators get an in-app alert instead."""
    notification = (
        Notification.objects.select_related("channel", "staff", "page")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.sent_at or notification.given_up_at:
        return
    page = notification.page
    if page is not None and page.acknowledged_at is not None:
        return  # someone took it before this was sent: waking more people helps nobody
    channel = notification.channel
    if channel.key_id is None or channel.target is None:
        return
    target = access_channel_target(channel)
    text = compose(notification)
    try:
        SENDERS[channel.kind](target, text, notification.kind)
    except (
        DeliveryFailed,
        openpgp.EncryptionFailed,
        OSError,
        smtplib.SMTPException,
        ValueError,
        KeyError,
    ):
        if _count_failure(notification):
            raise DeliveryFailed(channel.kind) from None
        return
    with transaction.atomic():
        notification.attempts += 1
        notification.sent_at = clock.now()
        notification.save(update_fields=["attempts", "sent_at"])
        record_security_event(
            actor=WORKER,
            event=EventType.NOTIFICATION_SENT,
            subject_id=notification.staff_id,
            detail={
                "notification": str(notification.pk),
                "channel_kind": channel.kind,
                "class": notification.kind,
            },
        )


@transaction.atomic
def _count_failure(notification: Notification) -> bool:
    """Count a failed attempt; True if the queue should try again."""
    notification.attempts += 1
    if notification.attempts < DELIVERY_RETRY.attempts:
        notification.save(update_fields=["attempts"])
        return True
    notification.given_up_at = clock.now()
    notification.save(update_fields=["attempts", "given_up_at"])
    record_security_event(
        actor=WORKER,
        event=EventType.NOTIFICATION_GIVEN_UP,
        subject_id=notification.staff_id,
        detail={
            "notification": str(notification.pk),
            "channel_kind": notification.channel.kind,
            "class": notification.kind,
        },
    )
    if notification.kind != NotificationClass.TEST:
        alert_coordinators_once(code=UNDELIVERABLE_ALERT)
    return False


def _send_email(target: dict[str, str], text: str, kind: str) -> None:
    smtp = settings.CORRIDOR_SMTP
    if not smtp.host:
        raise DeliveryFailed("no SMTP host")
    message: Message
    if target.get("openpgp_key"):
        # PGP/MIME (RFC 3156); if gpg fails this raises and nothing leaves in the clear.
        message = openpgp.pgp_mime(text, target["openpgp_key"])
    else:
        message = EmailMessage()
        message.set_content(text + "\n")
    # The subject is the same content-free line: mail clients show it before decrypting.
    message["Subject"] = text
    message["From"] = smtp.sender or f"corridor@{smtp.host}"
    message["To"] = target["address"]
    with smtplib.SMTP(smtp.host, smtp.port, timeout=HTTP_TIMEOUT_SECONDS) as client:
        if smtp.starttls:
            context = ssl.create_default_context(cafile=smtp.ca_file or None)
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password)
        client.send_message(message)


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryFailed("not http")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise DeliveryFailed(str(response.status))
    except urllib.error.URLError:
        raise DeliveryFailed("unreachable") from None


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _send_ntfy(target: dict[str, str], text: str, kind: str) -> None:
    """ntfy: the text as the body, the urgency as its priority (5 wakes the phone)."""
    priority = {"urgent": "5", "digest": "2"}.get(kind, "3")
    _post(
        target["url"],
        text.encode("utf-8"),
        {
            "Title": "Corridor",
            "Priority": priority,
            "Tags": "warning" if kind == "urgent" else "bell",
        },
    )


def _send_matrix(target: dict[str, str], text: str, kind: str) -> None:
    """A Matrix webhook bridge (matrix-hookshot's generic webhooks): {"text", "username"}."""
    _post(
        target["url"],
        _json({"text": text, "username": "Corridor"}),
        {"Content-Type": "application/json"},
    )


def _send_signal(target: dict[str, str], text: str, kind: str) -> None:
    """signal-cli's REST API: POST /v2/send with the sending number and the recipient."""
    _post(
        target["url"] + "/v2/send",
        _json({"message": text, "number": target["number"], "recipients": [target["recipient"]]}),
        {"Content-Type": "application/json"},
    )


SENDERS = {
    ChannelKind.EMAIL.value: _send_email,
    ChannelKind.NTFY.value: _send_ntfy,
    ChannelKind.MATRIX.value: _send_matrix,
    ChannelKind.SIGNAL.value: _send_signal,
}
