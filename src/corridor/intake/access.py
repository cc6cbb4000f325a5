"""Protected reads of requests and threads: the only way to their plaintext.

    request = access_request_by_id(staff, request_id)          # who may, no decryption
    opened = access_opened_request_by_id(staff, request_id)    # decrypts, records the read
    thread = access_thread_by_session(requester, session, holder=cookie_key)
    answers = access_request_answers(actor, request, purpose="decision")  # services' reads
    facts = access_request_facts(actor, request)             # a candidate's, to compare

The services that decide, carry, screen and search read through the last functions here:
each records `intake.request_processed` (or `intake.watchlist_read`) in the transaction
that opens the value. Not `request_read`, which counts toward the insider alert: these
reads show nothing, and the page reads and searches that lead to them are counted. Only
`access` modules (and the vault) may import `vault.opening`; an import contract enforces it.

Missing and forbidden raise the same RequestNotFound; a forbidden attempt on a request
that exists is recorded as `accounts.access_denied` in a transaction of its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.services.insider import check_openings
from corridor.core import clock
from corridor.core.actors import Actor, RequesterActor
from corridor.intake.errors import RequesterSessionGone, RequestNotFound, WatchlistForbidden
from corridor.intake.models import Author, Message, Request, RequesterSession, Stage, WatchEntry
from corridor.intake.screening.facts import Facts
from corridor.intake.selectors import active_codename, requests_visible_to
from corridor.vault import keys as vault_keys
from corridor.vault.errors import DecryptionFailed, InputRejected, KeyDestroyed, KeyNotFound
from corridor.vault.fields import JSONValue
from corridor.vault.opening import open_field
from corridor.vault.requester import RequesterKey, open_for_requester, release_requester_key


@dataclass(frozen=True)
class ThreadEntry:
    """One message as its reader sees it."""

    from_team: bool
    sent_on: date
    text: str | None
    new: bool


@dataclass(frozen=True)
class OpenedRequest:
    """A request's answers and thread, decrypted for one staff member's page."""

    request: Request
    answers: dict[str, JSONValue]
    thread: list[ThreadEntry]
    reachable: bool


@dataclass(frozen=True)
class RequesterThread:
    """What the requester sees: when they wrote, and the messages both ways."""

    received_on: date
    thread: list[ThreadEntry]


def access_request_by_id(actor: Staff, request_id: uuid.UUID | str) -> Request:
    """The request, if `actor` may open it; RequestNotFound otherwise (or if missing)."""
    try:
        wanted = uuid.UUID(str(request_id))
    except ValueError:
        raise RequestNotFound from None
    request = requests_visible_to(actor).filter(pk=wanted).first()
    if request is not None:
        return request
    if Request.objects.filter(pk=wanted).exists():
        with transaction.atomic():
            record_event(
                actor=actor,
                event=EventType.ACCESS_DENIED,
                object_type=ObjectType.REQUEST,
                object_id=str(wanted),
            )
    raise RequestNotFound


def access_opened_request_by_id(actor: Staff, request_id: uuid.UUID | str) -> OpenedRequest:
    """The decrypted answers and thread of an opened request; the read is recorded and
    the requester's messages count as read by the team from now on."""
    request = access_request_by_id(actor, request_id)
    if request.key_id is None or request.answers is None:
        raise RequestNotFound
    key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    answers = open_field(request.answers, key=key)
    messages = list(_thread_rows(request))
    thread = [
        ThreadEntry(
            from_team=message.author == Author.TEAM,
            sent_on=message.sent_on,
            # Still in its intake box: filed under the request key on the next page load.
            text=open_field(message.body, key=key) if message.body is not None else "",
            new=message.author == Author.REQUESTER and message.read_by_team_at is None,
        )
        for message in messages
    ]
    with transaction.atomic():
        Message.objects.filter(
            request=request, author=Author.REQUESTER, read_by_team_at__isnull=True
        ).update(read_by_team_at=clock.now())
        record_event(
            actor=actor,
            event=EventType.REQUEST_READ,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
            detail={"messages": len(thread)},
        )
        # The read just recorded counts toward the insider alert, as a case opening does.
        check_openings(actor)
    return OpenedRequest(
        request=request,
        answers=answers if isinstance(answers, dict) else {},
        thread=thread,
        reachable=active_codename(request.id) is not None,
    )


def access_thread_by_session(
    actor: RequesterActor, session: RequesterSession, *, holder: bytes
) -> RequesterThread:
    """The requester's own thread, opened with the key their session holds; the read is
    recorded (by day) and the team's replies count as read from now on."""
    if session.stage == Stage.CODENAME_DUE or session.held_key is None:
        raise RequesterSessionGone
    try:
        key = release_requester_key(bytes(session.held_key), holder=holder, binding=session.digest)
    except (DecryptionFailed, InputRejected):
        # A cookie from another session, or a tampered one: ask for the codename again.
        raise RequesterSessionGone from None
    thread = [
        ThreadEntry(
            from_team=message.author == Author.TEAM,
            sent_on=message.sent_on,
            text=_open_own_copy(key, message.for_requester),
            new=message.author == Author.TEAM and message.read_by_requester_at is None,
        )
        for message in _thread_rows(session.request)
    ]
    with transaction.atomic():
        Message.objects.filter(
            request_id=session.request_id, author=Author.TEAM, read_by_requester_at__isnull=True
        ).update(read_by_requester_at=clock.now())
        record_event(
            actor=actor,
            event=EventType.THREAD_READ,
            object_type=ObjectType.REQUEST,
            object_id=str(session.request_id),
        )
    return RequesterThread(received_on=session.request.received_on, thread=thread)


