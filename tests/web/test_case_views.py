"""The case pages through the browser's eyes: masking and opening, forms that keep what was
typed, incidents, finding and opening cases, and nothing personal in titles, URLs or messages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from corridor.accounts.drafts import stash_draft
from corridor.accounts.models import Draft
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.models import (
    Case,
    CaseOpening,
    Expense,
    Incident,
    IncidentKind,
    Milestone,
    MilestoneKind,
)
from corridor.cases.services import safety
from corridor.cases.services.safety import CHECKLIST
from corridor.core import clock
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory
from tests.security.case_fixture import build_case
from tests.web.conftest import client_for, reauthenticate

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def title_of(response) -> str:
    return TITLE.search(response.content.decode()).group(1)


def events_since(seq: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("event_type", flat=True)
    )


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_a_case_page_is_titled_by_its_reference_and_people_are_masked(fx):
    client = client_for(fx.owner)
    response = client.get(f"/cases/{fx.case.ref}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert title_of(response).startswith(fx.case.ref)
    assert "Hidden until the case is opened for work" in body
    assert not any(value in body for value in fx.canaries.values())
    assert "Open for work" in body


def test_opening_for_work_shows_the_fields_and_until_when(fx):
    client = client_for(fx.owner)
    response = client.post(f"/cases/{fx.case.ref}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{fx.case.ref}/"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert fx.canaries["narrative"] in body
    assert fx.canaries["placement_address"] not in body  # coordinators only
    assert "data-opened-until" in body
    assert title_of(page).startswith(fx.case.ref)
    assert fx.canaries["given_name"] not in title_of(page)


def test_a_coordinator_not_assigned_confirms_who_they_are_and_says_why(fx, time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    client = client_for(coordinator)
    time_machine.shift(timedelta(minutes=6))
    response = client.get(f"/cases/{fx.case.ref}/open/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/reauth/?next=")
    reauthenticate(client, coordinator)
    assert client.get(f"/cases/{fx.case.ref}/open/").status_code == 200
    refused = client.post(f"/cases/{fx.case.ref}/open/", {"reason": ""})
    assert refused.status_code == 400
    assert "Choose why you are opening" in refused.content.decode()
    assert not CaseOpening.objects.filter(staff=coordinator).exists()
    before = last_seq()
    opened = client.post(f"/cases/{fx.case.ref}/open/", {"reason": "incident_response"})
    assert opened.status_code == 302
    assert events_since(before) == ["cases.case_revealed"]
    assert AuditEntry.objects.get(seq=before + 1).reason == "incident_response"
    assert fx.canaries["placement_address"] in client.get(f"/cases/{fx.case.ref}/").content.decode()


def test_a_coordinator_not_assigned_adds_a_note_only_after_opening(fx):
    coordinator = StaffFactory(roles=[Role.COORDINATOR])
    client = client_for(coordinator)
    sent_away = client.post(f"/cases/{fx.case.ref}/notes/add/", {"body": "from the night shift"})
    assert sent_away["Location"] == f"/cases/{fx.case.ref}/open/"
    client.post(f"/cases/{fx.case.ref}/open/", {"reason": "covering_absence"})
    saved = client.post(f"/cases/{fx.case.ref}/notes/add/", {"body": "from the night shift"})
    assert saved.status_code == 302
    assert fx.case.notes.count() == 2


def test_each_milestone_is_a_row_with_a_date_per_person(fx):
    """The side column lists milestones down and people across, so the table fits it."""
    client = client_for(fx.owner)
    reached = clock.today() - timedelta(days=3)
    saved = client.post(
        f"/cases/{fx.case.ref}/milestones/add/",
        {"person": fx.principal.pk, "kind": "out_of_region", "reached_on": reached},
    )
    assert saved.status_code == 302
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    table = page.split('<table class="milestones">', 1)[1].split("</table>", 1)[0]
    row = table.split('<th scope="row">Out of the danger region</th>', 1)[1].split("</tr>", 1)[0]
    assert reached.isoformat() in row
    assert table.count('<th scope="row">') == len(MilestoneKind)


def test_an_invalid_form_keeps_what_was_typed_and_says_what_to_fix(fx):
    client = client_for(fx.owner)
    tomorrow = clock.today() + timedelta(days=1)
    response = client.post(
        f"/cases/{fx.case.ref}/milestones/add/",
        {"person": fx.principal.pk, "kind": "out_of_region", "reached_on": tomorrow},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "A milestone cannot be dated in the future." in body
    assert tomorrow.isoformat() in body
    assert not Milestone.objects.filter(case=fx.case, kind="out_of_region").exists()
    empty = client.post(f"/cases/{fx.case.ref}/tasks/add/", {"title": "", "due_on": "not a date"})
    assert empty.status_code == 400
    assert empty.content.decode().count('class="field__error"') == 2


def test_a_person_from_another_case_is_an_invalid_choice(fx):
    other = build_case()
    client = client_for(fx.owner)
    response = client.post(
        f"/cases/{fx.case.ref}/milestones/add/",
        {"person": other.principal.pk, "kind": "documents_ready", "reached_on": clock.today()},
    )
    assert response.status_code == 400
    assert not Milestone.objects.filter(person=other.principal, kind="documents_ready").exists()


def test_a_stale_form_is_refused_with_a_sentence(fx):
    client = client_for(fx.owner)
    stale = fx.fresh().version - 1
    response = client.post(
        f"/cases/{fx.case.ref}/close/", {"reason": "withdrawn", "version": stale}
    )
    assert response.status_code == 400
    assert "Someone else changed this case" in response.content.decode()
    assert fx.fresh().phase != "closed"


def test_notes_keep_a_draft_and_forget_it_once_saved(fx, canary):
    client = client_for(fx.owner)
    path = f"/cases/{fx.case.ref}/notes/add/"
    assert "data-draft" in client.get(path).content.decode()
    stash_draft(staff=fx.owner, form_path=path, fields={"body": f"half a note {canary}"})
    assert f"half a note {canary}" in client.get(path).content.decode()
    client.post(path, {"body": f"the whole note {canary}"})
    assert not Draft.objects.filter(staff=fx.owner).exists()


def test_the_duress_word_in_a_check_in_raises_an_incident(fx):
    client = client_for(fx.owner)
    response = client.post(
        f"/cases/{fx.case.ref}/check-in/",
        {"person": fx.principal.pk, "words": f"all fine {fx.canaries['duress_word']} thanks"},
    )
    assert response.status_code == 302
    assert Incident.objects.filter(case=fx.case, kind=IncidentKind.DURESS).exists()
    dashboard = client.get("/").content.decode()
    assert dashboard.index(fx.case.ref) < dashboard.index("</table>")
    assert "Duress word received" in dashboard


def test_a_check_in_without_a_protocol_says_so(fx):
    client = client_for(fx.owner)
    response = client.post(f"/cases/{fx.case.ref}/check-in/", {"person": fx.second.pk})
    assert response.status_code == 400
    assert "no contact protocol yet" in response.content.decode()


def test_incident_steps_are_timed_and_audited(time_machine):
    time_machine.move_to("2026-05-04 10:00:00Z", tick=False)
    fx = build_case()
    client = client_for(fx.owner)
    page = f"/cases/{fx.case.ref}/incidents/{fx.incident.pk}/"
    time_machine.shift(timedelta(minutes=12))
    before = last_seq()
    response = client.post(page + "step/", {"step": "person_contacted"})
    assert response["Location"] == page
    assert events_since(before) == ["cases.incident_step_done"]
    body = client.get(page).content.decode()
    assert "12 minutes after opening" in body
    again = client.post(page + "step/", {"step": "person_contacted"})
    assert again.status_code == 302
    assert events_since(before) == ["cases.incident_step_done", "cases.case_viewed"]
    for step in CHECKLIST:
        client.post(page + "step/", {"step": step})
    client.post(page + "close/", {"outcome": "safe at a friend's"})
    fx.incident.refresh_from_db()
    assert fx.incident.closed_at is not None


def test_an_incident_of_another_case_is_not_found(fx):
    other = build_case()
    client = client_for(fx.owner)
    assert client.get(f"/cases/{fx.case.ref}/incidents/{other.incident.pk}/").status_code == 404
    response = client.post(
        f"/cases/{fx.case.ref}/incidents/{other.incident.pk}/step/", {"step": "person_contacted"}
    )
    assert response.status_code == 404
    other.incident.refresh_from_db()
    assert not any(step["done_at"] for step in other.incident.checklist)


def test_find_goes_to_a_case_by_its_reference_however_typed(fx):
    client = client_for(fx.owner)
    typed = fx.case.ref.lower().replace("-", "")
    response = client.get("/cases/find/", {"ref": typed})
    assert response["Location"] == f"/cases/{fx.case.ref}/"
    assert client.get("/cases/find/", {"ref": "CR-12"}).status_code == 400


def test_a_coordinator_opens_a_new_case_and_lands_on_it(fx, canary):
    client = client_for(fx.coordinator)
    empty = client.post("/cases/new/", {"narrative": f"no name {canary}", "sex": "unknown"})
    assert empty.status_code == 400
    assert f"no name {canary}" in empty.content.decode()
    count = Case.objects.count()
    response = client.post(
        "/cases/new/",
        {
            "given_cyrl": f"Аминат{canary}",
            "sex": "female",
            "age_band": "18-29",
            "region": "ru-ce",
            "next_action": "call back tonight",
            "next_action_due": clock.today(),
        },
    )
    assert Case.objects.count() == count + 1
    case = Case.objects.order_by("-opened_at").first()
    assert response["Location"] == f"/cases/{case.ref}/"
    assert canary not in response["Location"]
    assert case.region == "RU-CE"


def test_only_coordinators_open_new_cases(fx):
    assert client_for(fx.owner).get("/cases/new/").status_code == 403


@pytest.mark.parametrize(
    ("currency", "typed", "stored"),
    [("EUR", "12.5", 1250), ("JPY", "1500", 1500), ("KWD", "1.234", 1234)],
)
def test_expense_amounts_follow_the_currency(fx, settings, currency, typed, stored):
    settings.CORRIDOR_REPORTING_CURRENCY = currency
    client = client_for(fx.owner)
    client.post(
        f"/cases/{fx.case.ref}/expenses/add/",
        {
            "category": "food",
            "amount": typed,
            "currency": currency.lower(),
            "spent_on": clock.today(),
        },
    )
    latest = Expense.objects.filter(case=fx.case, currency=currency).order_by("-id").first()
    assert latest.amount_minor == stored


def test_too_many_decimals_are_refused(fx):
    client = client_for(fx.owner)
    response = client.post(
        f"/cases/{fx.case.ref}/expenses/add/",
        {"category": "food", "amount": "1.234", "currency": "EUR", "spent_on": clock.today()},
    )
    assert response.status_code == 400
    assert "at most 2 decimal places" in response.content.decode()


def test_flash_messages_never_carry_personal_data(fx):
    """Messages are kept in the session between requests: they hold fixed sentences only."""
    client = client_for(fx.owner)
    client.post(f"/cases/{fx.case.ref}/open/")
    client.post(f"/cases/{fx.case.ref}/notes/add/", {"body": fx.canaries["note"] + " again"})
    client.post(
        f"/cases/{fx.case.ref}/tasks/add/", {"title": fx.canaries["task"], "due_on": clock.today()}
    )
    stored = str(dict(client.session.items()))
    assert not any(value in stored for value in fx.canaries.values())


def test_case_pages_render_in_russian(fx):
    client = client_for(fx.owner)
    client.cookies["corridor_language"] = "ru"
    client.post(f"/cases/{fx.case.ref}/open/")
    for path in (
        "/",
        f"/cases/{fx.case.ref}/",
        f"/cases/{fx.case.ref}/incidents/{fx.incident.pk}/",
        f"/cases/{fx.case.ref}/protocol/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="ru">' in response.content.decode()


def test_a_raised_incident_alerts_every_coordinator(fx):
    client = client_for(fx.owner)
    response = client.post(f"/cases/{fx.case.ref}/incidents/raise/", {"kind": "detained"})
    assert response.status_code == 302
    dashboard = client_for(fx.coordinator).get("/").content.decode()
    assert "An incident was opened." in dashboard
    assert (
        safety.CHECKLIST[0] in Incident.objects.filter(kind="detained").get().checklist[0]["step"]
    )


def test_an_unknown_checklist_step_and_a_closed_incident_are_refused_with_a_sentence(fx):
    client = client_for(fx.owner)
    page = f"/cases/{fx.case.ref}/incidents/{fx.incident.pk}/"
    bad = client.post(page + "step/", {"step": "pray"}, follow=True)
    assert "That is not a step of this checklist." in bad.content.decode()
    for step in CHECKLIST:
        client.post(page + "step/", {"step": step})
    client.post(page + "close/", {"outcome": "found safe"})
    again = client.post(page + "close/", {"outcome": "twice"})
    assert again.status_code == 400
    assert "The incident is already closed." in again.content.decode()


def test_the_last_person_stays_and_a_coordinator_takes_the_lead_off(fx):
    coordinator = client_for(fx.coordinator)
    coordinator.post(f"/cases/{fx.case.ref}/members/remove/", {"person": fx.second.pk})
    last = coordinator.post(f"/cases/{fx.case.ref}/members/remove/", {"person": fx.principal.pk})
    assert last.status_code == 400
    assert "keeps at least one person" in last.content.decode()
    assert fx.case.members.filter(left_at__isnull=True).count() == 1
    coordinator.post(f"/cases/{fx.case.ref}/unassign/", {"staff": fx.owner.pk})
    assert fx.fresh().lead is None
    assert client_for(fx.owner).get(f"/cases/{fx.case.ref}/").status_code == 404
    assert fx.case.ref in coordinator.get("/board/").content.decode().split('id="unassigned"')[1]


def test_date_fields_start_on_today_only_where_that_is_what_usually_happened(fx):
    client = client_for(fx.owner)
    today = clock.today().isoformat()
    placement = client.get(f"/cases/{fx.case.ref}/placements/add/").content.decode()
    assert f'name="starts_on" value="{today}"' in placement
    assert 'name="ends_on" value=' not in placement
    ending = client.get(f"/cases/{fx.case.ref}/placements/end/").content.decode()
    assert f'name="ends_on" value="{today}"' in ending
    # In Russian too: a date input takes ISO dates only and drops 25.11.2026.
    client.cookies["corridor_language"] = "ru"
    russian = client.get(f"/cases/{fx.case.ref}/placements/end/").content.decode()
    assert f'name="ends_on" value="{today}"' in russian
