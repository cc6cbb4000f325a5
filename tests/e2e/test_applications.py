"""Routes and applications in a real browser, in Russian: a caseworker opens a case, reads
the ranked routes with their reasons, starts an application from one, records the interview
and the refusal, and sees the route fall in the ranking with our outcome beside it."""

from __future__ import annotations

import pytest

from corridor.cases.access import case_key
from corridor.pathways.models import Application, ApplicationStatus
from corridor.people.inputs import PersonInput
from corridor.people.services import update_person
from tests.e2e.test_case_work import log_in, submit
from tests.factories import totp_device
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.security.case_fixture import build_case

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]
PLAN = "transit-kz+no-refugee-quota"  # UNHCR registers refugees in Kazakhstan, not in Armenia


def shown(page, route: str):
    """The plan's block, unfolding "more open routes and plans" when it ranks below the
    first five (a quota, which needs selection, ranks below what the person can start)."""
    plan = page.locator(f"article.route[data-route='{route}']")
    if not plan.is_visible():
        page.locator("[data-more-plans] > summary").click()
    return plan


def rank_of(page, route: str) -> int:
    return int(page.locator(f"article.route[data-route='{route}']").get_attribute("data-rank"))


def test_a_caseworker_follows_a_route_to_a_refusal_and_sees_the_ranking_change(
    browser, live_server
):
    fixture = build_case()
    update_person(
        actor=fixture.coordinator,
        person=fixture.principal,
        key=case_key(fixture.coordinator, fixture.case),
        data=PersonInput(ties=["DE"], profile_tags=["lgbt"], has_internal_passport=True),
        version=fixture.principal.version,
    )
    device = totp_device(fixture.owner)
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    log_in(page, fixture.owner, device)
    ref = fixture.case.ref

    page.goto(f"/cases/{ref}/")
    assert "скрыто, пока дело не открыто" in page.content()
    page.click("[data-open-case]")
    page.wait_for_load_state()
    panel = page.locator("#routes")
    assert "Пути выезда из страны" in panel.inner_text()
    assert "Правовые пути и планы" in panel.inner_text()
    plan = shown(page, PLAN)
    assert "наших результатов пока нет" in plan.locator("[data-explanation]").inner_text()
    before = rank_of(page, PLAN)

    # Start an application from the route's own link: the route comes chosen.
    plan.locator("[data-start-application]").click()
    page.wait_for_load_state()
    assert page.locator("select[name=route]").input_value() == "no-refugee-quota"
    page.fill("input[name=authority]", "УВКБ ООН, Алматы")
    submit(page)
    application = Application.objects.get(case=fixture.case, route_id="no-refugee-quota")
    assert "Заявление начато." in page.content()

    def record(status: str, reason: str = "") -> None:
        page.locator(
            f"a[href='/cases/{ref}/applications/status/?application={application.pk}']"
        ).click()
        page.wait_for_load_state()
        page.select_option("select[name=status]", status)
        if reason:
            page.select_option("select[name=denial_reason]", reason)
        submit(page)

    record("submitted")
    record("interview")
    record("denied")  # no reason: the form says what is missing and keeps the choice
    assert "Укажите" in page.content() or "причин" in page.content()
    assert page.locator("select[name=status]").input_value() == "denied"
    page.select_option("select[name=denial_reason]", "discretion")
    submit(page)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DENIED
    assert application.denial_reason == "discretion"

    after_plan = shown(page, PLAN)
    assert (
        "наши результаты: одобрено 0 из 1" in after_plan.locator("[data-explanation]").inner_text()
    )
    assert rank_of(page, PLAN) > before
    assert "УВКБ ООН, Алматы" in page.locator("#applications").inner_text()
    context.close()
