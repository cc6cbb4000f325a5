"""A caseworker records a person's facts on the case page in a real browser, in Russian and
in English, and the routes panel ranks an open plan through a third country.

The case starts as accepting a request opens it (a name, nothing else); everything after
is typed into the person editor's forms: where he is by name, the internal passport into
the document register, his gender identity. Screenshots of the case page at a desktop
and a phone width go to $CORRIDOR_SHOTS (default /tmp/corridor-shots) for a person to look at.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from corridor.accounts.roles import Role
from corridor.cases.services import opening
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.people.inputs import NameEntry, PersonInput
from corridor.people.models import IdentityDocument
from tests.accounts.helpers import current_code
from tests.factories import TEST_PASSWORD, load_shipped_catalog, staff_with, staff_with_device
from tests.keys import vault_keys  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys"),
]
SHOTS = Path(os.environ.get("CORRIDOR_SHOTS", "/tmp/corridor-shots"))
WORDS = {
    "ru": {"where": "Грозный", "to": "Ереван", "typo": "Ерван", "leg": "Чечня → Ереван"},
    "en": {"where": "Grozny", "to": "Yerevan", "typo": "Yerevn", "leg": "Chechnya → Yerevan"},
}


def log_in(page, staff, device) -> None:
    page.goto("/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("form[action='/'] button[type=submit]")
    page.wait_for_load_state()
    page.fill("input[name=code]", current_code(device))
    page.click("form[action='/login/verify/'] button[type=submit]")
    page.wait_for_load_state()


def save(page) -> None:
    page.click("main form[method=post] button[type=submit] >> nth=0")
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_facts_typed_on_the_case_page_open_a_plan(browser, live_server, lang):
    coordinator = staff_with(Role.COORDINATOR)
    worker, device = staff_with_device(Role.CASEWORKER)
    load_shipped_catalog(coordinator)
    case = opening.open_case(
        actor=coordinator,
        principal=PersonInput(names=[NameEntry(script="cyrl", given="Иса", family="Д.")]),
        region="",
        next_action="позвонить",
        next_action_due=clock.today() + timedelta(days=1),
    )
    assign_case(actor=coordinator, case=case, staff=worker)
    person = case.members.get().person

    context = browser.new_context(
        base_url=live_server.url,
        locale="ru-RU" if lang == "ru" else "en-US",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    # The first city typed builds the gazetteer's index (seconds on a busy machine).
    page.set_default_timeout(120_000)
    statuses: list[int] = []
    page.on("response", lambda response: statuses.append(response.status))
    log_in(page, worker, device)
    assert page.locator("html").get_attribute("lang") == lang
    page.goto(f"/cases/{case.ref}/")
    page.click("[data-open-case]")
    page.wait_for_load_state()

    page.goto(f"/cases/{case.ref}/people/contacts/?person={person.pk}")
    page.fill("input[name=where]", WORDS[lang]["where"])
    save(page)
    page.goto(f"/cases/{case.ref}/people/identity/?person={person.pk}")
    page.fill("input[name=nationality]", "Россия" if lang == "ru" else "Russia")
    page.select_option("select[name=sex]", "male")
    page.select_option("select[name=gender_identity]", "man")
    save(page)
    page.goto(f"/cases/{case.ref}/documents/add/?person={person.pk}")
    page.select_option("select[name=kind]", "internal_passport")
    page.fill("input[name=number]", "9612 345678")
    save(page)

    assert IdentityDocument.objects.filter(person=person, kind="internal_passport").exists()
    page.goto(f"/cases/{case.ref}/")
    plans = page.locator("#routes article.route[data-route*='+']")
    assert plans.count() > 0
    assert page.locator("[data-documents-unknown]").count() == 0
    assert "9612 345678" in page.locator("table.documents").inner_text()
    assert all(status < 500 for status in statuses), statuses

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"case-{lang}-1280.png"), full_page=True)
    page.goto(f"/cases/{case.ref}/people/danger/?person={person.pk}")
    page.fill("input[name=avoid_countries]", "Казахстан, Турция" if lang == "ru" else "Kazakhstan")
    page.fill("input[name=previous_refusals]", "Грмания" if lang == "ru" else "Germny")
    save(page)
    page.screenshot(path=str(SHOTS / f"danger-typo-{lang}-1280.png"), full_page=True)
    assert page.locator(".field__error").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/cases/{case.ref}/")
    page.screenshot(path=str(SHOTS / f"case-{lang}-390.png"), full_page=True)
    page.goto(f"/cases/{case.ref}/people/prospects/?person={person.pk}")
    page.screenshot(path=str(SHOTS / f"prospects-{lang}-390.png"), full_page=True)

    # A journey's ends are typed by name too; a typo comes back with the name meant.
    page.goto(f"/cases/{case.ref}/legs/add/")
    page.select_option("select[name=kind]", "exit_region")
    page.fill("input[name=from_place]", WORDS[lang]["where"])
    page.fill("input[name=to_place]", WORDS[lang]["typo"])
    page.select_option("select[name=mode]", "bus")
    page.fill("input[name=travel_on]", (clock.today() + timedelta(days=2)).isoformat())
    save(page)
    page.screenshot(path=str(SHOTS / f"journey-typo-{lang}-390.png"), full_page=True)
    assert WORDS[lang]["to"] in page.locator(".field__error").inner_text()
    page.fill("input[name=to_place]", WORDS[lang]["to"])
    save(page)
    assert WORDS[lang]["leg"] in page.content()
    assert all(status < 500 for status in statuses), statuses
    context.close()
