"""Case work in a real browser, in Russian, and what a seized laptop keeps afterwards.

1. A coordinator opens a case and assigns it; the caseworker records a placement, a journey
   and a contact protocol; the person misses a check-in (the server's clock is moved on
   in-process and the worker's sweep runs); the incident is first on the caseworker's
   dashboard and on the coordinator's board.
2. C23: a caseworker opens a case for work and sees its fields, types into its forms, logs
   out; the Chromium profile directory then holds none of the case's canaries.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.cases.models import Case, CaseAssignment, Flag, IncidentKind
from corridor.cases.risk import RiskAnswers
from corridor.cases.services import progress, work
from corridor.cases.services.assignment import assign_case
from corridor.cases.services.safety import raise_missed_check_ins
from corridor.core import clock
from tests.accounts.helpers import current_code
from tests.canaries import find_canary
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import TEST_PASSWORD, new_case, staff_with_device, totp_device
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.security.case_fixture import build_case, new_canaries

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]
REF = re.compile(r"/cases/(CR-[0-9A-Z]{4}-[0-9A-Z]{4})/$")


def log_in(page, staff, device) -> None:
    page.goto("/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_load_state()
    page.fill("input[name=code]", current_code(device))
    page.click("form[action='/login/verify/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"


def submit(page) -> None:
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_load_state()


def background_caseload(coordinator, worker) -> None:
    """Cases that are urgent for other reasons, so "first" means something."""
    for flag in (Flag.MISSING, Flag.DETAINED):
        case = new_case(coordinator, due_in_days=-3)
        assign_case(actor=coordinator, case=case, staff=worker)
        progress.raise_flag(actor=coordinator, case=case, flag=flag)
        work.assess_risk(
            actor=coordinator,
            case=case,
            answers=RiskAnswers(threat_from_state=True, detained_before=True),
        )


def test_a_missed_check_in_is_first_on_both_dashboards_in_russian(
    browser, live_server, time_machine
):
    time_machine.move_to(clock.now(), tick=True)
    coordinator, coordinator_device = staff_with_device(Role.COORDINATOR)
    worker, worker_device = staff_with_device(Role.CASEWORKER)
    background_caseload(coordinator, worker)
    russian = {"base_url": live_server.url, "locale": "ru-RU"}
    boss = browser.new_context(**russian).new_page()
    mine = browser.new_context(**russian).new_page()

    # The coordinator opens the case and assigns it.
    log_in(boss, coordinator, coordinator_device)
    boss.goto("/board/")
    boss.click("a[href='/cases/new/']")
    boss.fill("input[name=given_cyrl]", "Тимур")
    boss.fill("input[name=family_cyrl]", "Волков")
    boss.select_option("select[name=sex]", "male")
    boss.select_option("select[name=age_band]", "18-29")
    boss.fill("input[name=region]", "RU-CE")
    boss.fill("input[name=next_action]", "перезвонить вечером")
    boss.fill("input[name=next_action_due]", clock.today().isoformat())
    submit(boss)
    ref = REF.search(boss.url).group(1)
    assert "Волков" not in boss.title()
    assert ref in boss.title()
    boss.goto(f"/cases/{ref}/assign/")
    boss.select_option("select[name=staff]", str(worker.pk))
    boss.select_option("select[name=lead]", "1")
    submit(boss)
    assert CaseAssignment.objects.filter(case__ref=ref, staff=worker, ended_at=None).exists()

    # The caseworker records a placement, a journey and the contact protocol.
    log_in(mine, worker, worker_device)
    assert ref in mine.content()
    mine.goto(f"/cases/{ref}/placements/add/")
    mine.fill("input[name=shelter_ref]", "SH-07")
    mine.fill("input[name=address]", "квартира у вокзала")
    mine.fill("input[name=starts_on]", clock.today().isoformat())
    submit(mine)
    mine.goto(f"/cases/{ref}/legs/add/")
    mine.select_option("select[name=kind]", "exit_region")
    mine.fill("input[name=from_place]", "Грозный")
    mine.fill("input[name=to_place]", "Москва")
    mine.select_option("select[name=mode]", "bus")
    mine.fill("input[name=travel_on]", (clock.today() + timedelta(days=1)).isoformat())
    submit(mine)
    mine.goto(f"/cases/{ref}/protocol/")
    mine.select_option("select[name=channel]", "signal")
    mine.fill("input[name=every_hours]", "1")
    mine.fill("input[name=check_in_word]", "рассвет")
    mine.fill("input[name=duress_word]", "закат")
    submit(mine)
    case = Case.objects.get(ref=ref)
    assert case.placements.count() == 1
    assert case.legs.count() == 1
    assert case.members.get().person.protocol.check_in_every_hours == 1

    # Two hours pass without a check-in; the worker's sweep raises the incident.
    time_machine.shift(timedelta(hours=2))
    assert raise_missed_check_ins() == 1
    assert case.incidents.get().kind == IncidentKind.MISSED_CHECK_IN

    # Both sessions timed out meanwhile: each logs in again and finds the case first.
    log_in(mine, worker, worker_device)
    first_row = mine.locator("table.my-cases tbody tr").first
    assert first_row.get_attribute("data-case") == ref
    assert "row--alert" in first_row.get_attribute("class")
    log_in(boss, coordinator, coordinator_device)
    boss.goto("/board/")
    assert boss.locator("#incidents tbody tr").first.get_attribute("data-case") == ref
    assert boss.locator("html").get_attribute("lang") == "ru"
    boss.context.close()
    mine.context.close()


def test_a_browser_profile_keeps_nothing_of_a_case_after_logout(browser, live_server, tmp_path):
    """C23: open a case, reveal it, type into its forms, log out; scan the profile."""
    canaries = new_canaries()
    fixture = build_case(canaries)
    typed = {"note": f"CANARY{'A1' * 8}", "address": f"CANARY{'B2' * 8}"}
    device = totp_device(fixture.owner)
    profile = tmp_path / "profile"
    context = browser.browser_type.launch_persistent_context(
        profile,
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        base_url=live_server.url,
        locale="ru-RU",
    )
    page = context.new_page()
    log_in(page, fixture.owner, device)
    page.goto(f"/cases/{fixture.case.ref}/")
    page.click("[data-open-case]")
    page.wait_for_load_state()
    shown = page.content()
    assert canaries["narrative"] in shown
    assert canaries["note"] in shown
    page.goto(f"/cases/{fixture.case.ref}/notes/add/")
    page.fill("textarea[name=body]", typed["note"])
    submit(page)
    page.goto(f"/cases/{fixture.case.ref}/placements/add/")
    page.fill("input[name=shelter_ref]", "SH-03")
    page.fill("input[name=address]", typed["address"])
    page.fill("input[name=starts_on]", clock.today().isoformat())
    submit(page)
    page.click("form[action='/logout/'] button[type=submit]")
    page.wait_for_load_state()
    context.close()
    # The scan is not blind: the browser's history holds the case's reference (never a name).
    assert "Default/History" in find_canary(profile, fixture.case.ref)
    leaks = {
        name: hits
        for name, value in {**canaries, **typed}.items()
        if (hits := find_canary(profile, value))
    }
    assert leaks == {}
