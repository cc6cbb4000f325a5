"""Opening a request, and messages sealed twice: the team reads its copy through the request
key (and every read is recorded); the requester's copy opens only with the codename."""

from __future__ import annotations

import json
import secrets

import pytest

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.intake.access import (
    access_opened_request_by_id,
    access_request_by_id,
    access_thread_by_session,
)
from corridor.intake.errors import (
    FormAlreadyUsed,
    MessageInvalid,
    NoCodename,
    RequesterSessionGone,
    RequestNotFound,
    TooManyAttempts,
)
from corridor.intake.models import Author, Message, Request, RequesterSession
from corridor.intake.selectors import count_unread_requests, list_inbox
from corridor.intake.services.messages import (
    file_requester_messages,
    send_requester_message,
    send_team_reply,
)
from corridor.intake.services.opening import open_request
from corridor.vault.keystore import get_wrapped_key
from corridor.vault.models import Purpose
from corridor.vault.requester import derive_codename, open_for_requester, seal_for_requester
from tests.factories import (
    REQUESTER,
    new_digest,
    new_token,
    receive_request,
    staff_with,
    write,
)
from tests.portal_helpers import INTAKE_TABLES, raw_rows

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def say(written, text: str, token: str | None = None) -> Message:
    return send_requester_message(
        actor=REQUESTER,
        session=written.session,
        holder=written.holder,
        text=text,
        form_token=token or new_token(),
    )


def test_opening_reseals_under_a_request_key_and_deletes_the_box(vault_keys, fast_kdf, verifier):
    written = write(story="Мне нужна помощь", region="Север")
    request = open_request(actor=verifier, request_id=written.request.id)
    stored = Request.objects.get(pk=request.pk)
    assert stored.sealed_answers is None
    assert stored.sealed_to is None
    assert stored.key_id is not None
    assert stored.opened_at is not None
    assert get_wrapped_key(stored.key_id, purpose=Purpose.DATA)
    opened = access_opened_request_by_id(verifier, request.id)
    assert opened.answers == {"region": "Север", "story": "Мне нужна помощь"}
    event = AuditEntry.objects.get(event_type=EventType.INTAKE_OPENED.value)
    assert json.loads(event.detail)["data_key"] == str(stored.key_id)
    assert event.actor == verifier.actor_id


def test_opening_twice_changes_nothing(vault_keys, fast_kdf, verifier):
    written = write()
    first = open_request(actor=verifier, request_id=written.request.id)
    second = open_request(actor=verifier, request_id=written.request.id)
    assert first.key_id == second.key_id
    assert AuditEntry.objects.filter(event_type=EventType.INTAKE_OPENED.value).count() == 1


def test_every_read_of_a_request_is_recorded(vault_keys, fast_kdf, verifier):
    written = write()
    open_request(actor=verifier, request_id=written.request.id)
    access_opened_request_by_id(verifier, written.request.id)
    access_opened_request_by_id(verifier, written.request.id)
    reads = AuditEntry.objects.filter(event_type=EventType.REQUEST_READ.value)
    assert reads.count() == 2
    assert {entry.actor for entry in reads} == {verifier.actor_id}


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.AUDITOR, Role.ADMIN, Role.HOTLINE_OPERATOR])
def test_other_roles_cannot_open_portal_requests_and_the_attempt_is_recorded(
    vault_keys, fast_kdf, role
):
    written = write()
    staff = staff_with(role)
    with pytest.raises(RequestNotFound):
        open_request(actor=staff, request_id=written.request.id)
    with pytest.raises(RequestNotFound):
        access_opened_request_by_id(staff, written.request.id)
    denied = AuditEntry.objects.filter(event_type=EventType.ACCESS_DENIED.value)
    assert denied.count() == 2
    assert {entry.object_id for entry in denied} == {str(written.request.id)}
    assert list(list_inbox(staff)) == []


