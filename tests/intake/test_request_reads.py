"""Requests are read by those who work them: the verification queue and what one decided,
or an accepted request through its case by those assigned; and every read counts toward
the insider alert."""

from __future__ import annotations

import pytest

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, InsiderAlert
from corridor.cases.services.assignment import assign_case
from corridor.core.actors import WORKER
from corridor.intake.access import access_opened_request_by_id, access_request_by_id
from corridor.intake.errors import RequestNotFound
from corridor.intake.models import Outcome
from corridor.intake.selectors import list_inbox
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.opening import open_request
from corridor.intake.services.screening import screen_request
from tests.factories import staff_with, write

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def screened(story: str = "Нужна помощь, ищут родственники"):
    written = write(story=story)
    screen_request(actor=WORKER, request_id=written.request.pk)
    return written.request


def test_a_coordinator_off_the_case_no_longer_reads_an_accepted_request(vault_keys, fast_kdf):
    """The attack: a coordinator who is not on the case opens the accepted request's story
    and phone from the inbox. Now the request belongs to its case team."""
    lead = staff_with(Role.COORDINATOR)
    other = staff_with(Role.COORDINATOR)
    request = screened()
    open_request(actor=lead, request_id=request.pk)
    record_decision(
        actor=lead, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    with pytest.raises(RequestNotFound):
        access_request_by_id(other, request.pk)
    # The refused read is in the audit log, against the one who tried.
    denied = AuditEntry.objects.filter(
        event_type=EventType.ACCESS_DENIED.value,
        object_type="intake.request",
        object_id=str(request.pk),
    )
    assert [entry.actor for entry in denied] == [other.actor_id]
    assert request.pk not in set(list_inbox(other).values_list("pk", flat=True))
    assert access_opened_request_by_id(lead, request.pk).answers  # the lead leads the case


def test_a_caseworker_reads_the_request_of_their_case_only_while_assigned(vault_keys, fast_kdf):
    lead = staff_with(Role.COORDINATOR)
    caseworker = staff_with(Role.CASEWORKER)
    request = screened()
    open_request(actor=lead, request_id=request.pk)
    request = record_decision(
        actor=lead, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    with pytest.raises(RequestNotFound):
        access_request_by_id(caseworker, request.pk)
    assign_case(actor=lead, case=Case.objects.get(pk=request.case_id), staff=caseworker)
    assert access_request_by_id(caseworker, request.pk) == request


def test_verifiers_read_the_queue_and_what_they_decided_not_what_others_decided(
    vault_keys, fast_kdf
):
    verifier = staff_with(Role.VERIFIER)
    other = staff_with(Role.VERIFIER)
    waiting, mine, theirs = screened(), screened(), screened()
    for request in (mine, theirs):
        open_request(actor=verifier, request_id=request.pk)
    record_decision(actor=verifier, request_id=mine.pk, outcome=Outcome.DECLINE)
    record_decision(actor=other, request_id=theirs.pk, outcome=Outcome.DECLINE)

    assert access_request_by_id(verifier, waiting.pk) == waiting
    assert access_request_by_id(verifier, mine.pk) == mine
    with pytest.raises(RequestNotFound):
        access_request_by_id(verifier, theirs.pk)


def test_reading_requests_counts_toward_the_insider_alert(vault_keys, fast_kdf, settings):
    """The attack: a verifier browses requests one after another. Before, only case
    openings counted; now each request read does, and the alert is raised."""
    settings.CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 2
    verifier = staff_with(Role.VERIFIER)
    requests = [screened() for _ in range(3)]
    for request in requests:
        open_request(actor=verifier, request_id=request.pk)
    assert not InsiderAlert.objects.filter(staff=verifier).exists()
    for request in requests:
        access_opened_request_by_id(verifier, request.pk)
    alert = InsiderAlert.objects.get(staff=verifier)
    assert alert.openings == 3
    # Each read and the alert itself are in the audit log, against the verifier.
    reads = AuditEntry.objects.filter(
        event_type=EventType.REQUEST_READ.value, actor=verifier.actor_id
    )
    assert sorted(entry.object_id for entry in reads) == sorted(str(r.pk) for r in requests)
    raised = AuditEntry.objects.filter(event_type=EventType.INSIDER_ALERT_RAISED.value)
    assert raised.count() == 1


def test_services_record_what_they_open_without_counting_as_page_reads(
    vault_keys, fast_kdf, settings
):
    """The attack: a service decrypts a request where nobody sees it (screening, a
    decision copying the answers into a case) and the audit log has no trace of it.
    Now each such opening is an `intake.request_processed` event against the one who
    caused it, and, since it shows nothing, it does not count toward the insider alert."""
    settings.CORRIDOR_INSIDER_OPENINGS_PER_HOUR = 1
    verifier = staff_with(Role.COORDINATOR)
    request = screened()
    screening = AuditEntry.objects.get(
        event_type=EventType.REQUEST_PROCESSED.value, actor=WORKER.actor_id
    )
    assert screening.object_id == str(request.pk)
    assert screening.detail_values["purpose"] == "screening"
    open_request(actor=verifier, request_id=request.pk)
    record_decision(
        actor=verifier, request_id=request.pk, outcome=Outcome.ACCEPT, methods=["call_held"]
    )
    decided = AuditEntry.objects.filter(
        event_type=EventType.REQUEST_PROCESSED.value, actor=verifier.actor_id
    )
    assert [entry.object_id for entry in decided] == [str(request.pk)]
    assert not InsiderAlert.objects.filter(staff=verifier).exists()
