"""One fictional person walked through Corridor in Russian, every step through its pages.

He writes on the portal with JavaScript off and answers every question; the worker screens
the request; a verifier reads the preview of what accepting carries into the case and
accepts; a coordinator assigns the case; the caseworker opens it and finds every answer
without retyping, records his nationality and where he is by name, adds his new
international passport, follows an open plan through a third country to a grant, records
his departure and arrival, and closes the case through its checklist. No page answers
with a 5xx, and no name or story text is ever in an address the browsers visited.

Only what is not a page runs in-process: loading the shipped catalog of routes (once, as
an operator does) and the worker's screening of the new request.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import translation

from corridor.accounts.roles import Role
from corridor.cases.models import Case, ClosureReason, MilestoneKind, Phase
from corridor.core import clock
from corridor.core.actors import WORKER
from corridor.intake.models import Request, Status
from corridor.intake.services.screening import screen_request
from corridor.pathways.models import Application, ApplicationStatus
from tests.e2e.test_case_work import log_in, staff_with_device, submit
from tests.factories import load_shipped_catalog
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.portal_helpers import FAST_KDF

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]

NAME = "Ислам"
REGION = "Чечня, под Грозным"
STORY = (
    "Родственники узнали, кто я, забрали мой загранпаспорт и угрожают расправой. "
    "Полиция на их стороне. Мне нужно уехать из страны как можно скорее."
)
SAFE_CONTACT = "Сигнал, после 23:00, когда я один"
IF_SOMEONE_ELSE = "Скажите, что ошиблись номером"
# Words that identify him or his story, never to be seen in an address.
PRIVATE_WORDS = (NAME, "Чечня", "Грозн", "Родственники", "загранпаспорт", "Сигнал", "ошиблись")


def russian(label: object) -> str:
    with translation.override("ru"):
        return str(label)


class Visits:
    """Every response the browsers received: its address and status."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str]] = []

    def watch(self, page) -> None:
        page.on("response", lambda response: self.seen.append((response.status, response.url)))

    def server_errors(self) -> list[tuple[int, str]]:
        return [(status, url) for status, url in self.seen if status >= 500]

    def private_in_urls(self) -> list[str]:
        return [
            url
            for _status, url in self.seen
            if any(word.lower() in unquote(url).lower() for word in PRIVATE_WORDS)
        ]


def milestones_of_first_person(page) -> dict[str, str]:
    """The milestone table on the case page, as {milestone: date or "—"} for person 1."""
    table = page.locator("section.card:has(h2:text-is('Этап и вехи')) table")
    # A row per milestone, a column per person: person 1's date is each row's first cell.
    return {
        row.locator("th").inner_text(): row.locator("td").first.inner_text()
        for row in table.locator("tbody tr").all()
    }


def unfold(page) -> None:
    """Open every folded part of the page, as a reader clicks each summary line."""
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")


