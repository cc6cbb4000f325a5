"""Applications and outcomes: their rules, and how an outcome changes what a caseworker sees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import MilestoneKind, Relation
from corridor.cases.risk import RiskAnswers
from corridor.cases.services import work
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from corridor.pathways import applications, selectors
from corridor.pathways import services as pathway_services
from corridor.pathways.access import access_case_matches
from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.models import ApplicationStatus as S
from corridor.pathways.presentation import results_json
from corridor.people.inputs import PersonInput
from corridor.people.services import update_person
from tests.cases.conftest import CASE_DB

pytestmark = CASE_DB
# An open route a person inside Russia with an international passport can use (Germany's §22 has
# been suspended since July 2025).
ROUTE = "ch-humanitarian-visa"


@pytest.fixture(autouse=True)
def catalog(coordinator):
    pathway_services.load_catalog(actor=coordinator, entries=[f.entry for f in read_catalog()])


def principal(case):
    return case.members.get(relation=Relation.PRINCIPAL).person


def start(actor, case, route=ROUTE, **kwargs):
    return applications.start_application(
        actor=actor,
        case=case,
        route_id=route,
        authority="German embassy, Moscow",
        people=[principal(case)],
        **kwargs,
    )


def test_an_application_is_a_draft_with_a_sealed_reference_and_a_deadline_task(
    open_case, coordinator, canary
):
    case = open_case()
    due = clock.today() + timedelta(days=14)
    application = start(coordinator, case, reference_number=f"REF-{canary}", deadline=due)
    assert application.status == S.DRAFT
    assert application.country == "CH"
    assert application.reference_number is not None
    assert case.tasks.filter(due_on=due).exists()
    assert canary not in str(list(AuditEntry.objects.values_list()))


@pytest.mark.parametrize("route", ["transit-am", "no-such-route"])
def test_only_routes_of_the_catalog_take_applications(open_case, coordinator, route):
    with pytest.raises(InvalidInput, match="not a route"):
        start(coordinator, open_case(), route=route)


def test_people_of_another_case_are_refused(open_case, coordinator):
    case, other = open_case(), open_case()
    with pytest.raises(InvalidInput, match="people of this case"):
        applications.start_application(
            actor=coordinator, case=case, route_id=ROUTE, authority="x", people=[principal(other)]
        )


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([S.SUBMITTED, S.INTERVIEW, S.GRANTED], None),
        ([S.SUBMITTED, S.DOCUMENTS_REQUESTED, S.SUBMITTED, S.DENIED, S.APPEALED, S.GRANTED], None),
        ([S.GRANTED], S.GRANTED),
        ([S.SUBMITTED, S.WITHDRAWN, S.SUBMITTED], S.SUBMITTED),
        ([S.SUBMITTED, S.GRANTED, S.APPEALED], S.APPEALED),
    ],
)
def test_status_transitions(open_case, coordinator, path, refused):
    application = start(coordinator, open_case())
    day = clock.today()
    for step, status in enumerate(path):
        kwargs = {"denial_reason": "discretion"} if status is S.DENIED else {}
        if status is refused and step == len(path) - 1:
            with pytest.raises(InvalidInput, match="cannot become"):
                applications.record_status(
                    actor=coordinator, application=application, status=status, on=day, **kwargs
                )
            return
        application = applications.record_status(
            actor=coordinator, application=application, status=status, on=day, **kwargs
        )
    assert application.status == path[-1]
    assert list(application.steps.values_list("status", flat=True)) == [S.DRAFT, *path]


def test_bad_dates_missing_reasons_and_stale_forms_are_refused(open_case, coordinator):
    application = start(coordinator, open_case())
    today = clock.today()
    with pytest.raises(InvalidInput, match="future"):
        applications.record_status(
            actor=coordinator,
            application=application,
            status=S.SUBMITTED,
            on=today + timedelta(days=1),
        )
    applications.record_status(
        actor=coordinator, application=application, status=S.SUBMITTED, on=today
    )
    with pytest.raises(InvalidInput, match="before the application's last step"):
        applications.record_status(
            actor=coordinator,
            application=application,
            status=S.INTERVIEW,
            on=today - timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="why the application was denied"):
        applications.record_status(
            actor=coordinator, application=application, status=S.DENIED, on=today
        )
    with pytest.raises(InvalidInput, match="Someone else changed"):
        applications.record_status(
            actor=coordinator, application=application, status=S.INTERVIEW, on=today, version=1
        )


def test_a_grant_records_the_visa_milestone_for_each_person(open_case, coordinator):
    case = open_case()
    application = start(coordinator, case)
    applications.record_status(
        actor=coordinator, application=application, status=S.SUBMITTED, on=clock.today()
    )
    applications.record_status(
        actor=coordinator, application=application, status=S.GRANTED, on=clock.today()
    )
    assert principal(case).milestones.filter(kind=MilestoneKind.VISA_GRANTED).exists()


def test_a_denial_changes_the_counts_and_the_ranking_for_a_comparable_case(open_case, coordinator):
    """Two cases with the same facts: denials on a route for one lower that route for the other,
    and the counts shown beside it change."""
    answers = RiskAnswers(threat_from_state=True)
    first, second = open_case(), open_case()
    for case in (first, second):
        work.assess_risk(actor=coordinator, case=case, answers=answers)
        person = principal(case)
        update_person(
            actor=coordinator,
            person=person,
            key=case_key(coordinator, case),
            data=PersonInput(
                has_internal_passport=True, has_international_passport=True, profile_tags=["lgbt"]
            ),
            version=person.version,
        )

    def shown(case):
        results = access_case_matches(coordinator, case)
        ordered = [r.route_ids for r in results]
        result = next(r for r in results if r.route_ids == (ROUTE,))
        return ordered.index((ROUTE,)), result

    rank_before, before = shown(second)
    for _ in range(3):
        application = start(coordinator, first)
        applications.record_status(
            actor=coordinator, application=application, status=S.SUBMITTED, on=clock.today()
        )
        applications.record_status(
            actor=coordinator,
            application=application,
            status=S.DENIED,
            on=clock.today(),
            denial_reason="no_legal_basis",
        )
    rank_after, after = shown(second)
    assert selectors.outcome_counts(since=clock.today().replace(month=1, day=1))[ROUTE].denied == 3
    assert (after.grant_counts.granted, after.grant_counts.denied) == (0, 3)
    assert (before.grant_counts.granted, before.grant_counts.denied) == (0, 0)
    assert after.score < before.score
    assert rank_after >= rank_before


def test_a_route_paused_by_us_is_closed_with_that_reason_until_resumed(open_case, coordinator):
    from corridor.pathways import routes

    case = open_case()
    person = principal(case)
    update_person(
        actor=coordinator,
        person=person,
        key=case_key(coordinator, case),
        data=PersonInput(has_international_passport=True),
        version=person.version,
    )

    def verdict():
        shown = results_json(access_case_matches(coordinator, case), lang="en")
        result = next(r for r in shown if r["route_ids"] == [ROUTE])
        return result["verdict"], result["reasons"]

    assert verdict()[0] != "ineligible"
    routes.pause_route(actor=coordinator, route_id=ROUTE, reason="Embassy closed for visits")
    state, reasons = verdict()
    assert state == "ineligible"
    assert any("Paused by our organisation" in str(reason) for reason in reasons)
    with pytest.raises(InvalidInput, match="already paused"):
        routes.pause_route(actor=coordinator, route_id=ROUTE, reason="again")
    routes.resume_route(actor=coordinator, route_id=ROUTE)
    assert verdict()[0] != "ineligible"


def agreement(coordinator, places=1, route=ROUTE, **dates):
    today = clock.today()
    return applications.add_slot_agreement(
        actor=coordinator,
        route_id=route,
        authority="German embassy, Moscow",
        places=places,
        valid_from=dates.get("valid_from", today - timedelta(days=30)),
        valid_until=dates.get("valid_until", today + timedelta(days=30)),
    )


def test_a_negotiated_place_is_taken_once_and_given_back_on_withdrawal(open_case, coordinator):
    slot = agreement(coordinator, places=1)
    first = start(coordinator, open_case(), slot=slot)
    assert selectors.places_taken(slot) == 1
    with pytest.raises(InvalidInput, match="Every place of that agreement is taken"):
        start(coordinator, open_case(), slot=slot)
    applications.record_status(
        actor=coordinator, application=first, status=S.WITHDRAWN, on=clock.today()
    )
    assert selectors.places_taken(slot) == 0
    second = start(coordinator, open_case(), slot=slot)
    assert second.slot == slot
    assert [(s.pk, taken) for s, taken in selectors.list_slot_agreements(route_id=ROUTE)] == [
        (slot.pk, 1)
    ]


def test_a_place_must_fit_the_route_and_the_day(open_case, coordinator):
    other = agreement(coordinator, route="ca-gar")
    with pytest.raises(InvalidInput, match="another route"):
        start(coordinator, open_case(), slot=other)
    ended = agreement(
        coordinator,
        valid_from=clock.today() - timedelta(days=60),
        valid_until=clock.today() - timedelta(days=1),
    )
    with pytest.raises(InvalidInput, match="does not cover"):
        start(coordinator, open_case(), slot=ended)
    assert selectors.list_slot_agreements(valid_on=clock.today()) == [(other, 0)]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"places": 0}, "at least one place"),
        ({"route": "transit-ge"}, "not a route"),
        ({"route": "xx-nothing"}, "not a route"),
        ({"valid_until": clock.today() - timedelta(days=90)}, "ends after it starts"),
    ],
)
def test_an_impossible_agreement_is_refused(coordinator, change, says):
    kwargs = {"places": change.get("places", 3), "route": change.get("route", ROUTE)}
    if "valid_until" in change:
        kwargs["valid_until"] = change["valid_until"]
    with pytest.raises(InvalidInput, match=says):
        agreement(coordinator, **kwargs)
    assert selectors.list_slot_agreements() == []
