"""The inbox triages: danger first, urgency and screening signals in words, each signal
naming the request or case it matched only for a reader who may open it, filters, a
decision with no default, many requests declined with one reply template, and request
references as addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core import clock
from corridor.intake.models import Author, Message, Method, Outcome, Request, Signal, Status
from corridor.intake.replies import Situation, reply_text
from corridor.intake.services.decisions import record_decision
from tests.accounts.helpers import form_token, log_in
from tests.factories import staff_with
from tests.intake.screening.helpers import screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def client_of(staff) -> Client:
    client = Client()
    log_in(client, staff)
    return client


def received_days_ago(request: Request, days: int) -> None:
    Request.objects.filter(pk=request.pk).update(received_on=clock.today() - timedelta(days=days))


def positions(page: str, *requests: Request) -> list[int]:
    return [page.index(f'data-ref="{request.reference}"') for request in requests]


def test_screening_copies_how_urgent_the_person_said_it_is(vault_keys, fast_kdf):
    assert screened(urgency="now").urgency == "now"
    assert screened(danger_now="yes").urgency == "now"  # the hotline's triage question
    assert screened(urgency="weeks").urgency == "weeks"
    assert screened(urgency="tomorrow, please").urgency == ""
    assert screened().urgency == ""


def test_escalations_then_danger_now_then_the_longest_waiting_come_first(
    vault_keys, fast_kdf, verifier
):
    waiting_long = screened("Давно жду", urgency="weeks")
    received_days_ago(waiting_long, 9)
    waiting_less = screened("Жду", urgency="days")
    received_days_ago(waiting_less, 2)
    in_danger = screened("Мне угрожают", urgency="now")
    escalated = screened("Звонок")
    Request.objects.filter(pk=escalated.pk).update(escalated_at=clock.now())
    flooded = screened("флуд", urgency="now")
    record_flag = flooded.flags.create(code=Signal.FLOOD, raised_on=clock.today())
    assert record_flag.pk
    page = client_of(verifier).get("/requests/").content.decode()
    order = positions(page, escalated, in_danger, waiting_long, waiting_less, flooded)
    assert order == sorted(order)
    assert "In danger now" in page
    assert "Escalated to the on-call coordinator" in page
    assert "9 days" in page


def test_a_signal_names_what_it_matched_as_a_link_only_for_who_may_open_it(
    vault_keys, fast_kdf, verifier, coordinator
):
    first = screened(name_to_use="Магомед Хасанов", safe_contact="+7 928 123-45-67")
    second = screened(name_to_use="Magomed Khasanov", safe_contact="звонить 89281234567")
    page = client_of(verifier).get("/requests/").content.decode()
    assert f'href="/requests/{first.reference}/"' in page
    assert "Same phone number as another request" in page
    detail = client_of(verifier).get(f"/requests/{second.reference}/").content.decode()
    assert f'href="/requests/{first.reference}/"' in detail
    # Accepted into a case the verifier is not on, the first request is its team's now:
    # the verifier's inbox still shows the signal, but names nothing.
    decided = record_decision(
        actor=coordinator, request_id=first.pk, outcome=Outcome.ACCEPT, methods=[Method.CALL_HELD]
    )
    assert decided.case is not None
    page = client_of(verifier).get("/requests/").content.decode()
    assert "Same phone number as another request" in page
    assert first.reference not in page
    assert decided.case.ref not in page
    assert "the match is not yours to open" in page
    # The coordinator who accepted leads the case and reads its request; another
    # coordinator, not on the case, may still open every case: the signal links to it.
    assert f'href="/requests/{first.reference}/"' in (
        client_of(coordinator).get("/requests/").content.decode()
    )
    page = client_of(staff_with(Role.COORDINATOR)).get("/requests/").content.decode()
    assert f'href="/cases/{decided.case.ref}/"' in page


def test_the_inbox_filters_by_signal_and_by_status(vault_keys, fast_kdf, verifier):
    first = screened(name_to_use="Магомед Хасанов")
    second = screened(name_to_use="Magomed Khasanov")
    plain = screened("Другая история", name_to_use="Анна Петрова")
    client = client_of(verifier)
    flagged = client.get("/requests/?flag=duplicate_name").content.decode()
    assert f'data-ref="{second.reference}"' in flagged
    assert f'data-ref="{plain.reference}"' not in flagged
    record_decision(actor=verifier, request_id=plain.pk, outcome=Outcome.DECLINE)
    declined = client.get("/requests/?status=declined").content.decode()
    assert f'data-ref="{plain.reference}"' in declined
    assert f'data-ref="{first.reference}"' not in declined
    # A filter that is no signal is ignored, never a 500.
    assert client.get("/requests/?flag=%27%3Bdrop").status_code == 200


def test_the_decision_has_no_default_and_none_chosen_decides_nothing(
    vault_keys, fast_kdf, verifier
):
    request = screened()
    client = client_of(verifier)
    url = f"/requests/{request.pk}/"
    client.post(f"{url}open/", {"csrfmiddlewaretoken": form_token(client, url)})
    page = client.get(url).content.decode()
    select = page[
        page.index('name="outcome"') : page.index("</select>", page.index('name="outcome"'))
    ]
    assert '<option value="" selected>' in select
    assert select.count("selected") == 1
    response = client.post(
        f"{url}decide/", {"csrfmiddlewaretoken": form_token(client, url), "outcome": ""}
    )
    assert response.status_code == 302
    assert Request.objects.get(pk=request.pk).status == Status.IN_VERIFICATION
    assert "Choose a decision." in client.get(url).content.decode()


def test_many_requests_are_declined_in_one_action_each_audited_with_the_reply(
    vault_keys, fast_kdf, verifier
):
    outside = [screened(f"Я из другой страны {n}") for n in range(3)]
    kept = screened("Мне нужна помощь")
    client = client_of(verifier)
    token = form_token(client, "/requests/")
    response = client.post(
        "/requests/decline/",
        {
            "csrfmiddlewaretoken": token,
            "requests": [str(r.pk) for r in outside],
            "situation": Situation.OUTSIDE_REGION.value,
        },
    )
    assert response.status_code == 302
    statuses = dict(Request.objects.values_list("pk", "status"))
    assert all(statuses[r.pk] == Status.DECLINED for r in outside)
    assert statuses[kept.pk] == Status.IN_VERIFICATION
    entries = AuditEntry.objects.filter(event_type=EventType.REQUEST_DECIDED.value)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(str(r.pk) for r in outside)
    assert {entry.detail_values["template"] for entry in entries} == {"outside_region"}
    # Each person got the reply in their thread (the requests carry codenames).
    replies = Message.objects.filter(author=Author.TEAM, request__in=outside)
    assert replies.count() == 3
    notice = client.get("/requests/").content.decode()
    assert all(r.reference in notice for r in outside)


def test_a_bulk_decline_without_a_reply_or_rows_declines_nothing(vault_keys, fast_kdf, verifier):
    request = screened()
    client = client_of(verifier)
    token = form_token(client, "/requests/")
    client.post("/requests/decline/", {"csrfmiddlewaretoken": token, "requests": [str(request.pk)]})
    client.post("/requests/decline/", {"csrfmiddlewaretoken": token, "situation": "flood"})
    client.post(
        "/requests/decline/",
        {"csrfmiddlewaretoken": token, "requests": ["not-an-id"], "situation": "flood"},
    )
    assert Request.objects.get(pk=request.pk).status == Status.IN_VERIFICATION
    page = client.get("/requests/").content.decode()
    assert "Choose the reply that fits these requests." in page
    assert "Tick the requests to decline first." in page
    operator = client_of(staff_with(Role.HOTLINE_OPERATOR))
    refused = operator.post(
        "/requests/decline/",
        {
            "csrfmiddlewaretoken": form_token(operator, "/requests/"),
            "requests": [str(request.pk)],
            "situation": "flood",
        },
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("situation", list(Situation))
def test_every_reply_template_is_in_russian_then_english(situation):
    text = reply_text(situation)
    russian, english = text.split("\n\n")
    assert any("а" <= letter <= "я" for letter in russian.lower())
    assert english.startswith("Thank you")


def test_a_request_reference_is_an_address_within_what_one_may_open(vault_keys, fast_kdf, verifier):
    request = screened()
    assert client_of(verifier).get(f"/requests/{request.reference}/").status_code == 200
    assert client_of(verifier).get("/requests/RQ-0000-0000/").status_code == 404
    caseworker = client_of(staff_with(Role.CASEWORKER))
    assert caseworker.get(f"/requests/{request.reference}/").status_code == 404
