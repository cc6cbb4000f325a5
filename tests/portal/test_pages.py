"""The portal in a browser's place: its own cookie, forms that post then redirect and keep
the text when they fail, codenames shown once, and nothing personal echoed or kept."""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from corridor.core import clock
from corridor.intake.models import Message, Request, RequesterSession, Stage
from corridor.portal import forms as portal_forms
from corridor.portal import views
from corridor.portal.cookies import COOKIE_NAME
from tests.canaries import canary_forms
from tests.portal_helpers import INTAKE_TABLES, STORY, Requester, raw_rows, ru, token_of

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_the_first_page_sets_only_the_portal_cookie(person):
    """HttpOnly, SameSite=Strict, scoped to the portal path; never a staff cookie."""
    response = person.get()
    assert response.status_code == 200
    assert set(response.cookies) == {COOKIE_NAME}
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["path"] == "/help/"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert not cookie["max-age"]
    assert not cookie["expires"]


def test_the_first_page_is_small_script_free_and_asks_only_what_it_may(person):
    for page in ("", "en/", "enter/", "en/enter/"):
        response = person.get(page)
        body = response.content
        assert len(body) < 50 * 1024, page
        assert b"<script" not in body.lower()
        assert 'autocomplete="off"' in body.decode()
    form = person.get().content.decode()
    for never in ("birth", "passport_number", 'address"', "hiv", "instagram", "telegram"):
        assert f'name="{never}' not in form.lower()


def test_the_safety_advice_puts_leaving_no_trace_before_tor(person):
    """A phone in Chechnya may be searched: the Russian page first says how to leave no trace
    (private window, clearing, a borrowed or clean phone, no codename on the phone), and
    names Tor last, only with bridges and with the warning that the app itself is found."""
    page = person.get().content.decode()
    order = [
        "в приватном окне",
        "удалите этот сайт из истории",
        "«чистого» телефона",
        "не храните её в телефоне",
        "Tor Browser",
    ]
    positions = [page.index(escape(words)) for words in order]
    assert positions == sorted(positions)
    assert "только через мосты" in page
    assert "найдут при проверке телефона" in page
    for calque in ("Опасность прямо сейчас", "кто они есть", "исходит опасность", "Как обычно"):
        assert calque not in page


def test_a_too_long_text_names_its_length_in_the_right_russian_form():
    """«72 знака», «75 знаков», «21 знак»: the count picks the Russian plural form."""
    for length, words in ((72, "72 знака"), (75, "75 знаков"), (21, "21 знак")):
        with translation.override("ru"):
            message = str(portal_forms.TOO_LONG % {"length": length, "limit": 20})
        assert f"В этом тексте {words}, а можно не больше 20." in message


def test_production_cookies_are_secure_and_prefixed(person, settings, client):
    settings.SESSION_COOKIE_SECURE = True
    response = client.get("/help/", secure=True)
    assert set(response.cookies) == {"__Secure-corridor_portal"}
    assert response.cookies["__Secure-corridor_portal"]["secure"]
    portal_only = client.get("/", secure=True, **{"corridor.portal_only": True})
    assert portal_only.status_code == 200
    assert portal_only.cookies["__Host-corridor_portal"]["path"] == "/"


def test_send_then_redirect_then_the_codename_once(person):
    response = person.send_request(region="Юг")
    assert response.status_code == 303
    assert response["Location"] == "/help/codename/"
    assert COOKIE_NAME not in response.cookies  # the cookie the form came with is bound
    codename = person.codename()
    assert len(codename.split(" ")) == 6
    again = person.get("codename/").content.decode()
    assert codename not in again
    assert 'id="codename"' not in again
    assert Request.objects.count() == 1


def test_the_codename_is_never_in_a_cookie(person):
    person.send_request()
    codename = person.codename()
    values = " ".join(morsel.value for morsel in person.client.cookies.values())
    assert not any(form in values.encode() for form in canary_forms(codename))


