"""What the person agreed to: carried from their request, changed by them or by staff,
and asked before anything with their data leaves the organisation."""

from __future__ import annotations

import re

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry, ReasonNote
from corridor.cases.consent import CONFIRMATION_NEEDED, SHARING_REFUSED, SharingRefused
from corridor.cases.models import Case, ClosureReason, ConsentSource, Phase, SharingConsent
from corridor.cases.services.consent import REASON_NEEDED, current_consent, record_consent
from corridor.core.actors import WORKER
from corridor.core.exceptions import InvalidInput
from corridor.intake.models import Method, Outcome, Request, RequesterSession, Status
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.screening import screen_request
from corridor.intake.services.sharing import record_sharing_answer
from tests.cases.conftest import close_settled
from tests.factories import REQUESTER, new_token, staff_with, write
from tests.portal_helpers import Requester

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def accepted(coordinator, **answers: object) -> tuple[Case, object]:
    written = write("Помогите", **answers)
    screen_request(actor=WORKER, request_id=written.request.id)
    decided = record_decision(
        actor=coordinator,
        request_id=written.request.pk,
        outcome=Outcome.ACCEPT,
        methods=[Method.CALL_HELD],
    )
    return Case.objects.get(pk=decided.case_id), written


def refusals(reason: str) -> int:
    return AuditEntry.objects.filter(event_type="cases.sharing_refused", reason=reason).count()


def test_the_person_changes_their_answer_from_the_portal(vault_keys, fast_kdf, coordinator):
    """Their new answer is the case's answer at once; the first stays as its history."""
    case, written = accepted(coordinator, consent_keep=True, consent_share="yes")
    session = RequesterSession.objects.get(digest=written.session.digest)

    record_sharing_answer(actor=REQUESTER, session=session, share="no", form_token=new_token())

    consent = current_consent(case)
    assert consent is not None
    assert (consent.share, consent.keep, consent.source) == ("no", True, ConsentSource.PERSON)
    assert SharingConsent.objects.filter(case=case).count() == 2


def test_a_change_before_acceptance_is_carried_with_the_answers(vault_keys, fast_kdf, coordinator):
    """Changed in the portal before anyone decided: the case starts with the new answer."""
    written = write("Помогите", consent_keep=True, consent_share="yes")
    session = RequesterSession.objects.get(digest=written.session.digest)
    record_sharing_answer(actor=REQUESTER, session=session, share="ask", form_token=new_token())
    screen_request(actor=WORKER, request_id=written.request.id)
    decided = record_decision(
        actor=coordinator, request_id=written.request.pk, outcome=Outcome.ACCEPT,
        methods=[Method.CALL_HELD],
    )  # fmt: skip
    consent = current_consent(Case.objects.get(pk=decided.case_id))
    assert consent is not None
    assert consent.share == "ask"


def test_staff_change_the_answer_only_with_a_reason_sealed_aside(vault_keys, fast_kdf, coordinator):
    """A reason is required; its words go to the sealed reason notes, never the log."""
    case, _written = accepted(coordinator, consent_keep=True, consent_share="no")
    with pytest.raises(InvalidInput, match=str(REASON_NEEDED)[:20]):
        record_consent(
            actor=coordinator, case=case, keep=True, share="yes", source=ConsentSource.STAFF
        )

    record_consent(
        actor=coordinator,
        case=case,
        keep=True,
        share="yes",
        source=ConsentSource.STAFF,
        reason_text="Сказала по телефону: можно в посольство",
    )

    consent = current_consent(case)
    assert consent is not None
    assert (consent.share, consent.recorded_by) == ("yes", coordinator)
    event = AuditEntry.objects.filter(event_type="cases.consent_recorded").order_by("-seq")[0]
    assert event.reason == "consent_changed"
    assert "посольство" not in event.detail
    assert ReasonNote.objects.filter(case_id=case.ref).count() == 1