def test_missing_and_forbidden_look_the_same(vault_keys, fast_kdf, verifier):
    with pytest.raises(RequestNotFound):
        access_request_by_id(verifier, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(RequestNotFound):
        access_request_by_id(verifier, "not-a-uuid")
    assert not AuditEntry.objects.filter(event_type=EventType.ACCESS_DENIED.value).exists()


def test_a_hotline_operator_sees_the_requests_they_recorded(vault_keys, fast_kdf):
    operator = staff_with(Role.HOTLINE_OPERATOR)
    written = write()
    Request.objects.filter(pk=written.request.pk).update(recorded_by=operator)
    assert access_request_by_id(operator, written.request.id).pk == written.request.pk
    assert [row.pk for row in list_inbox(operator)] == [written.request.pk]


def test_a_message_is_sealed_for_the_team_and_for_the_requester(
    vault_keys, fast_kdf, verifier, canary
):
    """The server can file the team's copy; the requester's copy needs the codename."""
    written = write()
    message = say(written, f"Где вы? {canary}")
    assert canary.encode() not in raw_rows(*INTAKE_TABLES)
    stored = Message.objects.get(pk=message.pk)
    assert stored.author == Author.REQUESTER
    assert stored.sealed_body is not None
    assert stored.body is None
    mine = open_for_requester(derive_codename(written.codename).key, bytes(stored.for_requester))
    assert mine.decode() == f"Где вы? {canary}"
    open_request(actor=verifier, request_id=written.request.id)
    thread = access_opened_request_by_id(verifier, written.request.id).thread
    assert [(entry.from_team, entry.text) for entry in thread] == [(False, f"Где вы? {canary}")]
    assert Message.objects.get(pk=message.pk).sealed_body is None


def test_messages_after_opening_are_filed_under_the_request_key(vault_keys, fast_kdf, verifier):
    written = write()
    open_request(actor=verifier, request_id=written.request.id)
    say(written, "ещё одно")
    assert file_requester_messages(actor=verifier, request_id=written.request.id) == 1
    assert file_requester_messages(actor=verifier, request_id=written.request.id) == 0
    thread = access_opened_request_by_id(verifier, written.request.id).thread
    assert [entry.text for entry in thread] == ["ещё одно"]


def test_the_team_reply_reaches_the_requester_and_nobody_else(
    vault_keys, fast_kdf, verifier, canary
):
    written = write()
    open_request(actor=verifier, request_id=written.request.id)
    send_team_reply(actor=verifier, request_id=written.request.id, text=f"Ответ {canary}")
    assert canary.encode() not in raw_rows(*INTAKE_TABLES)
    thread = access_thread_by_session(REQUESTER, written.session, holder=written.holder)
    assert [(entry.from_team, entry.text, entry.new) for entry in thread.thread] == [
        (True, f"Ответ {canary}", True)
    ]
    again = access_thread_by_session(REQUESTER, written.session, holder=written.holder)
    assert [entry.new for entry in again.thread] == [False]
    with pytest.raises(RequesterSessionGone):
        access_thread_by_session(REQUESTER, written.session, holder=secrets.token_bytes(32))
    assert AuditEntry.objects.filter(event_type=EventType.THREAD_READ.value).count() == 2
    assert AuditEntry.objects.filter(event_type=EventType.REPLY_SENT.value).count() == 1


def test_a_reply_needs_an_opened_request_with_a_codename(vault_keys, fast_kdf, verifier):
    written = write()
    with pytest.raises(MessageInvalid):
        send_team_reply(actor=verifier, request_id=written.request.id, text="рано")
    digest = new_digest()
    bare = receive_request("s", digest=digest)
    open_request(actor=verifier, request_id=bare.id)
    with pytest.raises(NoCodename):
        send_team_reply(actor=verifier, request_id=bare.id, text="ответ")


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 4001])
def test_empty_or_oversized_messages_are_refused(vault_keys, fast_kdf, text):
    written = write()
    with pytest.raises(MessageInvalid):
        say(written, text)
    assert not Message.objects.exists()


def test_a_message_form_sent_twice_is_stored_once(vault_keys, fast_kdf):
    written = write()
    token = new_token()
    say(written, "один раз", token)
    with pytest.raises(FormAlreadyUsed):
        say(written, "один раз", token)
    assert Message.objects.count() == 1


