"""C1/C2 at the domain level: who may see a case, and which fields each role opens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import (
    CaseNotFound,
    RevealReasonNeeded,
    access_case_by_ref,
    open_case_for_work,
)
from corridor.cases.models import CaseReveal
from corridor.cases.services import logistics
from corridor.core import clock
from tests.cases.conftest import CASE_DB
from tests.factories import StaffFactory

pytestmark = CASE_DB


def test_the_assigned_caseworker_sees_the_case(open_case, caseworker):
    case = open_case()
    assert access_case_by_ref(caseworker, case.ref) == case


@pytest.mark.parametrize(
    "role", [Role.CASEWORKER, Role.VERIFIER, Role.HOTLINE_OPERATOR, Role.AUDITOR, Role.ADMIN]
)
def test_unassigned_and_data_less_roles_get_the_same_not_found(open_case, role):
    """Forbidden and missing are the same error: a reference cannot be probed."""
    case = open_case()
    outsider = StaffFactory(roles=[role])
    with pytest.raises(CaseNotFound):
        access_case_by_ref(outsider, case.ref)
    with pytest.raises(CaseNotFound):
        access_case_by_ref(outsider, "CR-0000-0000")
    with pytest.raises(CaseNotFound):
        open_case_for_work(outsider, case)


def test_a_coordinator_needs_a_reason_for_an_unassigned_case(open_case, canary, time_machine):
    time_machine.move_to("2026-04-01 09:00:00Z", tick=False)
    case = open_case(canary)
    other = StaffFactory(roles=[Role.COORDINATOR])
    assert access_case_by_ref(other, case.ref) == case  # may know it exists
    with pytest.raises(RevealReasonNeeded):
        open_case_for_work(other, case)
    opened = open_case_for_work(other, case, reason="covering_absence")
    assert canary in opened.people[0]["narrative"]
    assert CaseReveal.objects.filter(case=case, staff=other, reason="covering_absence").exists()
    assert (
        AuditEntry.objects.filter(
            event_type="cases.case_revealed", reason="covering_absence"
        ).count()
        == 1
    )
    time_machine.shift(timedelta(minutes=9))
    open_case_for_work(other, case)  # the reveal still holds
    time_machine.shift(timedelta(minutes=2))
    with pytest.raises(RevealReasonNeeded):
        open_case_for_work(other, case)


def test_every_person_read_is_recorded_without_values(open_case, caseworker, canary):
    case = open_case(canary)
    open_case_for_work(caseworker, case)
    reads = AuditEntry.objects.filter(event_type="people.person_opened", case_id=case.ref)
    assert reads.count() == 1
    assert canary not in str(list(AuditEntry.objects.values_list()))


def test_safe_house_addresses_are_for_coordinators_only(open_case, coordinator, caseworker, canary):
    case = open_case()
    logistics.record_placement(
        actor=coordinator,
        case=case,
        shelter_ref="SH-02",
        address=f"flat {canary}",
        starts_on=clock.today(),
    )
    as_worker = open_case_for_work(caseworker, case)
    assert as_worker.placements[0]["address"] is None
    assert as_worker.placements[0]["shelter_ref"] == "SH-02"
    as_coordinator = open_case_for_work(coordinator, case, reason="supervision")
    assert as_coordinator.placements[0]["address"] == f"flat {canary}"