def test_type_back_wrong_then_right(person):
    codename = person.write_and_get_codename()
    wrong = person.post("codename/", {"codename": "облако 1234"}, token_from="codename/")
    assert wrong.status_code == 400
    assert ru(views.WRONG_TYPED_BACK) in wrong.content.decode()
    assert "облако" not in wrong.content.decode()  # the typed codename is not echoed
    right = person.post("codename/", {"codename": codename}, token_from="codename/")
    assert right.status_code == 303
    assert right["Location"] == "/help/thread/"


def test_the_check_can_be_skipped_and_a_new_codename_asked_for(person):
    first = person.write_and_get_codename()
    response = person.post("codename/new/", {}, token_from="codename/")
    assert response.status_code == 303
    second = person.codename()
    assert second != first
    assert person.post("codename/skip/", {}, token_from="codename/").status_code == 303
    assert person.get("thread/").status_code == 200
    assert Requester().enter(first).status_code == 401
    assert Requester().enter(second).status_code == 303


def test_coming_back_reading_a_reply_and_answering(person, canary):
    from corridor.accounts.roles import Role
    from corridor.intake.services.messages import send_team_reply
    from corridor.intake.services.opening import open_request
    from tests.factories import staff_with

    codename = person.write_and_get_codename()
    verifier = staff_with(Role.VERIFIER)
    request = Request.objects.get()
    open_request(actor=verifier, request_id=request.id)
    send_team_reply(actor=verifier, request_id=request.id, text=f"Мы прочитали. {canary}")
    later = Requester()
    entered = later.enter(codename.upper())
    assert entered.status_code == 303
    assert COOKIE_NAME in entered.cookies  # a signed-in session gets a cookie of its own
    page = later.get("thread/").content.decode()
    assert f"Мы прочитали. {canary}" in page
    response = later.say("Спасибо <b>вам</b>")
    assert response.status_code == 303
    assert response["Location"] == "/help/thread/"
    page = later.get("thread/").content.decode()
    assert "Спасибо &lt;b&gt;вам&lt;/b&gt;" in page
    assert Message.objects.filter(author="requester").count() == 1


def test_a_wrong_codename_always_gets_the_same_answer(person):
    person.write_and_get_codename()
    bodies = set()
    for typed in ("нет такого", "облако сирень компас ладья метель 0000", "x" * 150):
        response = Requester().enter(typed)
        assert response.status_code == 401
        body = response.content.decode()
        bodies.add(body.split('name="form_token" value="')[0])
        assert ru(views.WRONG_CODENAME) in body
    assert len(bodies) == 1


def test_too_many_codename_attempts_from_one_network_are_refused_with_a_time(person, settings):
    """Fresh cookies do not help: the network source's own limit refuses the third."""
    settings.CORRIDOR_PORTAL_RATES = {**settings.CORRIDOR_PORTAL_RATES, "codename_source": (2, 60)}
    for _ in range(2):
        assert Requester().enter("облако 1234").status_code == 401
    response = Requester().enter("облако 1234")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert ru(views.TOO_MANY % {"minutes": 1}) in response.content.decode()
    # Another network (a /24 away) is not refused for it.
    elsewhere = Requester(client=Client(REMOTE_ADDR="10.0.1.9"))
    assert elsewhere.enter("облако 1234").status_code == 401


def test_when_everyone_together_used_the_budget_a_requester_waits_and_is_not_refused(
    person, settings
):
    """The shared budget dry (a flood spread over networks): the next requester gets a page
    that opens the form again by itself, no JavaScript, and a posted text is kept."""
    settings.CORRIDOR_PORTAL_RATES = {**settings.CORRIDOR_PORTAL_RATES, "submit_global": (1, 3600)}
    token = token_of(person.get().content.decode())  # the form open before the rush
    assert Requester(client=Client(REMOTE_ADDR="10.0.1.9")).send_request().status_code == 303
    page = person.get()
    assert page.status_code == 503
    body = page.content.decode()
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', body)
    assert "<script" not in body
    assert "Пожалуйста, подождите" in body
    assert ru(views.TOO_MANY % {"minutes": 1}) not in body
    response = person.client.post("/help/", {"story": "Моя история 42", "form_token": token})
    assert response.status_code == 503
    assert "Моя история 42" in response.content.decode()
    assert Request.objects.count() == 1


