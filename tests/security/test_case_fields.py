"""C2: with a distinct canary in every sealed field of a case, the canaries each role can get
onto its screens equal that role's allow-list exactly.

Each person logs in, opens the case for work if their role lets them (a coordinator not
assigned to it gives a reason), then requests every page there is: every case page from
the policy table and every other page of the site. Safe-house addresses are for
coordinators only; auditors, administrators and the other roles get no case content.
"""

from __future__ import annotations

import pytest
from django.test import Client

from corridor.accounts.roles import Role
from corridor.cases.models import CaseAssignment
from corridor.cases.services.assignment import assign_case
from tests.accounts.helpers import log_in
from tests.cases.conftest import CASE_DB
from tests.factories import staff_with
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.security.case_fixture import CANARY_FIELDS, COORDINATOR_ONLY, CaseFixture, build_case
from tests.url_policy import CASE_POLICY, ROUTES

pytestmark = CASE_DB
EVERYTHING = frozenset(CANARY_FIELDS)
NOTHING: frozenset[str] = frozenset()


def pages(fixture: CaseFixture) -> list[str]:
    """Every page of the case, then every other page of the site."""
    case_pages = [
        route.path.format(ref=fixture.case.ref, incident=fixture.incident.pk)
        for route in CASE_POLICY.values()
        if route.get
    ]
    others = [route.path for name, route in ROUTES.items() if name not in CASE_POLICY]
    extra = [f"/board/?phase={fixture.case.phase}", "/audit/?case=" + fixture.case.ref]
    return case_pages + others + extra


def seen_canaries(client: Client, fixture: CaseFixture) -> set[str]:
    seen = set()
    for path in pages(fixture):
        body = client.get(path).content.decode("utf-8", errors="replace")
        seen |= {name for name, value in fixture.canaries.items() if value in body}
    return seen


def logged_in(staff) -> Client:
    client = Client()
    log_in(client, staff)
    return client


@pytest.mark.parametrize(
    ("role", "assigned", "allowed"),
    [
        (Role.CASEWORKER, True, EVERYTHING - COORDINATOR_ONLY),
        (Role.CASEWORKER, False, NOTHING),
        (Role.COORDINATOR, True, EVERYTHING),
        (Role.COORDINATOR, False, EVERYTHING),
        (Role.VERIFIER, False, NOTHING),
        (Role.HOTLINE_OPERATOR, False, NOTHING),
        (Role.AUDITOR, False, NOTHING),
        (Role.ADMIN, False, NOTHING),
    ],
    ids=lambda value: value.value if isinstance(value, Role) else str(value)[:12],
)
def test_each_role_sees_exactly_its_fields(vault_keys, role, assigned, allowed):  # noqa: F811
    fixture = build_case()
    staff = staff_with(role)
    if assigned:
        assign_case(actor=fixture.coordinator, case=fixture.case, staff=staff, lead=False)
    client = logged_in(staff)
    client.post(f"/cases/{fixture.case.ref}/open/", {"reason": "supervision"})
    assert seen_canaries(client, fixture) == set(allowed)


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.COORDINATOR])
def test_nothing_shows_before_the_case_is_opened(vault_keys, role):  # noqa: F811
    """People are masked until revealed: a case page is codes, dates and references only."""
    fixture = build_case()
    staff = staff_with(role)
    assign_case(actor=fixture.coordinator, case=fixture.case, staff=staff, lead=False)
    assert seen_canaries(logged_in(staff), fixture) == set()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.ADMIN, Role.VERIFIER])
def test_an_assignment_row_does_not_give_a_data_less_role_the_case(vault_keys, role):  # noqa: F811
    """Even assigned (which the services never do), these roles open nothing."""
    fixture = build_case()
    staff = staff_with(role)
    CaseAssignment.objects.create(case=fixture.case, staff=staff, lead=False)
    client = logged_in(staff)
    client.post(f"/cases/{fixture.case.ref}/open/", {"reason": "supervision"})
    assert seen_canaries(client, fixture) == set()


def test_fields_outside_a_form_change_nothing(vault_keys):  # noqa: F811
    """A POST that adds fields the form does not have (a phase, a lead, a closure) is
    taken for its own fields only."""
    fixture = build_case()
    case = fixture.fresh()
    client = logged_in(fixture.owner)
    response = client.post(
        f"/cases/{case.ref}/notes/add/",
        {
            "body": "a note",
            "phase": "closed",
            "closure_reason": "safe",
            "risk_level": "low",
            "staff": fixture.spare.pk,
            "erased_at": "2020-01-01",
        },
    )
    assert response.status_code == 302
    after = fixture.fresh()
    assert (after.phase, after.closure_reason, after.risk_level, after.erased_at) == (
        case.phase,
        case.closure_reason,
        case.risk_level,
        None,
    )
    assert not CaseAssignment.objects.filter(case=case, staff=fixture.spare).exists()
