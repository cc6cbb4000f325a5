"""Logging in through a real browser: password + passkey, password + TOTP, in both languages;
a password alone opens nothing; a burst of failures does not stop a passkey."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from tests.accounts.helpers import current_code
from tests.e2e.conftest import add_virtual_authenticator
from tests.factories import TEST_PASSWORD, staff_with, staff_with_device

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {
        "second": "Second step",
        "logged_in": "Logged in as",
        "passkey": "Use my security key or passkey",
        "register": "Register a security key or passkey",
        "logout": "Log out",
        "passkey_alone": "Log in with a passkey",
    },
    "ru": {
        "second": "Второй шаг",
        "logged_in": "Вы вошли как",
        "passkey": "Использовать ключ безопасности или ключ доступа",
        "register": "Зарегистрировать ключ безопасности или ключ доступа",
        "logout": "Выйти",
        "passkey_alone": "Войти с ключом доступа",
    },
}


@pytest.fixture
def browser_page(browser, live_server, settings, request):
    """A JavaScript page in the language given by the test's `language` parameter."""
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    language = request.node.callspec.params.get("language", "en")
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU" if language == "ru" else "en-US"
    )
    page = context.new_page()
    yield page
    context.close()


def password_step(page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_load_state()


def log_out(page, language: str) -> None:
    page.get_by_role("button", name=TEXT[language]["logout"], exact=True).click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_caseworker_logs_in_with_password_and_passkey(browser_page, language):
    """First login enrols a passkey; the next login is password, then the key."""
    page = browser_page
    add_virtual_authenticator(page)
    caseworker = staff_with(Role.CASEWORKER)
    password_step(page, caseworker.username)
    page.get_by_role("button", name=TEXT[language]["register"]).click()
    page.wait_for_url("**/account/?new=passkey")
    log_out(page, language)
    password_step(page, caseworker.username)
    assert TEXT[language]["second"] in page.content()
    page.get_by_role("button", name=TEXT[language]["passkey"]).click()
    page.wait_for_url("**/")
    page.wait_for_selector("text=" + TEXT[language]["logged_in"])


@pytest.mark.parametrize("language", ["en", "ru"])
def test_coordinator_logs_in_with_password_and_totp(browser_page, language):
    page = browser_page
    coordinator, device = staff_with_device(Role.COORDINATOR)
    password_step(page, coordinator.username)
    assert TEXT[language]["second"] in page.content()
    page.fill("input[name=code]", current_code(device))
    page.click("form[action='/login/verify/'] button[type=submit]")
    page.wait_for_load_state()
    assert TEXT[language]["logged_in"] in page.content()
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", ["en"])
def test_a_password_alone_reaches_no_page_but_the_second_step(browser_page, language):
    page = browser_page
    staff, _ = staff_with_device(Role.COORDINATOR)
    password_step(page, staff.username)
    for path in ("/", "/account/", "/approvals/"):
        page.goto(path)
        assert TEXT[language]["logged_in"] not in page.content()


@pytest.mark.parametrize("language", ["en"])
def test_a_burst_of_failed_logins_does_not_stop_a_passkey(
    browser_page, live_server, language, time_machine
):
    """Every username is locked by guessing; the caseworker still logs in with the passkey."""
    time_machine.move_to("2026-05-01 21:00:00Z", tick=True)
    page = browser_page
    add_virtual_authenticator(page)
    caseworker = staff_with(Role.CASEWORKER)
    others = [staff_with(role) for role in Role]
    password_step(page, caseworker.username)
    page.get_by_role("button", name=TEXT[language]["register"]).click()
    page.wait_for_url("**/account/?new=passkey")
    log_out(page, language)

    attacker = page.context.browser.new_context(base_url=live_server.url)
    robot = attacker.new_page()
    for staff in [caseworker, *others]:
        for _ in range(5):
            # Past each progressive delay, so every guess counts towards the lockout.
            time_machine.shift(timedelta(seconds=20))
            password_step(robot, staff.username, "guessed wrong")
    for staff in [caseworker, *others]:
        password_step(robot, staff.username)
        assert "locked" in robot.content(), (staff.username, robot.inner_text("main"))
    attacker.close()

    page.goto("/")
    page.get_by_role("button", name=TEXT[language]["passkey_alone"]).click()
    page.wait_for_url("**/")
    page.wait_for_selector("text=" + TEXT[language]["logged_in"])
