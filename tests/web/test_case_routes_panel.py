"""The case page's routes panel and its applications: ranked routes with their reasons while the
case is open, applications started and moved on from the case, and outcomes that re-rank."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from corridor.accounts.models import StaffAlert
from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.core import clock
from corridor.pathways import applications, routes
from corridor.pathways.models import Application, ApplicationStatus
from corridor.pathways.route_changes import CHOSEN_PLAN, ROUTE_CHANGED, affected_cases
from corridor.people.inputs import PersonInput
from corridor.people.services import update_person
from corridor.web.route_panel import _against_target
from tests.cases.conftest import CASE_DB
from tests.factories import APPLICATION_ROUTE
from tests.security.case_fixture import build_case
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]
ROUTE_BLOCK = re.compile(
    r'<article class="route" data-route="([^"]+)" data-rank="(\d+)">(.*?)</article>', re.S
)


@pytest.fixture
def fx(fx):
    """The full case, with facts matching can read (the fixture's ties are canaries)."""
    update_person(
        actor=fx.coordinator,
        person=fx.principal,
        key=case_key(fx.coordinator, fx.case),
        data=PersonInput(ties=["DE"], profile_tags=["lgbt"], has_internal_passport=True),
        version=fx.principal.version,
    )
    fx.principal.refresh_from_db()
    return fx


def opened_client(fx):
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    return client


def route_blocks(body: str) -> dict[str, tuple[int, str]]:
    """{route ids joined by "+": (rank, the block's text)} of the routes panel."""
    return {
        route: (int(rank), html.unescape(block)) for route, rank, block in ROUTE_BLOCK.findall(body)
    }


def case_body(client, fx) -> str:
    response = client.get(f"/cases/{fx.case.ref}/")
    assert response.status_code == 200
    return response.content.decode()


def test_routes_are_hidden_and_not_computed_until_the_case_is_opened(fx):
    client = client_for(fx.owner)
    before = AuditEntry.objects.filter(event_type="people.person_opened").count()
    body = case_body(client, fx)
    assert "Which routes fit is hidden until the case is opened for work" in body
    assert route_blocks(body) == {}
    assert fx.canaries["reference_number"] not in body
    assert APPLICATION_ROUTE in body  # the plain columns of the application are there
    assert AuditEntry.objects.filter(event_type="people.person_opened").count() == before


def test_an_open_case_shows_ways_out_then_ranked_routes_with_reasons(fx):
    client = opened_client(fx)
    body = case_body(client, fx)
    blocks = route_blocks(body)
    assert "Ways out of the country" in body  # the person is still in Russia
    assert "Kazakhstan" in body.split("Routes and plans")[0]
    assert len(blocks) > 5
    ranks = sorted(rank for rank, _ in blocks.values())
    assert ranks == list(range(1, len(ranks) + 1))
    best = min(blocks, key=lambda route: blocks[route][0])
    assert "+" in best  # a plan through a third country comes before closed direct routes
    assert any("Open after steps" in text or "Open now" in text for _, text in blocks.values())
    _, gar = blocks["ca-gar"]
    assert "Closed" in gar
    assert "outside their country of nationality" in gar
    assert "<details>" in body  # closed routes fold away
    assert fx.canaries["reference_number"] in body  # open: the reference number shows
    assert AuditEntry.objects.filter(
        event_type="pathways.application_references_opened", case_id=fx.case.ref
    ).exists()


def test_facts_matching_cannot_read_are_named_instead_of_routes(fx):
    update_person(
        actor=fx.coordinator,
        person=fx.principal,
        key=case_key(fx.coordinator, fx.case),
        data=PersonInput(ties=["Germany"]),
        version=fx.principal.version,
    )
    body = case_body(opened_client(fx), fx)
    assert "ties: expected a two-letter country code such as RU" in html.unescape(body)
    assert route_blocks(body) == {}


def test_a_paused_route_says_so_with_our_reason(fx):
    routes.pause_route(actor=fx.coordinator, route_id="ca-gar", reason="Quota used up this year")
    body = case_body(opened_client(fx), fx)
    _, gar = route_blocks(body)["ca-gar"]
    assert "Paused by us" in gar
    assert "Quota used up this year" in gar


def test_a_caseworker_starts_an_application_from_a_route(fx):
    client = opened_client(fx)
    form = client.get(f"/cases/{fx.case.ref}/applications/start/?route=ca-gar")
    assert form.status_code == 200
    assert 'value="ca-gar" selected' in form.content.decode()
    due = clock.today() + timedelta(days=20)
    response = client.post(
        f"/cases/{fx.case.ref}/applications/start/",
        {
            "route": "ca-gar",
            "authority": "IRCC, Ottawa",
            "people": [fx.principal.pk, fx.second.pk],
            "reference_number": "G-4471",
            "deadline": due,
            "started_on": clock.today(),
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(case=fx.case, route_id="ca-gar")
    assert application.status == ApplicationStatus.DRAFT
    assert set(application.people.values_list("pk", flat=True)) == {
        fx.principal.pk,
        fx.second.pk,
    }
    assert fx.case.tasks.filter(due_on=due).exists()
    body = case_body(client, fx)
    assert "IRCC, Ottawa" in body
    assert "G-4471" in body
    assert "The application was started." in body
    # The row names the route in words; its id is only the row's data attribute.
    row = body[body.index('<tr data-application="ca-gar">') :].split("</tr>")[0]
    assert "Government-Assisted Refugees (GAR)" in row
    assert ">ca-gar<" not in row


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"route": "no-such-route"}, "Select a valid choice"),
        ({"authority": ""}, "This field is required"),
        ({"people": []}, "Choose at least one person the application is for."),
        ({"started_on": "tomorrow"}, "Enter a valid date"),
    ],
)
def test_a_bad_application_is_refused_with_what_to_fix_and_nothing_saved(fx, change, says):
    client = opened_client(fx)
    data = {
        "route": "ca-gar",
        "authority": "IRCC, Ottawa",
        "people": [fx.principal.pk],
        "started_on": clock.today(),
        **change,
    }
    response = client.post(f"/cases/{fx.case.ref}/applications/start/", data)
    assert response.status_code == 400
    assert says in html.unescape(response.content.decode())
    assert not Application.objects.filter(case=fx.case, route_id="ca-gar").exists()


