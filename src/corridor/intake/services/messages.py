"""Messages in a request's thread, each sealed twice: for the team and for the requester.

    send_requester_message(actor=requester, session=session, holder=cookie_key,
                           text="...", form_token=token)
    send_team_reply(actor=verifier, request_id=request.id, text="...")

The portal seals the team's copy to the intake key (it holds no data key); the team's
first read files it under the request's key (`file_requester_messages`). The
requester's copy is sealed to their codename's public key: without the codename, a
seized server cannot read it.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.accounts.alerts import alert_coordinators
from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case
from corridor.cases.services import safety
from corridor.core import clock
from corridor.core.actors import RequesterActor
from corridor.core.exceptions import KeyFailure
from corridor.core.key_failure_reports import report_key_failure
from corridor.intake.access import access_request_by_id
from corridor.intake.errors import MessageInvalid, NoCodename, RequesterSessionGone
from corridor.intake.models import Author, Message, Request, RequesterSession, Stage, Status
from corridor.intake.selectors import active_codename
from corridor.intake.services._common import spend_form_token, start_of_today, take_or_refuse
from corridor.intake.throttles import session_bucket
from corridor.vault import keys as vault_keys
from corridor.vault.errors import DecryptionFailed, InputRejected, VaultError
from corridor.vault.fields import seal_field
from corridor.vault.intake import intake_key_of, seal_for_intake
from corridor.vault.providers import key_provider
from corridor.vault.requester import release_requester_key, seal_for_requester

MESSAGE_EMPTY = _("Write something before sending.")
MESSAGE_TOO_LONG = ngettext_lazy(
    "A message can be at most %(limit)s character long.",
    "A message can be at most %(limit)s characters long.",
    "limit",
)
NOT_OPENED = _("Open the request before replying.")
NO_CODENAME = _(
    "This person has no codename yet, so a reply cannot reach them here. Use the contact "
    "they gave, if it is safe."
)


FROZEN = _("This request is frozen until a second person reviews it; no replies go out.")
NAMES_STAFF = _(
    "While a request is accepted provisionally, replies name no member of staff and no "
    "address. Remove the name and send again."
)


def names_staff(text: str) -> bool:
    """True if `text` contains the login name of any active member of staff."""
    words = {word.lower() for word in re.findall(r"[\w.@-]+", text)}
    usernames = Staff.objects.filter(is_active=True).values_list("username", flat=True)
    return any(username.lower() in words for username in usernames)


def check_message_text(text: str) -> str:
    """The text to store, or MessageInvalid naming what to fix."""
    cleaned = text.strip() if isinstance(text, str) else ""
    if not cleaned:
        raise MessageInvalid(str(MESSAGE_EMPTY))
    limit = int(settings.CORRIDOR_PORTAL_MESSAGE_LIMIT)
    if len(cleaned) > limit:
        raise MessageInvalid(str(MESSAGE_TOO_LONG % {"limit": limit}))
    return cleaned


def send_requester_message(
    *,
    actor: RequesterActor,
    session: RequesterSession,
    holder: bytes,
    text: str,
    form_token: str,
) -> Message:
    """Store a message from the requester in their thread (once their codename is shown)."""
    if session.stage == Stage.CODENAME_DUE or session.held_key is None:
        raise RequesterSessionGone
    body = check_message_text(text)
    take_or_refuse(
        [session_bucket("message", session.digest)], limit="message", source=actor.source
    )
    try:
        key = release_requester_key(bytes(session.held_key), holder=holder, binding=session.digest)
    except (DecryptionFailed, InputRejected):
        raise RequesterSessionGone from None
    message_id = uuid.uuid4()
    # Who can decrypt: the key provider (team copy) and the codename's holder (theirs).
    for_team = seal_for_intake(body.encode("utf-8"), str(message_id))
    for_requester = seal_for_requester(key.public_key, body.encode("utf-8"))
    day = start_of_today()
    with transaction.atomic():
        spend_form_token(form_token)
        message = Message.objects.create(
            id=message_id,
            request_id=session.request_id,
            position=_next_position(session.request_id),
            author=Author.REQUESTER,
            sent_on=day.date(),
            sealed_body=for_team,
            sealed_to=intake_key_of(for_team),
            for_requester=for_requester,
            read_by_requester_at=clock.now(),
            created_at=day,
            updated_at=day,
        )
        record_event(
            actor=actor,
            event=EventType.MESSAGE_RECEIVED,
            object_type=ObjectType.REQUEST,
            object_id=str(session.request_id),
            detail={"message": str(message.id)},
        )
        _hear(actor, session.request_id, body)
    return message


def _hear(actor: RequesterActor, request_id: uuid.UUID, body: str) -> None:
    """Listen for the case's duress and check-in words in a message just stored (same
    transaction: an incident and the message are kept together). If keyd cannot give the
    blind indexes, the message is still kept and the coordinators are told it went
    unheard, so nobody relies on a check that did not run."""
    case = Case.objects.filter(
        pk=Request.objects.filter(pk=request_id).values("case_id")[:1]
    ).first()
    if case is None:
        return
    try:
        with transaction.atomic():
            safety.hear_portal_message(actor=actor, case=case, text=body)
    except (VaultError, KeyFailure) as failure:
        if isinstance(failure, KeyFailure):
            report_key_failure(failure, actor=actor, work="portal:hear_message")
        alert_coordinators(code="portal_words_unheard", case_ref=case.ref)


def send_team_reply(
    *, actor: Staff, request_id: uuid.UUID, text: str, frozen_ok: bool = False
) -> Message:
    """A reply from the team, readable by the team (request key) and the requester.

    A suspected request is frozen (only the decision's neutral message, `frozen_ok`,
    goes out); a provisional one gets isolated help only, so a reply naming a member of
    staff is refused.
    """
    request = access_request_by_id(actor, request_id)
    return send_decision_reply(actor=actor, request=request, text=text, frozen_ok=frozen_ok)


def send_decision_reply(
    *, actor: Staff, request: Request, text: str, frozen_ok: bool = False
) -> Message:
    """send_team_reply for a request `actor` may reply to: reached through
    access_request_by_id, or the message of a decision record_decision let them make
    (after accepting, a verifier off the case no longer sees the request)."""
    if request.key_id is None:
        raise MessageInvalid(str(NOT_OPENED))
    if request.status == Status.SUSPECTED and not frozen_ok:
        raise MessageInvalid(str(FROZEN))
    body = check_message_text(text)
    if request.status == Status.PROVISIONAL and names_staff(body):
        raise MessageInvalid(str(NAMES_STAFF))
    codename = active_codename(request.id)
    if codename is None:
        raise NoCodename(str(NO_CODENAME))
    key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    message = Message(
        id=uuid.uuid4(), request=request, author=Author.TEAM, sent_by=actor, sent_on=clock.today()
    )
    # Who can decrypt: staff who may open the request (its key), and the requester.
    seal_field(message, "body", body, key=key)
    message.for_requester = seal_for_requester(bytes(codename.public_key), body.encode("utf-8"))
    with transaction.atomic():
        message.position = _next_position(request.id)
        message.read_by_team_at = clock.now()
        message.save()
        record_event(
            actor=actor,
            event=EventType.REPLY_SENT,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
            detail={"message": str(message.id)},
        )
    return message


def file_requester_messages(*, actor: Staff, request_id: uuid.UUID) -> int:
    """Re-seal messages that arrived sealed to the intake key under the request's key
    (an opened request only); returns how many. The team's read follows separately."""
    request = access_request_by_id(actor, request_id)
    if request.key_id is None:
        return 0
    pending = list(request.messages.filter(sealed_body__isnull=False))
    if not pending:
        return 0
    key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    with transaction.atomic():
        for message in pending:
            file_message(message, key=key)
    return len(pending)


def file_message(message: Message, *, key: vault_keys.DataKey) -> None:
    """Move one message's team copy from its intake box to the request key (caller's
    transaction). The box's plaintext never leaves this function."""
    sealed = message.sealed_body
    if sealed is None:
        return
    text = key_provider().open_intake(bytes(sealed), str(message.id)).decode("utf-8")
    seal_field(message, "body", text, key=key)
    message.sealed_body = None
    message.sealed_to = None
    message.save(update_fields=["body", "key_id", "sealed_body", "sealed_to"])


def _next_position(request_id: uuid.UUID) -> int:
    # The request row is locked first, so two messages never take the same place.
    Request.objects.select_for_update().filter(pk=request_id).first()
    last = Message.objects.filter(request_id=request_id).aggregate(last=Max("position"))["last"]
    return (last or 0) + 1
