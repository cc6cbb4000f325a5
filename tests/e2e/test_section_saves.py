"""Saving a section of the case page in place, in a real browser in Russian: the note's
form opens inside its section, a refused save keeps what was typed with the error in the
section, a good save swaps in the section alone (the page is not reloaded: a marker set
on `window` survives), focus lands on the section's heading and the live region says
what was saved."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from tests.e2e.test_case_work import log_in
from tests.factories import totp_device
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.security.case_fixture import build_case

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]


def test_a_next_action_is_saved_in_its_section_without_reloading_the_page(browser, live_server):
    fixture = build_case()
    device = totp_device(fixture.owner)
    context = browser.new_context(
        base_url=live_server.url, locale="ru-RU", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    log_in(page, fixture.owner, device)
    page.goto(f"/cases/{fixture.case.ref}/")
    page.click("[data-open-case]")
    page.wait_for_load_state()
    page.evaluate("window.__notReloaded = true")
    section = page.locator("#section-tasks")
    before = section.locator("tbody tr").count()
    added = AuditEntry.objects.filter(event_type=EventType.TASK_ADDED).count()

    section.locator("a[data-inline][href$='/tasks/add/']").click()
    form = section.locator("[data-section-form] form")
    form.wait_for()
    assert page.evaluate("document.activeElement.name") == "title"

    # A date that is not one: the section says so and keeps what was typed.
    form.locator("[name=title]").fill("позвонить адвокату")
    form.locator("[name=due_on]").fill("завтра")
    form.locator("button[type=submit]").click()
    section.locator("[data-section-form] .field__error").wait_for()
    assert section.locator("[data-section-form] [name=title]").input_value() == (
        "позвонить адвокату"
    )
    assert page.evaluate("window.__notReloaded") is True

    section.locator("[data-section-form] [name=due_on]").fill(fixture.today.isoformat())
    section.locator("[data-section-form] button[type=submit]").click()
    section.locator("[data-section-saved]").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    assert section.locator("[data-section-form]").count() == 0
    assert section.locator("tbody tr").count() == before + 1
    assert "позвонить адвокату" in section.inner_text()
    assert page.evaluate("document.activeElement.id") == "section-tasks-heading"
    # A locator assertion waits without evaluating a string in the page, which the
    # page's CSP (no 'unsafe-eval') refuses whenever the wait has to poll.
    expect(page.locator("#section-live")).to_have_text(re.compile(r"\S"))
    said = page.locator("#section-live").text_content()
    assert said == section.locator("[data-section-saved]").text_content()
    assert AuditEntry.objects.filter(event_type=EventType.TASK_ADDED).count() == added + 1
    # The saved section works again: its next form opens in place too.
    section.locator("a[data-inline][href$='/tasks/add/']").click()
    section.locator("[data-section-form] form").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    context.close()
