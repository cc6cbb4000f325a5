"""C1: every case-scoped URL × every role × assigned or not: allowed or 404 exactly as the
policy in tests/url_policy.py says, and each allowed request writes exactly its audit events.

The routes come from the URL resolver, not from a list written here: a new page with a case
reference in its path and no policy entry fails `test_every_case_route_has_a_policy`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import CaseAssignment
from corridor.cases.selectors import list_running
from corridor.cases.services import safety
from corridor.pathways.applications import record_status
from corridor.pathways.models import ApplicationStatus
from corridor.pathways.selectors import list_running_applications
from corridor.people import register
from corridor.people.inputs import DocumentInput
from corridor.people.models import DocumentFile, DocumentKind, IdentityDocument, Person
from tests.accounts.helpers import log_in
from tests.cases.conftest import CASE_DB, close_settled
from tests.factories import staff_with, store_scan
from tests.keys import vault_keys  # noqa: F401 - fixture
from tests.security.case_fixture import CaseFixture, build_case
from tests.url_policy import CASE_POLICY, case_outcome

pytestmark = CASE_DB

Data = Callable[[CaseFixture], dict[str, object]]

# A valid form for each route that takes a POST, on the standard fixture.
POST_DATA: dict[str, Data] = {
    "web:case_open": lambda fx: {"reason": "supervision"},
    "web:case_incident_step": lambda fx: {"step": "person_contacted"},
    "web:case_incident_skip": lambda fx: {
        "step": "relocation_decided",
        "relocation_decided-step": "relocation_decided",
        "relocation_decided-reason": "no move needed",
    },
    "web:case_incident_close": lambda fx: {"outcome": "the person is safe"},
    "web:case_add_member": lambda fx: {
        "given_latn": "Newcomer",
        "relation": "child",
        "sex": "unknown",
        "age_band": "unknown",
    },
    "web:case_remove_member": lambda fx: {"person": fx.second.pk},
    "web:case_unassign": lambda fx: {"staff": fx.owner.pk},
    "web:case_milestone": lambda fx: {
        "person": fx.principal.pk,
        "kind": "documents_ready",
        "reached_on": fx.today,
    },
    "web:case_phase": lambda fx: {"to": "verification", "version": fx.fresh().version},
    "web:case_raise_flag": lambda fx: {"flag": "on_hold", "reason": "other"},
    "web:case_clear_flag": lambda fx: {"flag": "detained", "reason": "resolved"},
    "web:case_close": lambda fx: close_data(fx),
    "web:case_reopen": lambda fx: {"reason": "new_danger"},
    "web:case_erase_request": lambda fx: {"reason": "retention"},
    "web:case_erase": lambda fx: {"confirm": "on"},
    "web:case_correct_milestone": lambda fx: {
        "milestone": fx.principal.milestones.get(kind="safe_place").pk,
        "reached_on": fx.today - timedelta(days=1),
        "reason": "the placement began a day earlier",
    },
    "web:case_retract_milestone": lambda fx: {
        "milestone": fx.principal.milestones.get(kind="safe_place").pk,
        "reason": "recorded for the wrong case",
    },
    "web:case_retract_application_status": lambda fx: {
        "application": fx.application.pk,
        "reason": "recorded for the wrong application",
    },
    "web:case_consent": lambda fx: {"keep": "on", "share": "no", "reason": "said so on the phone"},
    "web:case_assign": lambda fx: {"staff": fx.spare.pk, "lead": "1"},
    "web:case_link": lambda fx: {"other": fx.lonely.ref, "kind": "same_threat_actor"},
    "web:case_risk": lambda fx: {"threat_from_family": "on"},
    "web:case_protocol": lambda fx: {"person": fx.second.pk, "channel": "phone", "every_hours": 12},
    "web:case_check_in": lambda fx: {"person": fx.principal.pk, "words": ""},
    "web:case_add_task": lambda fx: {"title": "buy tickets", "due_on": fx.tomorrow},
    "web:case_complete_task": lambda fx: {
        "task": fx.task.pk,
        "next_title": "call again",
        "next_due": fx.tomorrow,
    },
    "web:case_add_note": lambda fx: {"body": "spoke on the phone"},
    "web:case_add_expense": lambda fx: {
        "category": "food",
        "amount": "12.50",
        "currency": "EUR",
        "spent_on": fx.today,
    },
    "web:case_add_placement": lambda fx: {
        "shelter_ref": "SH-09",
        "address": "a flat",
        "starts_on": fx.tomorrow,
    },
    "web:case_end_placement": lambda fx: {"placement": fx.placement.pk, "ends_on": fx.today},
    "web:case_move_placement": lambda fx: {
        "placement": fx.placement.pk,
        "shelter": fx.shelter.pk,
        "on": fx.today,
    },
    "web:case_add_leg": lambda fx: {
        "kind": "in_country",
        "from_place": "RU-CE",
        "to_place": "RU-MOW",
        "mode": "bus",
        "travel_on": fx.tomorrow,
    },
    "web:case_complete_leg": lambda fx: {"leg": fx.leg.pk, "on": fx.today},
    "web:case_raise_incident": lambda fx: {"kind": "missing", "person": fx.principal.pk},
    "web:case_start_application": lambda fx: {
        "route": "de-humanitarian-admission",
        "authority": "Embassy of Germany, Moscow",
        "people": [fx.principal.pk],
        "started_on": fx.today,
    },
    "web:case_choose_plan": lambda fx: {"route": "de-humanitarian-admission", "transit": ""},
    "web:case_application_status": lambda fx: {
        "application": fx.application.pk,
        "status": "submitted",
        "on": fx.today,
    },
    "web:case_person_identity": lambda fx: {
        **_person(fx),
        "given_latn": "Renamed",
        "sex": "unknown",
        "age_band": "unknown",
        "gender_identity": "woman",
        "document_sex_marker": "M",
    },
    "web:case_person_contacts": lambda fx: {**_person(fx), "phone": "+7 900 000-00-00"},
    "web:case_person_situation": lambda fx: {**_person(fx), "narrative": "told again"},
    "web:case_person_danger": lambda fx: {**_person(fx), "hunted_by": ["family"]},
    "web:case_person_prospects": lambda fx: {
        **_person(fx),
        "referral": "none",
        "ties": "Germany",
    },
    "web:case_document_add": lambda fx: {
        "person": fx.principal.pk,
        "kind": "internal_passport",
        "issuing_country": "RU",
        "whereabouts": "with_person",
    },
    "web:case_document_change": lambda fx: {
        **_document(fx),
        "kind": "internal_passport",
        "whereabouts": "with_us",
    },
    "web:case_document_remove": lambda fx: _document(fx),
    "web:case_file_add": lambda fx: {
        "person": fx.principal.pk,
        "upload": SimpleUploadedFile("note.txt", b"a scan, in words"),
    },
    "web:case_document_custody": lambda fx: {
        **_document(fx),
        "action": "record",
        "to_kind": "courier",
        "handed_on": fx.today,
        "giver_person_confirmed": "on",
    },
    "web:case_document_files": lambda fx: {
        **_document(fx),
        "action": "link",
        "file": DocumentFile.objects.filter(person=fx.principal).first().pk,
    },
}


def close_data(fx: CaseFixture) -> dict[str, object]:
    """The checklist filled in: what can end ends, the rest is kept with a reason."""
    data: dict[str, object] = {"reason": "withdrawn", "version": fx.fresh().version}
    for item in [*list_running(fx.case), *list_running_applications(fx.case.pk)]:
        data[f"do_{item.key}"] = "end" if item.endable else "keep"
        data[f"why_{item.key}"] = "" if item.endable else "a partner takes it on"
    return data


def _person(fx: CaseFixture) -> dict[str, object]:
    return {"person": fx.principal.pk, "version": Person.objects.get(pk=fx.principal.pk).version}


def _document(fx: CaseFixture) -> dict[str, object]:
    document = IdentityDocument.objects.filter(person=fx.principal).first()
    assert document is not None
    return {"document": document.pk, "version": document.version}


def prepare_reopen(fx: CaseFixture) -> None:
    close_settled(fx.coordinator, fx.fresh(), "withdrawn")


def prepare_erase(fx: CaseFixture) -> None:
    """One coordinator asked and a second agreed: what the erase page carries out."""
    from corridor.accounts import approvals
    from corridor.cases.services.erasure import pending_erasure, request_case_erasure

    if pending_erasure(fx.case) is None:
        approval = request_case_erasure(actor=fx.coordinator, case=fx.case, reason="retention")
        approvals.grant_approval(actor=staff_with(Role.COORDINATOR), approval_id=str(approval.pk))


def prepare_incident_close(fx: CaseFixture) -> None:
    for step in safety.CHECKLIST:
        safety.complete_incident_step(actor=fx.owner, incident=fx.incident, step=step)


def prepare_status_retraction(fx: CaseFixture) -> None:
    record_status(
        actor=fx.owner, application=fx.application, status=ApplicationStatus.SUBMITTED, on=fx.today
    )


def prepare_document(fx: CaseFixture) -> None:
    if not IdentityDocument.objects.filter(person=fx.principal).exists():
        register.add_document(
            actor=fx.coordinator,
            person=fx.principal,
            key=case_key(fx.coordinator, fx.case),
            data=DocumentInput(kind=DocumentKind.INTERNAL_PASSPORT),
        )


def prepare_scan(fx: CaseFixture) -> None:
    prepare_document(fx)
    if not DocumentFile.objects.filter(person=fx.principal).exists():
        store_scan(fx.coordinator, fx.case, person=fx.principal)


PREPARE: dict[str, Callable[[CaseFixture], None]] = {
    "web:case_reopen": prepare_reopen,
    "web:case_erase": prepare_erase,
    "web:case_incident_close": prepare_incident_close,
    "web:case_retract_application_status": prepare_status_retraction,
    "web:case_document_change": prepare_document,
    "web:case_document_remove": prepare_document,
    "web:case_document_custody": prepare_document,
    "web:case_document_files": prepare_scan,
}


def case_routes(resolver: URLResolver | None = None, namespace: str = "") -> dict[str, str]:
    """Every named pattern whose route holds a case reference: {name: route}."""
    found: dict[str, str] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.update(case_routes(entry, inner))
        elif isinstance(entry, URLPattern) and "<caseref:ref>" in str(entry.pattern):
            found[f"{namespace}{entry.name}"] = str(entry.pattern)
    return found


def test_every_case_route_has_a_policy():
    """A page about a case cannot ship without a decision on who may use it."""
    routes = case_routes()
    assert len(routes) >= 20
    assert sorted(set(routes) - set(CASE_POLICY)) == []
    assert sorted(set(CASE_POLICY) - set(routes)) == []
    for name, route in CASE_POLICY.items():
        pattern = (
            routes[name]
            .replace("<caseref:ref>", "{ref}")
            .replace("<uuid:incident_id>", "{incident}")
        )
        assert "/" + pattern == route.path, name


def test_every_route_taking_a_post_has_sample_data():
    assert set(POST_DATA) == {name for name, route in CASE_POLICY.items() if route.post}


def written_since(seq: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(seq__gt=seq).order_by("seq").values_list("event_type", flat=True)
    )


def last_seq() -> int:
    entry = AuditEntry.objects.order_by("-seq").first()
    return entry.seq if entry else 0


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "unassigned"])
@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_case_routes_follow_the_policy(vault_keys, role, assigned):  # noqa: F811
    """Each route answers each role as the policy says, with exactly the policy's events.

    `assigned` gives the person an assignment row on the case, even in a role that the
    services would never assign: only the role and the assignment together open a case.
    """
    staff = staff_with(role)
    client = Client()
    log_in(client, staff)
    fixture: CaseFixture | None = None
    failures = []
    for name in sorted(CASE_POLICY):
        route = CASE_POLICY[name]
        for method in ("GET", "POST"):
            if fixture is None:
                fixture = build_case()
                if assigned:
                    CaseAssignment.objects.create(case=fixture.case, staff=staff, lead=False)
            if method == "POST" and name in PREPARE:
                PREPARE[name](fixture)
            path = route.path.format(ref=fixture.case.ref, incident=fixture.incident.pk)
            expected = case_outcome(route, role=role, assigned=assigned, method=method)
            before = last_seq()
            if method == "GET":
                response = client.get(path)
            else:
                data = POST_DATA[name](fixture) if name in POST_DATA else {}
                response = client.post(path, data)
            # A replaced sealed value also records its digest (vault.sealed_written, the
            # rollback check); the policy names the action's own events.
            written = [code for code in written_since(before) if code != "vault.sealed_written"]
            got = (response.status_code, tuple(written))
            if got != (expected.status, expected.events):
                failures.append((name, method, got, (expected.status, expected.events)))
            if expected.status == 302 and method == "POST" and route.key and not assigned:
                assert response["Location"].endswith("/open/"), (name, response["Location"])
            if method == "POST" and (expected.events or name in PREPARE):
                fixture = None  # the case changed: the next route starts from a fresh one
    assert failures == []