def write_on_the_portal(page) -> str:
    """Step 1: every question answered, JavaScript off; returns the codename."""
    page.goto("/help/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("script").count() == 0
    assert "Что мы храним и кто может это видеть" in page.locator("#consent").inner_text()
    page.check("input[name=urgency][value=days]")
    page.fill("input[name=region]", REGION)
    page.check("input[name=danger_from][value=family]")
    page.check("input[name=danger_from][value=police]")
    page.select_option("select[name=people]", "1")
    page.check("input[name=documents_held][value=internal_passport]")
    page.check("input[name=documents_held][value=birth_certificate]")
    page.check("input[name=documents_taken][value=international_passport]")
    page.select_option("select[name=address_as]", "masculine")
    page.fill("input[name=name_to_use]", NAME)
    page.fill("textarea[name=safe_contact]", SAFE_CONTACT)
    page.fill("input[name=if_someone_else]", IF_SOMEONE_ELSE)
    page.select_option("select[name=heard_from]", "friend")
    page.fill("textarea[name=story]", STORY)
    page.check("input[name=consent_keep]")
    page.check("input[name=consent_share][value=yes]")
    page.click("form.request button[type=submit]")
    page.wait_for_url("**/help/codename/")
    codename = page.locator("#codename").inner_text().strip()
    assert len(codename.split()) == 6
    page.fill("input[name=codename]", codename)
    page.locator("form[action='/help/codename/'] button[type=submit]").click()
    page.wait_for_url("**/help/thread/")
    assert page.locator("h1").inner_text() == "Ваша переписка с нами"
    return codename


def test_one_person_from_the_portal_to_a_closed_case_in_russian(browser, live_server, settings):
    settings.CORRIDOR_CODENAME_KDF = FAST_KDF
    verifier, verifier_device = staff_with_device(Role.VERIFIER)
    coordinator, coordinator_device = staff_with_device(Role.COORDINATOR)
    worker, worker_device = staff_with_device(Role.CASEWORKER)
    # The shipped catalog of routes, as an operator loads it once.
    load_shipped_catalog(coordinator)
    visits = Visits()

    def new_page(*, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=javascript, locale="ru-RU"
        )
        opened = context.new_page()
        visits.watch(opened)
        return opened

    # 1. He writes on the portal, with JavaScript off, and keeps his codename.
    person = new_page(javascript=False)
    write_on_the_portal(person)
    request = Request.objects.get()

    # 2. The worker screens it; the verifier reads the preview and accepts.
    screen_request(actor=WORKER, request_id=request.pk)
    desk = new_page()
    log_in(desk, verifier, verifier_device)
    desk.goto(f"/requests/{request.pk}/")
    assert STORY in desk.content()
    preview = desk.locator("#carry-over").inner_text()
    assert "Что при принятии перейдёт в дело" in preview
    for answer in (NAME, REGION, SAFE_CONTACT, IF_SOMEONE_ELSE):
        assert answer in preview
    assert STORY[:60] in preview
    desk.select_option("select[name=outcome]", "accept")
    desk.check("input[name=methods][value=call_held]")
    desk.click("#decide")
    desk.wait_for_load_state()
    accepted = Request.objects.get(pk=request.pk)
    assert accepted.status == Status.ACCEPTED
    ref = accepted.case.ref
    # Accepted into a case the verifier is not on: back to the inbox, told the case's ref.
    assert f"стало делом {ref}" in desk.locator("main").inner_text()

    # A coordinator assigns the new case to the caseworker.
    boss = new_page()
    log_in(boss, coordinator, coordinator_device)
    boss.goto(f"/cases/{ref}/assign/")
    boss.select_option("select[name=staff]", str(worker.pk))
    boss.select_option("select[name=lead]", "1")
    submit(boss)
    assert f"Ведёт: {worker.username}" in boss.locator("main").inner_text()

    # 3. The caseworker opens it and finds every answer on the case page.
    mine = new_page()
    log_in(mine, worker, worker_device)
    mine.goto(f"/cases/{ref}/")
    assert "скрыто, пока дело не открыто" in mine.content()
    mine.click("[data-open-case]")
    mine.wait_for_load_state()
    assert mine.locator(".chip--phase").inner_text() == russian(Phase.INTAKE.label)
    principal = mine.locator("article.person").first
    unfold(mine)
    shown = principal.inner_text()
    for answer in (NAME, REGION, STORY, SAFE_CONTACT, IF_SOMEONE_ELSE):
        assert answer in shown, answer
    address_as = principal.locator("dt:text-is('Как к человеку обращаться') + dd").inner_text()
    assert address_as == "В мужском роде"
    danger = principal.locator("dt:text-is('От кого исходит опасность') + dd").inner_text()
    assert danger == "Семья, Региональная полиция, Федеральные службы"
    assert principal.locator("tr[data-document=internal_passport]").count() == 1
    assert principal.locator("tr[data-document=birth_certificate]").count() == 1
    taken = principal.locator("tr[data-document=international_passport]").inner_text()
    assert "Изъят" in taken
    intake = mine.locator("#intake-answers").inner_text()
    for answer in ("Паспорт РФ", "Загранпаспорт", "От друга", REGION):
        assert answer.lower() in intake.lower(), answer
    assert mine.locator("#consent-share").get_attribute("data-share") == "yes"

    # He is a Russian citizen, now in Grozny, with family in Georgia: typed by name.
    mine.click(f"#person-1 a[href^='/cases/{ref}/people/identity/']")
    mine.wait_for_load_state()
    mine.fill("input[name=nationality]", "Россия")
    mine.select_option("select[name=sex]", "male")
    mine.select_option("select[name=age_band]", "18-29")
    submit(mine)
    assert "Сохранено." in mine.content()
    mine.click(f"#person-1 a[href^='/cases/{ref}/people/contacts/']")
    mine.wait_for_load_state()
    mine.fill("input[name=where]", "Грзный")
    submit(mine)
    assert "Не нашли «Грзный»" in mine.content()
    assert "Грозный" in mine.locator(".field__error").first.inner_text()
    mine.fill("input[name=where]", "Грозный")
    submit(mine)
    assert "Сохранено." in mine.content()
    mine.click(f"#person-1 a[href^='/cases/{ref}/people/prospects/']")
    mine.wait_for_load_state()
    mine.fill("input[name=ties]", "Грузия")
    submit(mine)
    assert "Сохранено." in mine.content()
    unfold(mine)
    head = mine.locator("#person-1 h3").inner_text()
    assert "Россия" in head
    ties = mine.locator("#person-1 dt:has-text('Страны, с которыми') + dd").inner_text()
    assert ties == "Грузия"
    case = Case.objects.get(ref=ref)
    him = case.members.get().person
    assert (him.nationality, him.current_country) == ("RU", "RU")

    # His new international passport, in the document register.
    mine.click(f"#person-1 a[href^='/cases/{ref}/documents/add/']")
    mine.wait_for_load_state()
    mine.select_option("select[name=kind]", "international_passport")
    mine.fill("input[name=issuing_country]", "Россия")
    mine.fill("input[name=number]", "75 1234567")
    mine.fill("input[name=issued_on]", (clock.today() - timedelta(days=30)).isoformat())
    mine.fill("input[name=expires_on]", (clock.today() + timedelta(days=3650)).isoformat())
    mine.select_option("select[name=whereabouts]", "with_person")
    submit(mine)
    assert "Документ добавлен." in mine.content()
    passports = mine.locator("#person-1 tr[data-document=international_passport]")
    assert passports.count() == 2
    assert "75 1234567" in "".join(passports.all_inner_texts())

    # 4. The routes panel ranks open plans; he follows one through a third country.
    panel = mine.locator("#routes")
    assert "Правовые пути и планы" in panel.inner_text()
    plans = panel.locator("article.route[data-route*='+']:has([data-start-application])")
    assert plans.count() >= 1, panel.inner_text()
    plan = plans.first
    plan_name = plan.locator("h4").inner_text()
    plan_route = plan.get_attribute("data-route")
    plan.locator("[data-start-application]").click()
    mine.wait_for_load_state()
    route = mine.locator("select[name=route]").input_value()
    assert route
    mine.fill("input[name=authority]", "Посольство, Тбилиси")
    submit(mine)
    assert "Заявление начато." in mine.content(), plan_name
    row = mine.locator(f"#applications tr[data-application='{route}']")
    for status in ("submitted", "granted"):
        row.locator("a[href*='/applications/status/']").click()
        mine.wait_for_load_state()
        mine.select_option("select[name=status]", status)
        submit(mine)
    assert russian(ApplicationStatus.GRANTED.label) in row.inner_text()
    assert Application.objects.get(case=case).status == ApplicationStatus.GRANTED
    granted = mine.locator(f"#routes article.route[data-route='{plan_route}']").inner_text()
    assert "Это дело: Одобрено (Посольство, Тбилиси)" in granted
    today = clock.today().isoformat()
    assert milestones_of_first_person(mine)[russian(MilestoneKind.VISA_GRANTED.label)] == today

    # 5. He leaves the country and arrives: two journeys, each recorded as completed.
    for kind, start, end in (("exit_country", "RU-CE", "GE"), ("arrival", "GE", "DE")):
        mine.goto(f"/cases/{ref}/")
        # The journey's form opens inside its section and is saved there (staff.js).
        logistics = mine.locator("#section-logistics")
        logistics.locator(f"a[href='/cases/{ref}/legs/add/']").click()
        form = logistics.locator("[data-section-form] form")
        form.wait_for()
        form.locator("select[name=kind]").select_option(kind)
        form.locator("input[name=from_place]").fill(start)
        form.locator("input[name=to_place]").fill(end)
        form.locator("select[name=mode]").select_option("plane")
        form.locator("input[name=travel_on]").fill(today)
        form.locator("button[type=submit]").click()
        logistics.locator("[data-section-saved]").wait_for()
        logistics.locator(f"a[href='/cases/{ref}/legs/done/']").click()
        form = logistics.locator("[data-section-form] form")
        form.wait_for()
        form.locator("select[name=leg]").select_option(label=f"{start} → {end} · {today}")
        form.locator("input[name=on]").fill(today)
        # Completing it records milestones and moves the phase: the whole page comes back.
        with mine.expect_navigation():
            form.locator("button[type=submit]").click()
        mine.wait_for_load_state()
    assert mine.locator(".chip--phase").inner_text() == russian(Phase.ARRIVED.label)
    reached = milestones_of_first_person(mine)
    for kind in (MilestoneKind.LEFT_COUNTRY, MilestoneKind.ARRIVED):
        assert reached[russian(kind.label)] == today

    # The closing checklist: each thing still running is ended, or kept with a reason.
    mine.click(f"a[href='/cases/{ref}/close/']")
    mine.wait_for_load_state()
    running = mine.locator("#still-running tr[data-running]")
    # The first next action set when the request was accepted still runs.
    assert mine.locator("#still-running tr[data-running=task]").count() == 1
    for index in range(running.count()):
        item = running.nth(index)
        if item.locator("input[value=end]").count():
            item.locator("input[value=end]").check()
        else:
            item.locator("input[value=keep]").check()
            item.locator("input[type=text]").fill("Он в безопасности, связь сохраняем")
    mine.select_option("select[name=reason]", ClosureReason.SAFE.value)
    submit(mine)
    assert mine.locator(".chip--phase").inner_text() == russian(Phase.CLOSED.label)
    closing = mine.locator("#closing").inner_text()
    assert f"Закрыто {clock.today().isoformat()}: {russian(ClosureReason.SAFE.label)}" in closing
    assert Case.objects.get(ref=ref).phase == Phase.CLOSED
    assert not case.tasks.filter(done_at__isnull=True).exists()

    # The case's history reads in words, never in codes.
    events = mine.locator("table.timeline tbody tr td:nth-child(2)").all_inner_texts()
    assert len(events) > 10
    assert [event for event in events if re.fullmatch(r"[a-z_.]+", event)] == []

    # Nothing broke, and no address carried his name or his story.
    assert any(url.endswith(f"/cases/{ref}/") for _status, url in visits.seen)
    assert visits.server_errors() == []
    assert visits.private_in_urls() == []
    for opened in (person, desk, boss, mine):
        opened.context.close()
