"""The pages for corrections, closing, reopening and incidents, and the applications board:
what a person sees, what they are refused, and that nothing they typed is lost."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import Milestone, MilestoneKind, Phase
from corridor.cases.selectors import list_running
from corridor.cases.services import safety
from corridor.core import clock
from corridor.pathways.applications import record_status
from corridor.pathways.models import ApplicationStatus
from corridor.pathways.selectors import list_running_applications
from tests.cases.conftest import CASE_DB, close_settled
from tests.factories import StaffFactory
from tests.web.conftest import client_for

pytestmark = CASE_DB


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def test_a_milestone_date_is_corrected_and_the_timeline_says_so(fx):
    client = client_for(fx.owner)
    milestone = fx.principal.milestones.get(kind=MilestoneKind.SAFE_PLACE)
    page = f"/cases/{fx.case.ref}/milestones/correct/"
    assert "· In a safe place ·" in text_of(client.get(page))
    refused = client.post(
        page,
        {
            "milestone": milestone.pk,
            "reached_on": clock.today() + timedelta(days=3),
            "reason": "the date the flat was ready",
        },
    )
    assert refused.status_code == 400
    assert "cannot be dated in the future" in text_of(refused)
    assert "the date the flat was ready" in text_of(refused)  # nothing typed is lost
    done = client.post(
        page,
        {
            "milestone": milestone.pk,
            "reached_on": clock.today() - timedelta(days=2),
            "reason": "the date the flat was ready",
        },
    )
    assert done.status_code == 302
    milestone.refresh_from_db()
    assert milestone.reached_on == clock.today() - timedelta(days=2)
    body = text_of(client.get(f"/cases/{fx.case.ref}/"))
    assert 'class="timeline--correction"' in body
    assert "Milestone date corrected" in body


def test_a_milestone_is_retracted_from_the_page(fx):
    client = client_for(fx.owner)
    milestone = fx.second.milestones.get(kind=MilestoneKind.SAFE_PLACE)
    response = client.post(
        f"/cases/{fx.case.ref}/milestones/retract/",
        {"milestone": milestone.pk, "reason": "the child stayed with the grandmother"},
    )
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    assert "Milestone retracted (recorded by mistake)" in text_of(
        client.get(f"/cases/{fx.case.ref}/")
    )


def test_an_application_status_is_withdrawn_from_the_page(fx):
    record_status(
        actor=fx.owner,
        application=fx.application,
        status=ApplicationStatus.SUBMITTED,
        on=clock.today(),
    )
    fx.application.refresh_from_db()
    client = client_for(fx.owner)
    case_page = text_of(client.get(f"/cases/{fx.case.ref}/"))
    link = f"/cases/{fx.case.ref}/applications/retract/?application={fx.application.pk}"
    assert html.escape(link) in client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert "Withdraw a status recorded by mistake" in case_page
    form = text_of(client.get(link))
    assert 'name="version"' in form
    response = client.post(
        link.split("?")[0],
        {
            "application": fx.application.pk,
            "reason": "it was the other family's",
            "version": fx.application.version,
            "version_of": str(fx.application.pk),
        },
    )
    assert response.status_code == 302
    fx.application.refresh_from_db()
    assert fx.application.status == ApplicationStatus.DRAFT


def test_only_a_coordinator_reopens_a_closed_case(fx):
    close_settled(fx.coordinator, fx.fresh(), "withdrawn")
    owner = client_for(fx.owner)
    page = text_of(owner.get(f"/cases/{fx.case.ref}/"))
    assert "Only a coordinator can reopen a case." in page
    assert owner.get(f"/cases/{fx.case.ref}/reopen/").status_code == 404
    assert owner.post(f"/cases/{fx.case.ref}/reopen/", {"reason": "new_danger"}).status_code == 404
    assert fx.fresh().phase == Phase.CLOSED
    coordinator = client_for(fx.coordinator)
    response = coordinator.post(f"/cases/{fx.case.ref}/reopen/", {"reason": "new_danger"})
    assert response.status_code == 302
    assert fx.fresh().phase != Phase.CLOSED


def test_the_closing_checklist_lists_what_runs_and_refuses_until_each_is_settled(fx):
    client = client_for(fx.owner)
    page = f"/cases/{fx.case.ref}/close/"
    items = [*list_running(fx.case), *list_running_applications(fx.case.pk)]
    shown = text_of(client.get(page))
    for item in items:
        assert item.label in shown
    assert "1 contact protocol stops when the case closes" in shown
    data = {"reason": "referred_out", "version": fx.fresh().version, "sharing_confirmed": "on"}
    for item in items:
        data[f"do_{item.key}"] = "end" if item.endable else "keep"
    data["why_" + items[-1].key] = "the partner files it"
    refused = client.post(page, data)
    assert refused.status_code == 400
    assert "Still running: Incident: Safe house raided" in text_of(refused)
    assert "the partner files it" in text_of(refused)
    assert fx.fresh().phase != Phase.CLOSED
    incident = next(item for item in items if item.kind == "incident")
    data[f"why_{incident.key}"] = "the coordinator follows it up"
    closed = client.post(page, data)
    assert closed.status_code == 302
    assert fx.fresh().phase == Phase.CLOSED
    assert AuditEntry.objects.filter(event_type="cases.protocol_stopped").exists()
    body = text_of(client.get(f"/cases/{fx.case.ref}/"))
    assert "Contact protocols are stopped." in body
    assert "Kept running when the case closed" in body


def test_an_incident_refused_closing_keeps_the_outcome_typed_and_skips_need_a_reason(fx):
    client = client_for(fx.owner)
    page = f"/cases/{fx.case.ref}/incidents/{fx.incident.pk}/"
    refused = client.post(page + "close/", {"outcome": "he called from Tbilisi"})
    assert refused.status_code == 400
    body = text_of(refused)
    assert "Still open: Coordinator informed" in body
    assert "he called from Tbilisi" in body
    no_reason = client.post(
        page + "skip/",
        {"step": "relocation_decided", "relocation_decided-step": "relocation_decided"},
    )
    assert no_reason.status_code == 400
    for step in safety.CHECKLIST[:-1]:
        client.post(page + "step/", {"step": step})
    skipped = client.post(
        page + "skip/",
        {
            "step": "relocation_decided",
            "relocation_decided-step": "relocation_decided",
            "relocation_decided-reason": "he is already abroad",
        },
    )
    assert skipped.status_code == 302
    assert client.post(page + "close/", {"outcome": "he called"}).status_code == 302
    fx.incident.refresh_from_db()
    assert fx.incident.closed_at is not None
    # The words show once the case is open for work, and each read is recorded.
    client.post(f"/cases/{fx.case.ref}/open/")
    opened = text_of(client.get(page))
    assert "he is already abroad" in opened
    assert "he called" in opened


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.CASEWORKER])
def test_the_applications_board_shows_a_denial_of_this_quarter(fx, role):
    """It answered 500 for every role once a denial was recorded this quarter."""
    record_status(
        actor=fx.owner,
        application=fx.application,
        status=ApplicationStatus.SUBMITTED,
        on=clock.today(),
    )
    record_status(
        actor=fx.owner,
        application=fx.application,
        status=ApplicationStatus.DENIED,
        on=clock.today(),
        denial_reason="no_legal_basis",
    )
    viewer = fx.coordinator if role is Role.COORDINATOR else fx.owner
    response = client_for(viewer).get("/applications/")
    assert response.status_code == 200
    assert "Why denied" in text_of(response)
    assert f"{fx.application.get_denial_reason_display()}: 1" in text_of(response)


def test_a_role_without_the_board_is_refused_not_failed(fx):
    assert client_for(StaffFactory(roles=[Role.AUDITOR])).get("/applications/").status_code == 403