def test_a_failed_form_comes_back_with_the_text(person):
    """Validation failure: 400 and everything typed is still there."""
    story = "Очень длинная история " * 500
    response = person.post("", {"story": story, "region": "Тверь", "urgency": "days"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Тверь" in body
    assert re.search(r'value="days"[^>]*checked', body)
    assert escape(story.strip()[:200]) in body
    assert not Request.objects.exists()


def test_an_expired_form_keeps_the_text_and_stores_nothing(person, canary):
    fresh = Client()
    response = fresh.post("/help/", {"story": f"История {canary}", "form_token": "1.2.3"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"История {canary}" in body
    assert ru(views.FORM_EXPIRED) in body
    assert not Request.objects.exists()
    retry = fresh.post("/help/", {"story": f"История {canary}", "form_token": token_of(body)})
    assert retry.status_code == 303


def test_a_form_token_from_another_cookie_is_refused(person):
    token = token_of(Requester().get().content.decode())
    person.get()
    response = person.client.post("/help/", {"story": STORY, "form_token": token})
    assert response.status_code == 400
    assert not Request.objects.exists()


def test_a_form_sent_twice_stores_one_request_and_leads_to_its_codename(person):
    """A double tap sends the same form twice: one request, and the second answer leads
    to the same codename page."""
    source = person.get().content.decode()
    data = {"story": STORY, "form_token": token_of(source)}
    first = person.client.post("/help/", data)
    second = person.client.post("/help/", data)
    assert first.status_code == second.status_code == 303
    assert second["Location"] == "/help/codename/"
    assert Request.objects.count() == 1
    assert person.codename()


def test_a_replayed_form_from_elsewhere_stores_nothing(person):
    """The same form and token replayed later from another browser stores nothing."""
    source = person.get().content.decode()
    data = {"story": STORY, "form_token": token_of(source)}
    assert person.client.post("/help/", data).status_code == 303
    thief = Client()
    thief.cookies = person.client.cookies
    assert thief.post("/help/", data).status_code == 303
    assert Request.objects.count() == 1


def test_the_honeypot_stops_a_bot_and_says_why(person):
    response = person.send_request(website="http://spam.example")
    assert response.status_code == 400
    assert ru(portal_forms.HONEYPOT_FILLED) in response.content.decode()
    assert not Request.objects.exists()


def test_an_empty_story_is_asked_for(person):
    response = person.post("", {"story": "   ", "region": "Тула"})
    assert response.status_code == 400
    assert ru(portal_forms.STORY_MISSING) in response.content.decode()
    assert "Тула" in response.content.decode()


def test_attachments_are_refused_clearly(person):
    source = person.get().content.decode()
    upload = SimpleUploadedFile("passport.jpg", b"\xff\xd8\xff fake", content_type="image/jpeg")
    response = person.client.post(
        "/help/", {"story": STORY, "form_token": token_of(source), "file": upload}
    )
    assert response.status_code == 400
    assert ru(portal_forms.ATTACHMENTS_REFUSED) in response.content.decode()
    assert STORY in response.content.decode()
    assert not Request.objects.exists()


def test_invisible_and_unreadable_characters_are_removed_and_shown_for_checking(person):
    response = person.send_request(story="Текст\x00 с\x07 мусором\ufffd", region="Омск\u202e")
    assert response.status_code == 400
    body = response.content.decode()
    assert ru(portal_forms.UNREADABLE_REMOVED) in body
    assert "Текст с мусором" in body
    assert "Омск" in body
    assert "\x00" not in body
    assert "\ufffd" not in body
    assert not Request.objects.exists()


def test_invalid_utf8_is_treated_as_unreadable(person):
    source = person.get().content.decode()
    body = f"form_token={token_of(source)}&story=%D0%9F%FF%FE%D1%80".encode()
    response = person.client.post("/help/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert not Request.objects.exists()


def test_a_body_over_the_cap_is_refused_before_it_is_read(person, settings):
    settings.CORRIDOR_PORTAL_MAX_BODY_BYTES = 1024
    response = person.send_request(story="я" * 2000)
    assert response.status_code == 413
    assert not Request.objects.exists()


def test_past_the_pending_volume_the_page_says_when_to_come_back(person, settings):
    settings.CORRIDOR_PORTAL_PENDING_LIMIT = 1
    settings.CORRIDOR_PORTAL_RETRY_HOURS = 4
    person.write_and_get_codename()
    page = Requester().get().content.decode()
    assert ru(views.BUSY % {"hours": 4}) in page
    assert 'name="story"' not in page
    late = Requester()
    source_token = token_of(late.get("enter/").content.decode())
    response = late.client.post("/help/", {"story": STORY, "form_token": source_token})
    assert response.status_code in (400, 503)
    assert Request.objects.count() == 1


def test_a_flood_of_requests_is_refused_with_a_time(person, settings):
    settings.CORRIDOR_PORTAL_RATES = {**settings.CORRIDOR_PORTAL_RATES, "submit_session": (1, 3600)}
    assert person.send_request().status_code == 303
    response = person.send_request(story="ещё")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "ещё" in response.content.decode()


def test_a_message_written_while_the_session_ran_out_is_kept_and_sent(person, settings):
    settings.CORRIDOR_PORTAL_IDLE_MINUTES = 15
    codename = person.write_and_get_codename()
    source = person.get("thread/").content.decode()
    with time_machine.travel(clock.now() + timedelta(minutes=30)):
        response = person.client.post(
            "/help/thread/", {"message": "Длинное письмо", "form_token": token_of(source)}
        )
        assert response.status_code == 401
        body = response.content.decode()
        assert "Длинное письмо" in body
        assert ru(views.SESSION_ENDED % {"minutes": 15}) in body
        back = person.client.post(
            "/help/enter/",
            {"codename": codename, "message": "Длинное письмо", "form_token": token_of(body)},
        )
    assert back.status_code == 303
    assert back["Location"] == "/help/thread/"
    assert Message.objects.filter(author="requester").count() == 1


def test_leaving_and_quick_exit_forget_the_session(person, settings):
    person.write_and_get_codename()
    response = person.client.post("/help/leave/")
    assert response.status_code == 303
    assert response.cookies[COOKIE_NAME].value == ""
    assert not RequesterSession.objects.exists()
    other = Requester()
    other.write_and_get_codename()
    response = other.get("exit/")
    assert response.status_code == 303
    assert response["Location"] == settings.CORRIDOR_PORTAL_QUICK_EXIT_URL
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert not RequesterSession.objects.exists()


def test_english_pages_live_under_en(person):
    page = person.get("en/").content.decode()
    assert '<html lang="en">' in page
    assert 'action="/help/en/"' in page
    assert 'href="/help/"' in page
    assert 'hreflang="ru"' in page
    response = person.post("en/", {"story": STORY})
    assert response["Location"] == "/help/en/codename/"


def test_the_portal_alone_serves_at_the_root(person):
    client = Client(**{"corridor.portal_only": True})
    page = client.get("/").content.decode()
    assert 'action="/"' in page
    token = token_of(page)
    response = client.post("/", {"story": STORY, "form_token": token})
    assert response.status_code == 303
    assert response["Location"] == "/codename/"
    assert client.get("/codename/").status_code == 200
    assert client.get("/requests/").status_code == 404


def test_nothing_typed_reaches_a_row_in_the_clear(person, canary):
    """Answers, messages and the codename: none in any intake, audit, session or task row."""
    codename = person.write_and_get_codename(
        region=f"Регион {canary}", name_to_use=f"Имя {canary}", story=f"История {canary}"
    )
    person.say(f"Сообщение {canary}")
    rows = raw_rows(*INTAKE_TABLES)
    assert not any(form in rows for form in canary_forms(canary))
    assert not any(form in rows for form in canary_forms(codename))


def test_a_session_stage_that_lost_its_key_asks_for_the_codename(person):
    person.write_and_get_codename()
    RequesterSession.objects.update(held_key=None, stage=Stage.SIGNED_IN)
    response = person.get("thread/")
    assert response.status_code == 303
    assert response["Location"] == "/help/enter/"