@dataclass(frozen=True)
class OpenedWatchEntry:
    """One watchlist entry as a coordinator reads it."""

    entry: WatchEntry
    details: dict[str, JSONValue]


def check_watchlist_access(actor: Staff) -> None:
    """WatchlistForbidden unless `actor` is a coordinator; a refusal is recorded."""
    if Role.COORDINATOR in roles_of(actor):
        return
    with transaction.atomic():
        record_event(actor=actor, event=EventType.ACCESS_DENIED, object_type=ObjectType.WATCHLIST)
    raise WatchlistForbidden


def access_watchlist(actor: Staff) -> list[OpenedWatchEntry]:
    """Every current entry, decrypted for a coordinator; the read is recorded."""
    check_watchlist_access(actor)
    opened: list[OpenedWatchEntry] = []
    for entry in WatchEntry.objects.filter(removed_at__isnull=True).order_by("-created_at"):
        if entry.key_id is None or entry.details is None:
            continue
        key = vault_keys.data_key(entry.key_id, for_actor=actor.actor_id, case_id=str(entry.id))
        details = open_field(entry.details, key=key)
        opened.append(OpenedWatchEntry(entry, details if isinstance(details, dict) else {}))
    with transaction.atomic():
        record_event(
            actor=actor,
            event=EventType.WATCHLIST_READ,
            object_type=ObjectType.WATCHLIST,
            detail={"entries": len(opened)},
        )
    return opened


def access_request_answers(
    actor: Actor, request: Request, *, purpose: str
) -> dict[str, JSONValue] | None:
    """A request's answers for a service that acts on them (`purpose`: decision, carrying);
    None when erased. The caller has checked that `actor` may act on the request."""
    if request.key_id is None or request.answers is None:
        return None
    key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    with transaction.atomic():
        answers = open_field(request.answers, key=key)
        _record_request_processed(actor, request, purpose=purpose)
    return answers if isinstance(answers, dict) else {}


def access_request_for_screening(
    actor: Actor, request: Request
) -> tuple[dict[str, JSONValue], list[str]] | None:
    """The answers and the requester's own messages of a request being screened; None
    when erased before it was screened."""
    if request.key_id is None or request.answers is None:
        return None
    key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    with transaction.atomic():
        answers = open_field(request.answers, key=key)
        texts = [
            str(open_field(message.body, key=key))
            for message in Message.objects.filter(request=request, author=Author.REQUESTER)
            if message.body is not None
        ]
        _record_request_processed(actor, request, purpose="screening", messages=len(texts))
    return (answers if isinstance(answers, dict) else {}), texts


def access_request_facts(actor: Actor, request: Request) -> Facts | None:
    """A candidate request's facts, to compare with a search or a new request; None when
    erased (meanwhile) or never given."""
    if request.key_id is None or request.facts is None:
        return None
    try:
        key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    except (KeyDestroyed, KeyNotFound):
        return None  # erased meanwhile: nothing left to compare
    with transaction.atomic():
        facts = Facts.from_json(open_field(request.facts, key=key))
        _record_request_processed(actor, request, purpose="comparison")
    return facts


def access_watch_entry_details(actor: Actor, entry: WatchEntry) -> dict[str, JSONValue] | None:
    """One watchlist entry's details, to compare with a request being screened."""
    if entry.key_id is None or entry.details is None:
        return None
    key = vault_keys.data_key(entry.key_id, for_actor=actor.actor_id, case_id=str(entry.id))
    with transaction.atomic():
        details = open_field(entry.details, key=key)
        record_event(
            actor=actor,
            event=EventType.WATCHLIST_READ,
            object_type=ObjectType.WATCH_ENTRY,
            object_id=str(entry.id),
            detail={"entries": 1, "purpose": "screening"},
        )
    return details if isinstance(details, dict) else {}


def _record_request_processed(
    actor: Actor, request: Request, *, purpose: str, messages: int = 0
) -> None:
    detail: dict[str, str | int] = {"purpose": purpose}
    if messages:
        detail["messages"] = messages
    record_event(
        actor=actor,
        event=EventType.REQUEST_PROCESSED,
        object_type=ObjectType.REQUEST,
        object_id=str(request.id),
        detail=detail,
    )


def _open_own_copy(key: RequesterKey, sealed: bytes | memoryview | None) -> str | None:
    """The requester's copy, or None if there is none (a message recorded by the hotline)
    or it was sealed to a codename since replaced."""
    if sealed is None:
        return None
    try:
        return open_for_requester(key, bytes(sealed)).decode("utf-8")
    except DecryptionFailed:
        return None


def _thread_rows(request: Request) -> QuerySet[Message]:
    return Message.objects.filter(request=request).order_by("position")
