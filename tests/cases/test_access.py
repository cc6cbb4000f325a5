"""C1/C2 at the domain level: who may see a case, which fields each role opens, and for how long."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import (
    CaseNotFound,
    RevealReasonNeeded,
    access_case_by_ref,
    access_case_page,
    active_opening,
)
from corridor.cases.models import CaseOpening, CaseReveal
from corridor.cases.services import logistics
from corridor.cases.services.openings import open_case_for_work
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from tests.cases.conftest import CASE_DB
from tests.factories import staff_with

pytestmark = CASE_DB
SESSION = "session-key-one"


def events(**filters) -> list[str]:
    return list(
        AuditEntry.objects.filter(**filters).order_by("seq").values_list("event_type", flat=True)
    )


def test_the_assigned_caseworker_sees_the_case(open_case, caseworker):
    case = open_case()
    assert access_case_by_ref(caseworker, case.ref) == case


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.VERIFIER, Role.HOTLINE_OPERATOR, Role.AUDITOR, Role.ADMIN]
)
def test_unassigned_and_data_less_roles_get_the_same_not_found(open_case, role):
    """Forbidden and missing are the same error: a reference cannot be probed."""
    case = open_case()
    outsider = staff_with(role)
    with pytest.raises(CaseNotFound):
        access_case_by_ref(outsider, case.ref)
    with pytest.raises(CaseNotFound):
        access_case_by_ref(outsider, "CR-0000-0000")
    with pytest.raises(CaseNotFound):
        open_case_for_work(actor=outsider, case=case, session_key=SESSION, reason="supervision")


def test_every_refusal_is_recorded_with_the_reference_asked_for(open_case):
    case = open_case()
    outsider = staff_with(Role.CASEWORKER)
    for ref in (case.ref, "CR-0000-0000", "not a reference"):
        with pytest.raises(CaseNotFound):
            access_case_by_ref(outsider, ref, page="case")
    denied = AuditEntry.objects.filter(event_type="accounts.access_denied", actor=outsider.actor_id)
    assert list(denied.order_by("seq").values_list("case_id", flat=True)) == [
        case.ref,
        "CR-0000-0000",
        "",
    ]
    assert all(entry.detail_values == {"page": "case"} for entry in denied)


def test_coordinator_only_access_refuses_a_caseworker_on_their_own_case(open_case, caseworker):
    case = open_case()
    with pytest.raises(CaseNotFound):
        access_case_by_ref(caseworker, case.ref, coordinators_only=True)


def test_a_coordinator_needs_a_reason_for_an_unassigned_case(open_case, canary, time_machine):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    case = open_case(canary)
    other = staff_with(Role.COORDINATOR)
    assert access_case_by_ref(other, case.ref) == case  # may know it exists
    with pytest.raises(RevealReasonNeeded):
        open_case_for_work(actor=other, case=case, session_key=SESSION)
    with pytest.raises(InvalidInput):
        open_case_for_work(actor=other, case=case, session_key=SESSION, reason="curiosity")
    assert not CaseOpening.objects.exists()
    open_case_for_work(actor=other, case=case, session_key=SESSION, reason="covering_absence")
    assert CaseReveal.objects.filter(case=case, staff=other, reason="covering_absence").exists()
    assert events(actor=other.actor_id, case_id=case.ref) == ["cases.case_revealed"]
    opened = access_case_page(other, case, page="case", session_key=SESSION)
    assert opened is not None
    assert any(canary in str(fields["narrative"]) for fields in opened.people.values())


def test_opening_shows_plaintext_for_ten_minutes_in_that_session_only(
    open_case, caseworker, canary, time_machine
):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    case = open_case(canary)
    assert access_case_page(caseworker, case, page="case", session_key=SESSION) is None
    open_case_for_work(actor=caseworker, case=case, session_key=SESSION)
    assert access_case_page(caseworker, case, page="case", session_key=SESSION) is not None
    assert access_case_page(caseworker, case, page="case", session_key="another") is None
    time_machine.shift(timedelta(minutes=9))
    assert active_opening(caseworker, case, SESSION) is not None
    time_machine.shift(timedelta(minutes=2))
    assert access_case_page(caseworker, case, page="case", session_key=SESSION) is None


def test_an_opening_is_one_event_and_each_view_names_the_fields_read(open_case, caseworker, canary):
    case = open_case(canary)
    start = AuditEntry.objects.count()
    open_case_for_work(actor=caseworker, case=case, session_key=SESSION)
    assert events(seq__gt=start) == ["cases.case_opened_for_work"]
    middle = AuditEntry.objects.count()
    access_case_page(caseworker, case, page="case", session_key=SESSION)
    assert events(seq__gt=middle) == ["cases.case_viewed", "people.person_opened"]
    view, read = AuditEntry.objects.filter(seq__gt=middle).order_by("seq")
    assert view.detail_values == {"opened": 1, "page": "case"}
    assert "narrative" in str(read.detail_values["fields"])
    assert canary not in str(list(AuditEntry.objects.values_list()))


def test_a_masked_view_is_one_event_and_no_plaintext(open_case, caseworker):
    case = open_case()
    start = AuditEntry.objects.count()
    assert access_case_page(caseworker, case, page="case", session_key=SESSION) is None
    assert events(seq__gt=start) == ["cases.case_viewed"]


def test_safe_house_addresses_are_for_coordinators_only(open_case, coordinator, caseworker, canary):
    case = open_case()
    placement = logistics.record_placement(
        actor=coordinator,
        case=case,
        shelter_ref="SH-02",
        address=f"flat {canary}",
        starts_on=clock.today(),
    )
    open_case_for_work(actor=caseworker, case=case, session_key=SESSION)
    as_worker = access_case_page(caseworker, case, page="case", session_key=SESSION)
    assert as_worker is not None
    assert as_worker.addresses == {}
    open_case_for_work(actor=coordinator, case=case, session_key=SESSION, reason="supervision")
    as_coordinator = access_case_page(coordinator, case, page="case", session_key=SESSION)
    assert as_coordinator is not None
    assert as_coordinator.addresses == {str(placement.pk): f"flat {canary}"}


def test_no_session_means_no_opening(open_case, caseworker):
    case = open_case()
    open_case_for_work(actor=caseworker, case=case, session_key=SESSION)
    assert active_opening(caseworker, case, "") is None
    with pytest.raises(CaseNotFound):
        open_case_for_work(actor=caseworker, case=case, session_key="")
