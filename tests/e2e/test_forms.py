"""Real forms in a real browser, with JavaScript on and off: CSRF passes in both."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("fixture", ["page", "nojs_page"])
def test_login_form_posts_through_csrf(request, fixture):
    """A wrong password gives the login error, not the expired-form page, with or without JS."""
    page = request.getfixturevalue(fixture)
    page.goto("/")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "not the password at all")
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_load_state()
    body = page.content()
    assert "This form has expired" not in body
    assert "Срок действия формы истёк" not in body
    assert page.locator(".form-error").count() == 1


def test_language_switch_without_javascript(nojs_page):
    """The language form switches the staff interface to Russian without JavaScript."""
    nojs_page.goto("/")
    nojs_page.select_option("#language-select", "ru")
    nojs_page.click(".language-form button[type=submit]")
    nojs_page.wait_for_load_state()
    assert nojs_page.locator("html").get_attribute("lang") == "ru"
    assert "Войти" in nojs_page.content()


def test_portal_is_russian_first_and_runs_no_script(nojs_page):
    """The portal opens in Russian, links to English, and carries no script tag."""
    nojs_page.goto("/help/")
    assert nojs_page.locator("html").get_attribute("lang") == "ru"
    assert nojs_page.locator("script").count() == 0
    nojs_page.click("a[hreflang=en]")
    assert nojs_page.locator("html").get_attribute("lang") == "en"