def test_people_of_another_case_cannot_be_put_on_an_application(fx):
    other = build_case()
    response = opened_client(fx).post(
        f"/cases/{fx.case.ref}/applications/start/",
        {
            "route": "ca-gar",
            "authority": "IRCC",
            "people": [other.principal.pk],
            "started_on": clock.today(),
        },
    )
    assert response.status_code == 400
    assert not Application.objects.filter(route_id="ca-gar").exists()


def test_starting_an_application_needs_the_case_open_for_an_unassigned_coordinator(fx):
    client = client_for(fx.coordinator)
    response = client.get(f"/cases/{fx.case.ref}/applications/start/")
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{fx.case.ref}/open/"


def record(client, fx, status, application=None, **extra):
    return client.post(
        f"/cases/{fx.case.ref}/applications/status/",
        {
            "application": (application or fx.application).pk,
            "status": status,
            "on": clock.today(),
            **extra,
        },
    )


# Kazakhstan, not Armenia: UNHCR registers nobody in Armenia, so a UNHCR-only route is
# closed from there.
PLAN = "transit-kz+no-refugee-quota"


def test_interview_and_denial_are_recorded_and_our_outcomes_rerank_the_route(fx):
    client = opened_client(fx)
    rank_before, before = route_blocks(case_body(client, fx))[PLAN]
    assert "no outcomes of ours yet" in before
    started = client.post(
        f"/cases/{fx.case.ref}/applications/start/",
        {
            "route": "no-refugee-quota",
            "authority": "UNHCR, Yerevan",
            "people": [fx.principal.pk],
            "started_on": clock.today(),
        },
    )
    assert started.status_code == 302
    application = Application.objects.get(case=fx.case, route_id="no-refugee-quota")
    for status in ("submitted", "interview"):
        assert record(client, fx, status, application).status_code == 302
    refused = record(client, fx, "denied", application)
    assert refused.status_code == 400
    assert "Choose why the application was denied." in html.unescape(refused.content.decode())
    denied = record(client, fx, "denied", application, denial_reason="no_legal_basis")
    assert denied.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DENIED
    assert application.decided_on == clock.today()
    assert list(application.steps.values_list("status", flat=True)) == [
        "draft",
        "submitted",
        "interview",
        "denied",
    ]
    body = case_body(client, fx)
    rank_after, after = route_blocks(body)[PLAN]
    assert "our outcomes: 0 of 1 granted" in after
    assert rank_after > rank_before  # the Swedish quota, with no refusal of ours, passes it
    assert "This case: Denied (UNHCR, Yerevan)" in after
    assert "No legal basis" in body