def test_positions_keep_the_thread_in_order(vault_keys, fast_kdf, verifier):
    written = write()
    open_request(actor=verifier, request_id=written.request.id)
    say(written, "1")
    send_team_reply(actor=verifier, request_id=written.request.id, text="2")
    say(written, "3")
    thread = access_thread_by_session(REQUESTER, written.session, holder=written.holder)
    assert [entry.text for entry in thread.thread] == ["1", "2", "3"]
    assert list(Message.objects.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_unread_counts_for_the_team(vault_keys, fast_kdf, verifier):
    written = write()
    assert count_unread_requests(verifier) == 1  # not opened yet
    open_request(actor=verifier, request_id=written.request.id)
    access_opened_request_by_id(verifier, written.request.id)
    assert count_unread_requests(verifier) == 0
    say(written, "a")
    say(written, "b")
    row = list_inbox(verifier).get()
    assert (row.unread, row.message_count) == (2, 2)
    assert count_unread_requests(verifier) == 1
    file_requester_messages(actor=verifier, request_id=written.request.id)
    access_opened_request_by_id(verifier, written.request.id)
    assert list_inbox(verifier).get().unread == 0


def test_a_requester_is_limited_in_messages(vault_keys, fast_kdf, settings):
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "message_session": (2, 3600),
    }
    written = write()
    say(written, "1")
    say(written, "2")
    with pytest.raises(TooManyAttempts):
        say(written, "3")


def test_a_message_needs_the_cookie_key(vault_keys, fast_kdf):
    written = write()
    with pytest.raises(RequesterSessionGone):
        send_requester_message(
            actor=REQUESTER,
            session=written.session,
            holder=secrets.token_bytes(32),
            text="x",
            form_token=new_token(),
        )
    session = RequesterSession.objects.get(pk=written.session.pk)
    session.held_key = None
    with pytest.raises(RequesterSessionGone):
        send_requester_message(
            actor=REQUESTER, session=session, holder=written.holder, text="x", form_token="t"
        )


def test_an_unopened_request_has_no_contents_to_read(vault_keys, fast_kdf, verifier):
    written = write()
    with pytest.raises(RequestNotFound):
        access_opened_request_by_id(verifier, written.request.id)
    assert file_requester_messages(actor=verifier, request_id=written.request.id) == 0


def test_a_copy_the_codename_cannot_open_is_shown_as_unavailable(vault_keys, fast_kdf, verifier):
    """A copy sealed to an earlier codename, or none at all, never breaks the thread."""
    written = write()
    open_request(actor=verifier, request_id=written.request.id)
    send_team_reply(actor=verifier, request_id=written.request.id, text="старый")
    say(written, "без копии")
    other = derive_codename("камень " + written.codename).key
    Message.objects.filter(author=Author.TEAM).update(
        for_requester=seal_for_requester(other.public_key, b"x")
    )
    Message.objects.filter(author=Author.REQUESTER).update(for_requester=None)
    thread = access_thread_by_session(REQUESTER, written.session, holder=written.holder)
    assert [entry.text for entry in thread.thread] == [None, None]


def test_a_request_opened_meanwhile_is_not_opened_twice(vault_keys, fast_kdf, verifier):
    """Two people press "open" at once: the second finds it opened and its spare key is
    destroyed, so only one data key seals the request."""
    from corridor.intake.services import opening
    from corridor.vault.models import DestroyedKey

    written = write()
    stale = Request.objects.get(pk=written.request.pk)
    open_request(actor=verifier, request_id=written.request.id)
    first_key = Request.objects.get(pk=written.request.pk).key_id
    real_access = opening.access_request_by_id
    opening.access_request_by_id = lambda actor, request_id: stale
    try:
        again = open_request(actor=verifier, request_id=written.request.id)
    finally:
        opening.access_request_by_id = real_access
    assert again.key_id == first_key
    assert DestroyedKey.objects.count() == 1


def test_a_box_that_is_not_the_portals_format_is_refused(vault_keys, fast_kdf, verifier):
    from corridor.vault.errors import DecryptionFailed
    from corridor.vault.intake import seal_for_intake

    written = write()
    Request.objects.filter(pk=written.request.pk).update(
        sealed_answers=seal_for_intake(b"not json", str(written.request.pk))
    )
    with pytest.raises(DecryptionFailed):
        open_request(actor=verifier, request_id=written.request.id)
    assert Request.objects.get(pk=written.request.pk).sealed_answers is not None
