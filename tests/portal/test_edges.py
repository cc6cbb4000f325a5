"""The portal's less travelled paths: a sealed key service, stale or odd forms, limits on
the codename and message pages, the organisation's own wording, cookies and tokens
that are not ours."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from corridor.core import clock
from corridor.intake.models import Message, Request, RequesterSession, Stage
from corridor.intake.organisation import portal_info
from corridor.portal import forms as portal_forms
from corridor.portal import views
from corridor.portal.cookies import PortalCookie
from corridor.portal.tokens import form_token, form_token_valid
from tests.portal_helpers import STORY, Requester, ru, token_of

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def limit(settings, name: str, tokens: int) -> None:
    settings.CORRIDOR_PORTAL_RATES = {**settings.CORRIDOR_PORTAL_RATES, name: (tokens, 3600)}


def test_a_sealed_key_service_keeps_the_request_and_asks_to_reload(person, settings):
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    assert person.send_request().status_code == 303
    response = person.get("codename/")
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    assert ru(views.CODENAME_LATER) in response.content.decode()
    assert Request.objects.count() == 1
    entering = Requester().enter("облако сирень компас ладья метель 1234")
    assert entering.status_code == 503
    settings.CORRIDOR_KEY_PROVIDER = "file"
    assert person.codename()


def test_the_codename_page_after_signing_in_leads_to_the_thread(person):
    codename = person.write_and_get_codename()
    person.post("codename/", {"codename": codename}, token_from="codename/")
    response = person.get("codename/")
    assert response.status_code == 303
    assert response["Location"] == "/help/thread/"


def test_a_stale_type_back_form_is_refused_without_a_derivation(person):
    person.write_and_get_codename()
    response = person.client.post("/help/codename/", {"codename": "x", "form_token": "1.2.3"})
    assert response.status_code == 400
    assert ru(views.FORM_EXPIRED) in response.content.decode()


def test_typing_back_too_often_is_limited(person, settings):
    person.write_and_get_codename()
    limit(settings, "codename_session", 1)
    with time_machine.travel(clock.now(), tick=False):
        assert person.post("codename/", {"codename": "x"}, token_from="codename/").status_code == (
            400
        )
        refused = person.post("codename/", {"codename": "x"}, token_from="codename/")
        assert refused.status_code == 429
        new = person.post("codename/new/", {}, token_from="codename/")
        assert new.status_code == 429


def test_the_type_back_check_with_the_key_service_sealed(person, settings):
    person.write_and_get_codename()
    token = token_of(person.get("codename/").content.decode())
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    response = person.client.post("/help/codename/", {"codename": "x", "form_token": token})
    assert response.status_code == 503


def test_an_empty_or_stale_enter_form_comes_back(person):
    empty = person.post("enter/", {"codename": ""})
    assert empty.status_code == 400
    stale = person.client.post("/help/enter/", {"codename": "x", "form_token": "9.9.9"})
    assert stale.status_code == 400
    assert ru(views.FORM_EXPIRED) in stale.content.decode()


def test_entering_while_signed_in_ends_the_old_session(person):
    codename = person.write_and_get_codename()
    old = RequesterSession.objects.get().digest
    assert person.enter(codename).status_code == 303
    assert list(RequesterSession.objects.values_list("digest", flat=True)) != [old]
    assert RequesterSession.objects.count() == 1


def test_the_thread_before_a_codename_leads_to_the_codename_page(person):
    person.send_request()
    response = person.get("thread/")
    assert response.status_code == 303
    assert response["Location"] == "/help/codename/"


def test_an_unconfirmed_codename_is_pointed_out_on_the_thread(person):
    person.write_and_get_codename()
    page = person.get("thread/").content.decode()
    assert 'href="/help/codename/"' in page


@pytest.mark.parametrize(
    ("data", "notice"),
    [
        ({"message": "x", "form_token": "1.2.3"}, views.FORM_EXPIRED),
        ({"message": "Текст\x00"}, portal_forms.UNREADABLE_REMOVED),
        ({"message": "   "}, None),
    ],
)
def test_a_failed_message_comes_back_with_the_text(person, data, notice):
    person.write_and_get_codename()
    source = person.get("thread/").content.decode()
    response = person.client.post("/help/thread/", {"form_token": token_of(source), **data})
    assert response.status_code == 400
    if notice is not None:
        assert ru(notice) in response.content.decode()
    assert not Message.objects.exists()


def test_a_file_in_the_thread_is_refused(person):
    person.write_and_get_codename()
    source = person.get("thread/").content.decode()
    upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    response = person.client.post(
        "/help/thread/", {"form_token": token_of(source), "message": "фото", "file": upload}
    )
    assert response.status_code == 400
    assert ru(portal_forms.ATTACHMENTS_REFUSED) in response.content.decode()
    assert "фото" in response.content.decode()


def test_messages_are_limited_and_a_double_send_stores_once(person, settings):
    person.write_and_get_codename()
    source = person.get("thread/").content.decode()
    data = {"form_token": token_of(source), "message": "один"}
    assert person.client.post("/help/thread/", data).status_code == 303
    assert person.client.post("/help/thread/", data).status_code == 303
    assert Message.objects.count() == 1
    limit(settings, "message_session", 1)
    assert person.say("два").status_code == 303
    response = person.say("три")
    assert response.status_code == 429
    assert "три" in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_key_that_no_longer_opens_signs_out_instead_of_failing(person, method):
    person.write_and_get_codename()
    token = token_of(person.get("thread/").content.decode())
    RequesterSession.objects.update(held_key=b"\x01" + b"\x00" * 60, stage=Stage.SIGNED_IN)
    if method == "get":
        response = person.get("thread/")
    else:
        response = person.client.post("/help/thread/", {"form_token": token, "message": "x"})
    assert response.status_code == 303
    assert response["Location"] == "/help/enter/"
    assert not RequesterSession.objects.exists()
    assert not Message.objects.exists()


def test_the_organisations_own_wording(person, settings):
    (settings.CORRIDOR_DATA_DIR / "portal.json").write_text(
        json.dumps(
            {
                "addresses": ["http://example2onionaddress.onion/"],
                "other_contacts": ["Горячая линия: +7 000 000-00-00"],
                "answer_within_days": 2,
            }
        ),
        encoding="utf-8",
    )
    page = person.get().content.decode()
    assert "http://example2onionaddress.onion/" in page
    assert "Горячая линия: +7 000 000-00-00" in page
    assert portal_info().answer_within_days == 2


@pytest.mark.parametrize("text", ["{not json", '{"unknown": 1}', '{"answer_within_days": 0}'])
def test_a_malformed_portal_file_is_ignored(person, settings, text, caplog):
    (settings.CORRIDOR_DATA_DIR / "portal.json").write_text(text, encoding="utf-8")
    assert portal_info().answer_within_days == 3
    assert portal_info().addresses == ()
    assert person.get().status_code == 200
    assert "portal.json is not valid" in caplog.text


@pytest.mark.parametrize("value", ["", "short", "x" * 85, "@" * 86, "x" * 87, None])
def test_a_cookie_that_is_not_ours_is_ignored(value):
    """Only exactly two 32-byte values in URL-safe base64 are read as a portal cookie
    (a well-formed one that names no session is simply a new visitor)."""
    assert PortalCookie.parse(value) is None
    cookie = PortalCookie.new()
    assert PortalCookie.parse(cookie.value()) == cookie
    assert repr(cookie) == "<PortalCookie>"


def test_form_tokens_are_bound_to_cookie_purpose_and_time():
    cookie = PortalCookie.new()
    token = form_token(cookie, "request", now=1_000_000)
    assert form_token_valid(cookie, "request", token, now=1_000_100)
    assert not form_token_valid(cookie, "message", token, now=1_000_100)
    assert not form_token_valid(PortalCookie.new(), "request", token, now=1_000_100)
    assert not form_token_valid(cookie, "request", token, now=1_000_000 + 2 * 86400)
    assert not form_token_valid(cookie, "request", token, now=999_000)
    for bad in ("", "a.b.c", "1.2", "x" * 300, None):
        assert not form_token_valid(cookie, "request", bad)


def test_a_malformed_content_length_is_read_as_empty(person):
    response = person.client.generic(
        "POST", "/help/leave/", b"", content_type="text/plain", CONTENT_LENGTH="nope"
    )
    assert response.status_code == 303


def test_the_language_link_of_the_quick_exit_and_unknown_pages(person):
    assert 'href="/help/en/enter/"' in person.get("enter/").content.decode()
    assert 'href="/help/enter/"' in person.get("en/enter/").content.decode()


def test_a_signed_in_visitor_sending_a_new_request_gets_a_new_codename(person):
    person.write_and_get_codename()
    assert person.send_request(story="второе").status_code == 303
    assert person.codename()
    assert Request.objects.count() == 2
    assert STORY


def test_a_long_conversation_shows_the_latest_messages_and_stays_small(person, settings):
    """Five longest messages still make a page under 50 KB; earlier ones are a link away."""
    person.write_and_get_codename()
    for number in range(7):
        assert person.say(f"{number} " + "я" * 3990).status_code == 303
    page = person.get("thread/")
    body = page.content.decode()
    assert len(page.content) < 50 * 1024
    assert body.count('class="from-you"') == 5
    assert 'href="/help/thread/?all=1"' in body
    assert person.client.get("/help/thread/?all=1").content.decode().count('class="from-you"') == 7


def test_a_head_request_does_not_use_up_the_codename(person):
    """Only a page someone sees makes the codename: HEAD is refused."""
    person.send_request()
    assert person.client.head("/help/codename/").status_code == 405
    assert person.codename()


ONION = "http://" + "a" * 52 + "b2cd.onion/"


def test_the_onion_address_is_shown_on_the_clear_web_and_not_over_tor(person, settings):
    """Someone on the clear web learns the portal's onion address (Russian first); someone
    already on it is not told it again."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "a" * 52 + "b2cd.onion"]
    settings.CORRIDOR_PORTAL_ONION = ONION
    page = person.get().content.decode()
    assert ONION in page
    assert "у этого сайта есть там свой адрес" in page
    english = person.client.get("/help/en/").content.decode()
    assert ONION in english
    assert "this site has its own address there" in english
    over_tor = person.client.get("/help/", HTTP_HOST="a" * 52 + "b2cd.onion").content.decode()
    assert ONION not in over_tor
    settings.CORRIDOR_PORTAL_ONION = ""
    assert "Tor Browser" not in person.get().content.decode().split('class="foot"')[1]


def test_with_every_derivation_slot_taken_the_pages_wait_and_keep_what_was_typed(person, settings):
    """A codename page waits on a page that reloads itself; a sign-in comes back with a
    sentence and the form; the first page, which needs no derivation, is served at once."""
    from corridor.intake import derivations

    settings.CORRIDOR_CODENAME_KDF_SLOTS = 1
    settings.CORRIDOR_CODENAME_KDF_QUEUE = 0
    assert person.send_request().status_code == 303
    with derivations.derivation_slot():
        waiting = person.get("codename/")
        assert waiting.status_code == 503
        assert b'http-equiv="refresh"' in waiting.content
        assert int(waiting["Retry-After"]) <= views.QUEUE_SECONDS
        assert person.get().status_code == 200
        returning = Requester()
        answer = returning.enter("облако сирень компас ладья метель 4821")
        assert answer.status_code == 503
        page = answer.content.decode()
        assert "Сейчас сайтом пользуется очень много людей. Ничего не отправлено" in page
        assert 'name="form_token"' in page
        assert "облако сирень компас" not in page  # a codename is never echoed
    codename = person.codename()
    assert Requester().enter(codename).status_code == 303
