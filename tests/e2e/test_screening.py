"""Screening in a real browser, in Russian: an operator takes a call (triage, escalate),
the worker screens it, a verifier accepts provisionally and then fully, and the case
opens with the request's thread linked."""

from __future__ import annotations

import re

import pytest

from corridor.accounts.models import StaffAlert
from corridor.accounts.roles import Role
from corridor.core.actors import WORKER
from corridor.intake.models import Request, Status
from corridor.intake.services.screening import screen_request
from tests.e2e.test_case_work import log_in, staff_with_device
from tests.keys import vault_keys  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]
CASE = re.compile(r"/cases/(CR-[0-9A-Z]{4}-[0-9A-Z]{4})/")


def test_a_call_is_escalated_accepted_provisionally_then_fully_in_russian(browser, live_server):
    operator, operator_device = staff_with_device(Role.HOTLINE_OPERATOR)
    verifier, verifier_device = staff_with_device(Role.VERIFIER)
    coordinator, coordinator_device = staff_with_device(Role.COORDINATOR)
    russian = {"base_url": live_server.url, "locale": "ru-RU"}

    # The operator answers the call: the triage first, then "escalate now".
    phone = browser.new_context(**russian).new_page()
    log_in(phone, operator, operator_device)
    phone.goto("/requests/hotline/")
    phone.select_option("select[name=danger_now]", "yes")
    phone.fill("input[name=where]", "Гудермес")
    phone.select_option("select[name=can_talk]", "no")
    phone.fill("input[name=callback]", "после 22:00, спросить Лейлу")
    phone.fill("input[name=full_name]", "Лейла Мусаева")
    phone.click("#escalate")
    phone.wait_for_load_state()
    request = Request.objects.get()
    assert request.reference in phone.content()
    assert "Гудермес" not in phone.url
    assert StaffAlert.objects.filter(staff=coordinator, code="hotline_escalation").exists()

    # The worker screens it.
    screen_request(actor=WORKER, request_id=request.pk)

    # The verifier reads it and accepts provisionally, then fully after a call.
    desk = browser.new_context(**russian).new_page()
    log_in(desk, verifier, verifier_device)
    desk.goto(f"/requests/{request.pk}/")
    assert "Гудермес" in desk.content()
    assert desk.locator("#signals").count() == 1
    desk.select_option("select[name=outcome]", "accept_provisional")
    desk.click("#decide")
    desk.wait_for_load_state()
    assert Request.objects.get(pk=request.pk).status == Status.PROVISIONAL
    assert desk.locator("#request-due").count() == 1
    desk.select_option("select[name=outcome]", "accept")
    desk.check("input[name=methods][value=call_held]")
    desk.click("#decide")
    desk.wait_for_load_state()
    accepted = Request.objects.get(pk=request.pk)
    assert accepted.status == Status.ACCEPTED
    ref = accepted.case.ref
    # Accepted into a case the verifier is not on: back to the inbox, told the case's ref.
    assert f"стало делом {ref}" in desk.locator("main").inner_text()

    # The coordinator finds the new case, which links the thread it came from.
    boss = browser.new_context(**russian).new_page()
    log_in(boss, coordinator, coordinator_device)
    boss.goto(f"/cases/{ref}/")
    assert boss.locator("html").get_attribute("lang") == "ru"
    boss.click(f"#case-thread a[href='/requests/{request.pk}/']")
    boss.wait_for_load_state()
    # An accepted request is read through its case by its team; this coordinator is not
    # on it (nobody is yet), so the thread stays closed to them.
    assert "Гудермес" not in boss.content()
    for opened in (phone, desk, boss):
        opened.context.close()
