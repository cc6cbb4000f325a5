"""Accepting a request carries every answer into the case: nothing is typed twice.

Each test reads the case back the way its team does (opened for work, decrypted) and
finds the answers where the team works with them.
"""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import access_case_page
from corridor.cases.models import Case, ConsentSource, RiskLevel
from corridor.cases.services.assignment import assign_case
from corridor.cases.services.consent import current_consent
from corridor.cases.services.openings import open_case_for_work
from corridor.core.actors import WORKER
from corridor.intake.access import access_thread_by_session
from corridor.intake.carryover import preview_lines
from corridor.intake.models import Codename, Method, Outcome, Request, RequesterSession, Status
from corridor.intake.selectors import list_requests_of_case
from corridor.intake.services.carrying import count_waiting, merge_waiting_answers
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.hotline import record_hotline_request
from corridor.intake.services.messages import send_team_reply
from corridor.intake.services.screening import screen_request
from corridor.people.models import ContactProtocol, IdentityDocument
from corridor.people.register import confiscated_kinds
from corridor.portal.forms import RequestForm
from corridor.vault.errors import UnwrapRefused
from corridor.web.screening_forms import HotlineForm
from tests.factories import REQUESTER, staff_with, write
from tests.portal_helpers import Requester

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])

# Every question of the portal form, answered (the honeypot left empty).
PORTAL_ANSWERS: dict[str, object] = {
    "urgency": "now",
    "region": "Чечня, Грозный",
    "danger_from": ["family", "police"],
    "people": "3",
    "documents_held": ["international_passport", "birth_certificate"],
    "documents_taken": ["internal_passport"],
    "address_as": "feminine",
    "name_to_use": "Аминат",
    "safe_contact": "Signal после 22:00",
    "if_someone_else": "Ошиблись номером",
    "heard_from": "friend",
    "story": "Родственники забрали паспорт и угрожают",
    "lost_codename": "on",
    "consent_keep": "on",
    "consent_share": "no",
}
# Every question the hotline operator asks, answered.
HOTLINE_ANSWERS: dict[str, str] = {
    "danger_now": "yes",
    "where": "Махачкала",
    "can_talk": "no",
    "callback": "Завтра в 10 через сестру",
    "full_name": "Магомед Хасанов",
    "phone": "+7 928 000 11 22",
    "date_of_birth": "1994-03-08",
    "document_number": "4509 123456",
    "story": "Полиция задерживала дважды",
    "consent_keep": "yes",
    "consent_share": "ask",
}


def opened(staff, case: Case):
    """The case as its team reads it: opened for work, decrypted."""
    open_case_for_work(actor=staff, case=case, session_key="s-1", reason="supervision")
    return access_case_page(staff, case, page="case", session_key="s-1")


def accept(staff, request: Request) -> Case:
    decided = record_decision(
        actor=staff, request_id=request.pk, outcome=Outcome.ACCEPT, methods=[Method.CALL_HELD]
    )
    return Case.objects.get(pk=decided.case_id)


def test_every_portal_answer_is_found_decrypted_in_the_case(vault_keys, fast_kdf, coordinator):
    """A request sent through the portal form with every field filled, accepted: each
    answer is in the case where its team works with it, and all of them as given."""
    assert set(PORTAL_ANSWERS) == set(RequestForm().fields) - {"website"}
    person = Requester()
    assert person.send_request(**PORTAL_ANSWERS).status_code == 303
    request = Request.objects.get()
    screen_request(actor=WORKER, request_id=request.id)

    case = accept(coordinator, Request.objects.get(pk=request.pk))

    page = opened(coordinator, case)
    principal = case.members.get().person
    fields = page.people[str(principal.pk)]
    assert [name["given"] for name in fields["names"]] == ["Аминат"]
    assert fields["address_as"] == "feminine"
    assert fields["location_detail"] == "Чечня, Грозный"
    assert fields["hunted_by"] == ["family", "regional_police", "federal_services"]
    assert fields["contacts"] == [{"kind": "safe_contact", "value": "Signal после 22:00"}]
    assert fields["narrative"] == "Родственники забрали паспорт и угрожают"
    assert set(
        IdentityDocument.objects.filter(person=principal).values_list("kind", "whereabouts")
    ) == {
        ("internal_passport", "confiscated"),
        ("international_passport", "with_person"),
        ("birth_certificate", "with_person"),
    }
    principal.refresh_from_db()
    assert principal.documents_confiscated is True
    assert confiscated_kinds(principal) == ["internal_passport"]
    assert (principal.has_international_passport, principal.has_birth_certificate) == (True, True)
    assert page.protocols[str(principal.pk)]["if_someone_else_answers"] == "Ошиблись номером"
    assert ContactProtocol.objects.get(person=principal).check_in_due_at is None
    case.refresh_from_db()
    assert case.risk_level == RiskLevel.CRITICAL
    consent = current_consent(case)
    assert consent is not None
    assert (consent.keep, consent.share, consent.source) == (True, "no", ConsentSource.PORTAL)
    [given] = page.intake_answers.values()
    for name, value in PORTAL_ANSWERS.items():
        expected = True if value == "on" else value
        assert given[name] == expected, name
    assert list(list_requests_of_case(case.pk)) == [request]
    assert Request.objects.get(pk=request.pk).carried_at is not None


