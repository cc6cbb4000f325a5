"""The typical evacuation (tests/factories.typical_evacuation) driven through the staff pages
in a real browser, counting every state-changing request the caseworker starts.

From an accepted request to a closed case takes at most MAX_EVACUATION_SUBMISSIONS forms,
with no step lost: every milestone reached, the application granted, both journeys
completed, the three check-ins recorded, and what the person asked us to say if someone
else answers still on their contact protocol after the caseworker saved it.
"""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, Milestone, MilestoneKind, Phase
from corridor.core import clock
from corridor.pathways.models import ApplicationStatus
from tests.e2e.test_case_work import log_in
from tests.factories import (
    IF_SOMEONE_ELSE_ANSWERS,
    MAX_EVACUATION_SUBMISSIONS,
    EvacuationStep,
    accepted_case,
    load_shipped_catalog,
    staff_with_device,
    typical_evacuation,
)
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.portal_helpers import fast_kdf  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
    pytest.mark.usefixtures("vault_keys", "fast_kdf"),
]


def fill_in(page, step: EvacuationStep) -> None:
    for name, value in step.select.items():
        page.select_option(f"main form[method=post] select[name={name}]", value)
    for name, value in step.fill.items():
        page.fill(f"main form[method=post] [name={name}]", value)
    for name in step.check:
        page.check(f"main form[method=post] input[name={name}]")
    # The closing checklist: each thing still running is ended.
    for choice in page.locator("#still-running input[value=end]").all():
        choice.check()


def test_the_typical_evacuation_takes_at_most_fifteen_forms(browser, live_server):
    coordinator, _ = staff_with_device(Role.COORDINATOR)
    worker, worker_device = staff_with_device(Role.CASEWORKER)
    load_shipped_catalog(coordinator)
    case = accepted_case(coordinator, worker)
    context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    page = context.new_page()
    log_in(page, worker, worker_device)
    submissions: list[str] = []
    errors: list[tuple[int, str]] = []
    page.on("request", lambda r: submissions.append(r.url) if r.method != "GET" else None)
    page.on("response", lambda r: errors.append((r.status, r.url)) if r.status >= 400 else None)

    page.goto(f"/cases/{case.ref}/")
    page.click("[data-open-case]")
    page.wait_for_load_state()
    for step in typical_evacuation(clock.today()):
        page.goto(f"/cases/{case.ref}/{step.path}/")
        fill_in(page, step)
        page.click("main form[method=post] button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith(f"/cases/{case.ref}/"), (step.what, page.content()[:3000])
        if step.path == "protocol":
            # Saving the protocol kept what the person asked for in their request.
            kept = page.locator("article.person [data-protocol-words]").text_content()
            assert IF_SOMEONE_ELSE_ANSWERS in kept

    assert errors == []
    assert len(submissions) <= MAX_EVACUATION_SUBMISSIONS, submissions
    case = Case.objects.get(pk=case.pk)
    assert case.phase == Phase.CLOSED
    person = case.members.get().person
    reached = set(Milestone.objects.filter(person=person).values_list("kind", flat=True))
    for kind in (
        MilestoneKind.DOCUMENTS_READY,
        MilestoneKind.VISA_GRANTED,
        MilestoneKind.LEFT_COUNTRY,
        MilestoneKind.ARRIVED,
    ):
        assert kind in reached, kind
    application = case.applications.get()
    assert application.status == ApplicationStatus.GRANTED
    assert list(application.steps.order_by("on", "id").values_list("status", flat=True)) == [
        "draft",
        "submitted",
        "granted",
    ]
    assert case.legs.filter(completed_on=clock.today()).count() == 2
    assert case.placements.count() == 1
    assert case.assessments.count() == 1
    assert person.protocol.check_in_word is not None
    check_ins = AuditEntry.objects.filter(event_type=EventType.CHECK_IN_RECORDED, case_id=case.ref)
    assert check_ins.count() == 3
    context.close()