def test_handing_a_case_to_a_partner_follows_the_answer(vault_keys, fast_kdf, coordinator):
    """ "No" refuses the hand-over (recorded), "ask me first" needs a confirmation, and
    nothing is closed by a refusal."""
    case, _written = accepted(coordinator, consent_keep=True, consent_share="no")
    with pytest.raises(SharingRefused, match=str(SHARING_REFUSED)[:20]):
        close_settled(coordinator, case, ClosureReason.REFERRED_OUT, sharing_confirmed=True)
    assert Case.objects.get(pk=case.pk).phase != Phase.CLOSED
    assert refusals("case_referred_out") == 1

    record_consent(
        actor=coordinator, case=case, keep=True, share="ask", source=ConsentSource.STAFF,
        reason_text="Просит спрашивать",
    )  # fmt: skip
    with pytest.raises(SharingRefused, match=str(CONFIRMATION_NEEDED)[:20]):
        close_settled(coordinator, case, ClosureReason.REFERRED_OUT)
    close_settled(coordinator, case, ClosureReason.REFERRED_OUT, sharing_confirmed=True)
    assert Case.objects.get(pk=case.pk).phase == Phase.CLOSED
    assert AuditEntry.objects.filter(event_type="cases.sharing_confirmed").count() == 1


def test_closing_for_another_reason_does_not_ask(vault_keys, fast_kdf, coordinator):
    case, _written = accepted(coordinator, consent_share="no")
    close_settled(coordinator, case, ClosureReason.WITHDRAWN)
    assert Case.objects.get(pk=case.pk).phase == Phase.CLOSED


@pytest.mark.parametrize("outcome", [Outcome.REFER_OUT, Outcome.CO_VERIFY])
def test_referring_a_request_out_follows_the_answer(vault_keys, fast_kdf, outcome):
    """A request whose writer said "no" is not referred or co-verified with a partner."""
    verifier = staff_with(Role.VERIFIER)
    written = write("Помогите", consent_share="no")
    screen_request(actor=WORKER, request_id=written.request.id)
    with pytest.raises(SharingRefused):
        record_decision(
            actor=verifier, request_id=written.request.pk, outcome=outcome, note="Партнёр"
        )
    assert Request.objects.get(pk=written.request.pk).status == Status.IN_VERIFICATION
    assert AuditEntry.objects.filter(event_type="cases.sharing_refused", reason=outcome).exists()


def test_a_request_not_asked_is_referred_only_with_a_confirmation(vault_keys, fast_kdf):
    verifier = staff_with(Role.VERIFIER)
    written = write("Помогите")
    screen_request(actor=WORKER, request_id=written.request.id)
    with pytest.raises(SharingRefused):
        record_decision(
            actor=verifier, request_id=written.request.pk, outcome=Outcome.REFER_OUT, note="П"
        )
    decided = record_decision(
        actor=verifier, request_id=written.request.pk, outcome=Outcome.REFER_OUT, note="П",
        sharing_confirmed=True,
    )  # fmt: skip
    assert decided.status == Status.REFERRED_OUT


SHARING_TOKEN = re.compile(
    r'action="/help/sharing/"[^>]*>\s*<input type="hidden" name="form_token" value="([^"]+)"'
)


def test_the_portal_says_what_we_keep_and_takes_a_new_answer(vault_keys, fast_kdf, coordinator):
    """The form explains what is kept and asks; the thread page takes a new answer
    (JavaScript plays no part: plain forms)."""
    person = Requester()
    start = person.get().content.decode()
    assert 'id="consent"' in start
    assert 'name="consent_share"' in start
    codename = person.write_and_get_codename(consent_keep="on", consent_share="yes")
    person.enter(codename)
    page = person.get("thread/").content.decode()
    token = SHARING_TOKEN.search(page)
    assert token is not None

    response = person.client.post(
        "/help/sharing/", {"form_token": token.group(1), "consent_share": "no"}
    )

    assert response.status_code == 303
    assert Request.objects.get().sharing_changed_to == "no"
    assert 'role="status"' in person.client.get(response["Location"]).content.decode()
