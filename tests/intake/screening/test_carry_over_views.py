"""The pages of carrying over: the verifier's preview, attaching to the same person's
case, the answers merged on the caseworker's opening, and the case's consent."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.cases.services.assignment import assign_case
from corridor.cases.services.consent import current_consent
from corridor.core.actors import WORKER
from corridor.intake.models import Method, Outcome, Request
from corridor.intake.services.carrying import count_waiting
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.screening import screen_request
from tests.accounts.helpers import form_token
from tests.factories import staff_with, write
from tests.intake.screening.helpers import screened
from tests.intake.screening.test_views import client_of

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_the_verifier_sees_what_accepting_carries_and_where(vault_keys, fast_kdf):
    request = screened("Забрали паспорт", name_to_use="Аминат", if_someone_else="Ошиблись номером")
    page = client_of(staff_with(Role.VERIFIER)).get(f"/requests/{request.pk}/")
    html = page.content.decode()
    assert 'id="carry-over"' in html
    preview = html[html.index('id="carry-over"') : html.index('id="decision"')]
    assert "Аминат" in preview
    assert "Person: names" in preview
    assert "Contact protocol: what to say if someone else answers" in preview
    assert "Ошиблись номером" in preview


def test_attaching_from_the_page_says_which_codename_stays_valid(vault_keys, fast_kdf):
    coordinator = staff_with(Role.COORDINATOR)
    first = screened("Первый раз", name_to_use="Аминат")
    case = record_decision(
        actor=coordinator, request_id=first.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    ).case
    again = screened("Потеряла кодовое имя", name_to_use="Аминат", lost_codename=True)
    verifier = client_of(staff_with(Role.VERIFIER))
    url = f"/requests/{again.pk}/"

    response = verifier.post(
        f"{url}decide/",
        {
            "csrfmiddlewaretoken": form_token(verifier, url),
            "outcome": "attach",
            "methods": ["call_held"],
            "case_ref": case.ref,
        },
        follow=True,
    )

    html = response.content.decode()
    assert f"The codename given with {again.reference} stays valid" in html
    # The request is the case team's now: the verifier, not on the case, is back in the inbox.
    assert response.redirect_chain[-1][0] == "/requests/"
    assert Request.objects.get(pk=again.pk).case_id == case.pk
    lead = client_of(coordinator)
    assert 'id="answers-waiting"' in lead.get(url).content.decode()


def test_opening_the_case_for_work_carries_the_waiting_answers(vault_keys, fast_kdf):
    """The assigned caseworker opens the case: the answers that waited are in it."""
    coordinator = staff_with(Role.COORDINATOR)
    first = screened("Первый раз", name_to_use="Аминат")
    case = record_decision(
        actor=coordinator, request_id=first.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    ).case
    again = write("Снова пишу, потеряла кодовое имя", name_to_use="Амина")
    screen_request(actor=WORKER, request_id=again.request.id)
    record_decision(
        actor=staff_with(Role.VERIFIER),
        request_id=again.request.pk,
        outcome=Outcome.ATTACH,
        methods=[Method.CALL_HELD],
        case_ref=case.ref,
    )
    caseworker = staff_with(Role.CASEWORKER)
    assign_case(actor=coordinator, case=case, staff=caseworker, lead=True)
    client = client_of(caseworker)
    before = client.get(f"/cases/{case.ref}/").content.decode()
    assert 'id="intake-waiting"' in before

    client.post(
        f"/cases/{case.ref}/open/",
        {"csrfmiddlewaretoken": form_token(client, f"/cases/{case.ref}/")},
    )

    assert count_waiting(case) == 0
    page = client.get(f"/cases/{case.ref}/").content.decode()
    assert "Снова пишу, потеряла кодовое имя" in page
    assert 'id="intake-waiting"' not in page


def test_the_case_page_shows_the_consent_and_staff_change_it(vault_keys, fast_kdf):
    coordinator = staff_with(Role.COORDINATOR)
    request = screened("Помогите", consent_keep=True, consent_share="no")
    case = record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    ).case
    client = client_of(coordinator)
    page = client.get(f"/cases/{case.ref}/").content.decode()
    assert 'data-share="no"' in page
    url = f"/cases/{case.ref}/consent/"
    token = form_token(client, url)

    without_reason = client.post(url, {"csrfmiddlewaretoken": token, "share": "yes", "keep": "on"})
    assert without_reason.status_code == 400
    response = client.post(
        url,
        {"csrfmiddlewaretoken": token, "share": "ask", "keep": "on", "reason": "позвонила"},
    )

    assert response.status_code == 302
    consent = current_consent(Case.objects.get(pk=case.pk))
    assert consent is not None
    assert consent.share == "ask"
    assert 'data-share="ask"' in client.get(f"/cases/{case.ref}/").content.decode()


def test_the_hotline_form_asks_the_spoken_consent(vault_keys):
    operator = client_of(staff_with(Role.HOTLINE_OPERATOR))
    page = operator.get("/requests/hotline/").content.decode()
    assert 'name="consent_keep"' in page
    assert 'name="consent_share"' in page
