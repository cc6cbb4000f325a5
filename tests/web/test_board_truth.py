"""The board and the approvals tell the truth: the workload table counts what each
person's dashboard counts; an approval says who asked, for what, in words; an open
incident takes one line, its steps folded until asked for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from corridor.accounts import approvals
from corridor.accounts import services as accounts
from corridor.accounts.models import ApprovalKind
from corridor.accounts.roles import Role
from corridor.cases import dashboards
from corridor.cases.models import IncidentKind
from corridor.cases.services import safety, work
from corridor.core import clock
from corridor.people.models import Channel
from corridor.web.approval_words import EMERGENCY_WORDS
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def cell(page: str, username: str, count: str) -> str:
    row = page[page.index(f'data-person="{username}"') :]
    start = row.index(f'data-count="{count}">') + len(f'data-count="{count}">')
    return row[start : row.index("<", start)]


def test_the_workload_counts_what_each_dashboard_counts(
    open_case, caseworker, coordinator, time_machine
):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    first, second = open_case(), open_case()
    work.add_task(actor=caseworker, case=first, title="call", due_on=clock.today())
    work.add_task(actor=caseworker, case=second, title="book", due_on=clock.today())
    safety.set_protocol(
        actor=caseworker,
        case=second,
        person=second.members.get().person,
        channel=Channel.SIGNAL,
        every_hours=2,
    )
    time_machine.shift(timedelta(days=3))
    mine = dashboards.list_my_cases_by_danger(caseworker)
    tasks = sum(row.signals.overdue_tasks for row in mine)
    check_ins = sum(row.signals.overdue_check_ins for row in mine)
    assert tasks >= 2
    assert check_ins == 1
    row = {w.username: w for w in dashboards.count_workload()}[caseworker.username]
    assert (row.cases, row.overdue_tasks, row.overdue_check_ins) == (len(mine), tasks, check_ins)
    page = client_for(coordinator).get("/board/").content.decode()
    assert cell(page, caseworker.username, "overdue-tasks") == str(tasks)
    assert cell(page, caseworker.username, "overdue-check-ins") == "1"


def test_an_open_incident_is_one_line_with_its_steps_folded(open_case, caseworker, coordinator):
    case = open_case()
    safety.raise_incident(actor=caseworker, case=case, kind=IncidentKind.DETAINED)
    page = client_for(coordinator).get("/board/").content.decode()
    incidents = page[page.index('id="incidents"') : page.index('id="overdue-requests"')]
    assert incidents.count(f'data-case="{case.ref}"') == 1
    assert '<details class="fold incident-steps">' in incidents  # folded until asked for
    assert "<details open" not in incidents
    assert "Steps done: 0 of" in incidents


def test_an_approval_says_who_asked_for_what_in_words(db, vault_keys):
    asker = StaffFactory(roles=[Role.ADMIN, Role.COORDINATOR], username="amina")
    target = StaffFactory(roles=[], username="volunteer-ivan")
    approvals.request_approval(
        actor=asker,
        kind=ApprovalKind.GRANT_DATA_ROLE,
        target_type="staff",
        target_id=str(target.pk),
        payload={"role": Role.CASEWORKER.value},
        reason="grant_role",
    )
    approvals.request_approval(
        actor=asker,
        kind=ApprovalKind.PUBLISH_REPORT,
        target_type="reports.public",
        target_id="2025",
        payload={"format": "pdf", "language": "ru", "k": 5},
        reason="publish_report",
    )
    approver = StaffFactory(roles=[Role.COORDINATOR, Role.ADMIN])
    page = client_for(approver).get("/approvals/").content.decode()
    assert "amina (Administrator, Coordinator)" in page
    assert "for volunteer-ivan" in page
    assert "role: Caseworker" in page
    assert "format: PDF" in page
    assert "in Russian" in page
    assert "period: 2025" in page
    assert f"staff {target.pk}" not in page
    assert "reports.public" not in page


def test_an_emergency_to_review_gives_its_reason_in_words_in_both_languages(db, vault_keys):
    # Every reason the emergency path accepts has words (a new one would show its code).
    assert set(EMERGENCY_WORDS) == set(approvals.EMERGENCY_REASONS)
    admin = StaffFactory(roles=[Role.ADMIN], username="amina")
    newcomer = StaffFactory(roles=[], username="volunteer-ivan")
    accounts.reset_password(actor=admin, staff=newcomer, emergency_reason="evacuation_night")
    client = client_for(StaffFactory(roles=[Role.COORDINATOR]))
    page = client.get("/approvals/").content.decode()
    assert "Emergency actions to review" in page
    assert "An evacuation is under way" in page
    assert "evacuation_night" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = client.get("/approvals/").content.decode()
    assert "Идёт эвакуация" in page
    assert "evacuation_night" not in page