def test_a_status_the_application_cannot_reach_is_refused_and_nothing_changes(fx):
    client = opened_client(fx)
    response = record(client, fx, "granted")  # a draft is not decided before it is submitted
    assert response.status_code == 400
    assert "cannot become" in html.unescape(response.content.decode())
    assert Application.objects.get(pk=fx.application.pk).status == ApplicationStatus.DRAFT


def test_a_page_opened_before_someone_else_changed_the_application_is_refused(fx):
    client = opened_client(fx)
    page = f"/cases/{fx.case.ref}/applications/status/?application={fx.application.pk}"
    form = client.get(page).content.decode()
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    assert record(client, fx, "submitted").status_code == 302  # someone else, meanwhile
    stale = record(client, fx, "withdrawn", version=version, version_of=str(fx.application.pk))
    assert stale.status_code == 400
    assert "Someone else changed this application" in html.unescape(stale.content.decode())
    assert Application.objects.get(pk=fx.application.pk).status == ApplicationStatus.SUBMITTED


def test_the_panel_and_forms_speak_russian(fx):
    client = opened_client(fx)
    client.cookies["corridor_language"] = "ru"
    body = html.unescape(case_body(client, fx))
    assert "Пути выезда из страны" in body
    assert "Закрыт" in body
    form = html.unescape(client.get(f"/cases/{fx.case.ref}/applications/start/").content.decode())
    assert "Начать заявление" in form


def test_an_application_takes_a_negotiated_place_until_none_is_left(fx):
    slot = applications.add_slot_agreement(
        actor=fx.coordinator,
        route_id="ca-gar",
        authority="IRCC",
        places=1,
        valid_from=clock.today(),
        valid_until=clock.today() + timedelta(days=30),
    )
    client = opened_client(fx)
    form = client.get(f"/cases/{fx.case.ref}/applications/start/").content.decode()
    assert "ca-gar · IRCC · 1/1" in form
    data = {
        "route": "ca-gar",
        "authority": "IRCC",
        "people": [fx.principal.pk],
        "started_on": clock.today(),
        "slot": slot.pk,
    }
    assert client.post(f"/cases/{fx.case.ref}/applications/start/", data).status_code == 302
    assert Application.objects.get(route_id="ca-gar").slot == slot
    again = client.post(f"/cases/{fx.case.ref}/applications/start/", data)
    assert again.status_code == 400
    assert Application.objects.filter(route_id="ca-gar").count() == 1
    wrong = applications.add_slot_agreement(
        actor=fx.coordinator,
        route_id="se-refugee-quota",
        authority="Migrationsverket",
        places=3,
        valid_from=clock.today(),
        valid_until=clock.today() + timedelta(days=30),
    )
    refused = client.post(f"/cases/{fx.case.ref}/applications/start/", {**data, "slot": wrong.pk})
    assert refused.status_code == 400
    assert "That agreement is for another route." in html.unescape(refused.content.decode())


def test_choosing_a_plan_on_the_panel_marks_it_and_a_pause_alerts_the_case(fx):
    """ "Choose this plan" stores the plan; the panel marks it (and offers no second choice of
    it); pausing its route lists the case among those affected, with no application on it."""
    client = opened_client(fx)
    blocks = route_blocks(case_body(client, fx))
    plan = next(
        route for route, (_, text) in blocks.items() if "+" in route and "Choose this plan" in text
    )
    transit, route = plan.split("+")
    response = client.post(
        f"/cases/{fx.case.ref}/plans/choose/", {"route": route, "transit": transit}
    )
    assert response.status_code == 302
    blocks = route_blocks(case_body(client, fx))
    _, chosen = blocks[plan]
    assert "Chosen plan" in chosen
    assert "Choose this plan" not in chosen
    assert sum("Chosen plan" in text for _, text in blocks.values()) == 1
    routes.pause_route(actor=fx.coordinator, route_id=route, reason="Stopped")
    assert (fx.case.ref, route, CHOSEN_PLAN) in {
        (case.ref, case.route_id, case.status) for case in affected_cases([route])
    }
    assert StaffAlert.objects.filter(
        staff=fx.owner, code=ROUTE_CHANGED, case_ref=fx.case.ref
    ).exists()