def test_every_hotline_answer_is_found_decrypted_in_the_case(vault_keys, coordinator):
    """A call recorded with every question answered, accepted: triage, name, phone, date
    of birth, document number and story are all in the case."""
    assert set(HOTLINE_ANSWERS) == set(HotlineForm().fields) - {"conflict"}
    operator = staff_with(Role.HOTLINE_OPERATOR)
    request = record_hotline_request(
        actor=operator, answers=HOTLINE_ANSWERS, escalate=False, conflict=False
    )
    screen_request(actor=WORKER, request_id=request.id)

    case = accept(coordinator, Request.objects.get(pk=request.pk))

    page = opened(coordinator, case)
    principal = case.members.get().person
    fields = page.people[str(principal.pk)]
    assert [(n["given"], n["family"], n["script"]) for n in fields["names"]] == [
        ("Магомед", "Хасанов", "cyrl")
    ]
    assert fields["date_of_birth"] == "1994-03-08"
    assert fields["location_detail"] == "Махачкала"
    assert {"kind": "phone", "value": "+7 928 000 11 22"} in fields["contacts"]
    assert {"kind": "callback", "value": "Завтра в 10 через сестру"} in fields["contacts"]
    assert fields["narrative"] == "Полиция задерживала дважды"
    case.refresh_from_db()
    assert case.risk_level == RiskLevel.CRITICAL
    consent = current_consent(case)
    assert consent is not None
    assert (consent.keep, consent.share, consent.source) == (True, "ask", ConsentSource.HOTLINE)
    [given] = page.intake_answers.values()
    assert given == HOTLINE_ANSWERS


def test_the_preview_names_where_each_answer_lands(vault_keys, fast_kdf):
    """The verifier's preview lists every answer with its place in the case."""
    answers = {
        "story": "История",
        "danger_from": ["police"],
        "if_someone_else": "Ошиблись",
        "heard_from": "friend",
    }
    lines = {line.question: line for line in preview_lines(answers)}
    assert len(lines) == 4
    assert str(lines["Who are you in danger from?"].lands_in) == "Person: who the danger is from"
    assert lines["Who are you in danger from?"].answer == "Police or security services"
    assert lines["If someone else answers, what should we say?"].lands_in.startswith(
        "Contact protocol"
    )
    assert lines["How did you hear about us?"].lands_in == "Case: what they told us at intake"


def lost_codename_request(case_name: str, story: str):
    """The same person writes again after losing their codename."""
    again = write(story, name_to_use=case_name, lost_codename=True, safe_contact="Telegram")
    screen_request(actor=WORKER, request_id=again.request.id)
    return again


def first_case(coordinator) -> tuple[Case, object]:
    first = write("Первый раз пишу", name_to_use="Аминат", safe_contact="Signal")
    screen_request(actor=WORKER, request_id=first.request.id)
    return accept(coordinator, Request.objects.get(pk=first.request.pk)), first


