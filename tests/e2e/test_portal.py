"""The requester's whole path in a real browser with JavaScript off, in Russian: write,
keep the codename, come back another day, read the team's reply and answer it. The
browser never asks anything of another origin, and the pages carry no script."""

from __future__ import annotations

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.intake.models import Message, Request
from tests.accounts.helpers import form_token, log_in
from tests.canaries import canary_forms
from tests.factories import staff_with
from tests.keys import vault_keys  # noqa: F401 - a fixture
from tests.portal_helpers import FAST_KDF

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "keystore"])


@pytest.fixture
def requester_browser(browser, live_server, settings, vault_keys):  # noqa: F811
    """A factory of fresh JavaScript-free Russian browser contexts, each recording every
    request it makes."""
    settings.CORRIDOR_CODENAME_KDF = FAST_KDF
    contexts, requests = [], []

    def open_context():
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=False, locale="ru-RU"
        )
        context.on("request", lambda request: requests.append(request.url))
        contexts.append(context)
        return context, context.new_page()

    yield open_context, requests
    for context in contexts:
        context.close()


def no_script(page) -> None:
    assert page.locator("script").count() == 0
    assert "<script" not in page.content().lower()


def team_replies(request_id, text: str) -> None:
    """A verifier opens the request in the staff inbox and replies, through the views."""
    staff = Client()
    log_in(staff, staff_with(Role.VERIFIER))
    url = f"/requests/{request_id}/"
    assert (
        staff.post(f"{url}open/", {"csrfmiddlewaretoken": form_token(staff, url)}).status_code
        == 302
    )
    response = staff.post(url, {"text": text, "csrfmiddlewaretoken": form_token(staff, url)})
    assert response.status_code == 302


def test_write_keep_the_codename_come_back_read_and_answer(requester_browser, live_server, canary):
    open_context, requests = requester_browser

    # Day one: write, see the codename once, type it back.
    context, page = open_context()
    page.goto("/help/")
    assert page.locator("html").get_attribute("lang") == "ru"
    no_script(page)
    assert page.locator("form.request").get_attribute("autocomplete") == "off"
    page.check("input[name=urgency][value=days]")
    page.fill("input[name=region]", "Северный Кавказ")
    page.fill("textarea[name=story]", f"Мне нужна помощь. {canary}")
    page.click("form.request button[type=submit]")
    page.wait_for_url("**/help/codename/")
    no_script(page)
    codename = page.locator("#codename").inner_text().strip()
    assert len(codename.split()) == 6
    cookies = context.cookies()
    assert [cookie["name"] for cookie in cookies] == ["corridor_portal"]
    assert cookies[0]["path"] == "/help/"
    assert cookies[0]["httpOnly"]
    assert cookies[0]["sameSite"] == "Strict"
    values = "".join(cookie["value"] for cookie in cookies).encode()
    assert not any(form in values for form in canary_forms(codename))
    page.fill("input[name=codename]", codename)
    page.locator("form[action='/help/codename/'] button[type=submit]").click()
    page.wait_for_url("**/help/thread/")
    no_script(page)
    context.close()

    # The team reads it and replies in the staff inbox.
    request = Request.objects.get()
    team_replies(request.id, f"Мы прочитали ваше письмо. {canary}-reply")

    # Another day, a fresh browser: the codename typed in capitals, with a typo.
    words = codename.split()
    mistyped = " ".join([words[0][:-1], *words[1:]]).upper()
    _context, page = open_context()
    page.goto("/help/enter/")
    no_script(page)
    page.fill("input[name=codename]", mistyped)
    page.locator("form[action='/help/enter/'] button[type=submit]").click()
    page.wait_for_url("**/help/thread/")
    no_script(page)
    assert f"Мы прочитали ваше письмо. {canary}-reply" in page.content()
    page.fill("textarea[name=message]", f"Спасибо! Жду. {canary}-answer")
    page.locator("form[action='/help/thread/'] button[type=submit]").click()
    page.wait_for_url("**/help/thread/")
    assert f"Спасибо! Жду. {canary}-answer" in page.content()
    page.reload()  # POST then redirect: reloading sends nothing again
    assert Message.objects.filter(author="requester").count() == 1

    # Every request the browser made went to the portal's own origin.
    assert requests
    assert [url for url in requests if not url.startswith(live_server.url + "/")] == []