RISK_NOTE = re.compile(r'<p class="(overdue|muted)" data-risk-note="(warning|fact)">([^<]*)</p>')


def test_only_warnings_are_red_and_neutral_facts_are_muted(fx):
    body = case_body(opened_client(fx), fx)
    panel = body.split("Ways out of the country", 1)[1]
    notes = [(css, kind, html.unescape(text)) for css, kind, text in RISK_NOTE.findall(panel)]
    # Each note is red exactly when it is a warning.
    assert all((css == "overdue") == (kind == "warning") for css, kind, _ in notes), notes
    facts = {text for _, kind, text in notes if kind == "fact"}
    warnings = {text for _, kind, text in notes if kind == "warning"}
    # Kazakhstan's stay limit is a fact, not a danger: muted, never red.
    assert "90 days in any 180 since January 2023." in facts
    assert not any("90 days in any 180" in text for text in warnings)
    # Armenia's structured risk of detention on a Russian request is a warning.
    assert any(text.startswith("Armenia detains Russians") for text in warnings), warnings
    # Kazakhstan's kidnappings of Chechens who fled are a structured danger: red, not grey.
    assert any("Kazakhstan is within the same reach" in text for text in warnings), warnings
    assert not any("Kazakhstan is within the same reach" in text for text in facts)
    # Nothing else in the panel is red but the warnings and their count.
    red = re.findall(r'class="overdue"[^>]*>([^<]*)<', panel)
    assert len(red) >= len(warnings)


AGAINST_TARGET = re.compile(
    r'(?:class="warn" )?data-against-target="(fits|over|unknown)">[^<]*?(\d+) days([^<]*)</p>'
)


def test_each_open_plan_is_set_against_the_cases_own_risk_target(fx, settings):
    assert fx.case.risk_level == "high"  # out of the country within 90 days by default
    client = opened_client(fx)
    lines = AGAINST_TARGET.findall(html.unescape(case_body(client, fx)))
    assert lines, "no open plan was set against the case's target"
    assert {kind for kind, _, _ in lines} <= {"fits", "unknown"}  # every timed plan <= 90 days
    # The rank sentence names the same target as the line beneath it (not one per urgency).
    body = html.unescape(case_body(client, fx))
    assert set(re.findall(r"target(?: of)? (\d+) days", body)) == {"90"}
    assert all("(out of the country within 90 days)." in rest for _, _, rest in lines)
    # Steps of unknown length: the known days are a floor, so "within" is not claimed.
    assert (
        "unknown",
        "46",
        " to safety, and steps of unknown length: it may not fit this case's "
        "risk target (out of the country within 90 days).",
    ) in lines
    days = max(int(days) for _, days, _ in lines)
    # The organisation's own targets decide: a high-risk case due out sooner than that.
    settings.CORRIDOR_RISK_TARGETS = {
        "critical": (2, 30),
        "high": (7, days - 1),
        "medium": (30, 180),
        "low": (90, 365),
    }
    body = html.unescape(case_body(client, fx))
    assert (
        f'class="warn" data-against-target="over">About {days} days to safety in all: longer '
        f"than this case's risk target (out of the country within {days - 1} days)." in body
    )
    assert set(re.findall(r"target(?: of)? (\d+) days", body)) == {str(days - 1)}


@pytest.mark.parametrize(
    ("days", "unknown_steps", "verdict", "fits"),
    [
        (46, 0, "eligible", True),
        (90, 0, "after_steps", True),
        (91, 0, "eligible", False),
        (46, 1, "after_steps", None),  # known days are a floor: "within" is not claimed
        (120, 1, "after_steps", False),  # already longer without the unknown steps
    ],
)
def test_a_plans_time_fits_the_target_only_when_it_surely_does(days, unknown_steps, verdict, fits):
    match = SimpleNamespace(basis=SimpleNamespace(unknown_steps=unknown_steps))
    result = {"verdict": verdict, "expected_days": days}
    assert _against_target(match, result, 90) == {"days": days, "target": 90, "fits": fits}
    assert _against_target(match, {**result, "verdict": "ineligible"}, 90) is None
    assert _against_target(match, result, None) is None  # no risk level: nothing to compare