def test_an_attached_request_waits_for_the_case_team_when_the_verifier_may_not_write(
    vault_keys, fast_kdf, coordinator, verifier
):
    """A verifier not assigned to the case attaches a lost-codename request: its answers
    wait sealed under the request's key, and the assigned caseworker's next opening of
    the case carries them in (adding to the record, never overwriting it)."""
    case, first = first_case(coordinator)
    again = lost_codename_request("Амина Р.", "Пишу снова, потеряла кодовое имя")

    decided = record_decision(
        actor=verifier,
        request_id=again.request.pk,
        outcome=Outcome.ATTACH,
        methods=[Method.CALL_HELD],
        case_ref=case.ref,
    )

    assert (decided.status, decided.case_id, decided.carried_at) == (Status.ACCEPTED, case.pk, None)
    assert count_waiting(case) == 1
    assert AuditEntry.objects.filter(event_type="intake.answers_waiting").count() == 1
    caseworker = staff_with(Role.CASEWORKER)
    assign_case(actor=coordinator, case=case, staff=caseworker, lead=True)
    assert merge_waiting_answers(actor=verifier, case=case) == 0  # not the case's team

    assert merge_waiting_answers(actor=caseworker, case=case) == 1

    assert count_waiting(case) == 0
    page = opened(caseworker, case)
    fields = page.people[str(case.members.get().person_id)]
    assert [(n["given"], n["kind"]) for n in fields["names"]] == [
        ("Аминат", "legal"),
        ("Амина", "alias"),
    ]
    assert fields["narrative"] == "Первый раз пишу\n\nПишу снова, потеряла кодовое имя"
    assert [c["value"] for c in fields["contacts"]] == ["Signal", "Telegram"]
    assert len(page.intake_answers) == 2
    assert {first.request.pk, again.request.pk} == {r.pk for r in list_requests_of_case(case.pk)}


def test_an_attached_request_waits_when_the_key_provider_refuses(
    vault_keys, fast_kdf, coordinator, monkeypatch
):
    """Assigned, but the key provider refuses the case's key: the answers wait, and are
    carried at the next opening once it agrees."""
    case, _first = first_case(coordinator)
    again = lost_codename_request("Аминат", "Снова пишу")

    def refuse(actor, case):
        raise UnwrapRefused("not now", reason="not_allowed")

    monkeypatch.setattr("corridor.intake.services.carrying.case_key", refuse)
    record_decision(
        actor=coordinator,
        request_id=again.request.pk,
        outcome=Outcome.ATTACH,
        methods=[Method.CALL_HELD],
        case_ref=case.ref,
    )
    assert count_waiting(case) == 1
    monkeypatch.undo()

    assert merge_waiting_answers(actor=coordinator, case=case) == 1
    assert Request.objects.get(pk=again.request.pk).carried_at is not None


def test_an_assigned_verifier_carries_an_attached_request_at_once(
    vault_keys, fast_kdf, coordinator
):
    """A coordinator who works on the case attaches the request: carried now, nothing waits."""
    case, _first = first_case(coordinator)
    again = lost_codename_request("Аминат", "Снова пишу")
    record_decision(
        actor=coordinator,
        request_id=again.request.pk,
        outcome=Outcome.ATTACH,
        methods=[Method.CALL_HELD],
        case_ref=case.ref,
    )
    assert count_waiting(case) == 0
    page = opened(coordinator, case)
    assert "Снова пишу" in page.people[str(case.members.get().person_id)]["narrative"]


def test_a_lost_codename_request_joins_the_case_and_replies_reach_the_new_codename(
    vault_keys, fast_kdf, coordinator, verifier
):
    """Attached: the old codename stops opening anything, the new one stays valid, and the
    case's team replies in the new thread, which the person reads under the new codename."""
    case, first = first_case(coordinator)
    again = lost_codename_request("Аминат", "Потеряла кодовое имя")

    record_decision(
        actor=verifier,
        request_id=again.request.pk,
        outcome=Outcome.ATTACH,
        methods=[Method.CALL_HELD],
        case_ref=case.ref,
    )

    assert not Codename.objects.filter(request=first.request, retired_on__isnull=True).exists()
    assert Codename.objects.filter(request=again.request, retired_on__isnull=True).exists()
    send_team_reply(actor=coordinator, request_id=again.request.pk, text="Мы вас нашли")
    session = RequesterSession.objects.get(digest=again.session.digest)
    thread = access_thread_by_session(REQUESTER, session, holder=again.holder)
    texts = [entry.text for entry in thread.thread if entry.from_team]
    assert "Мы вас нашли" in texts
    assert any("кодовое имя" in (text or "") or "codename" in (text or "") for text in texts)


def test_attaching_needs_an_open_case(vault_keys, fast_kdf, verifier):
    again = lost_codename_request("Аминат", "Снова пишу")
    from corridor.core.exceptions import InvalidInput

    with pytest.raises(InvalidInput):
        record_decision(
            actor=verifier,
            request_id=again.request.pk,
            outcome=Outcome.ATTACH,
            methods=[Method.CALL_HELD],
            case_ref="CR-NONE-NONE",
        )
    assert Request.objects.get(pk=again.request.pk).status == Status.IN_VERIFICATION
