"""A case built only through the interface's services gets its routes ranked.

The case is opened by accepting a portal request, then its facts are edited through the
services the person editor calls: where he is, typed by name, and the internal passport
in the document register.
"""

from __future__ import annotations

import pytest
from django.utils.translation import override

from corridor.cases.access import case_key
from corridor.cases.models import Case, Relation
from corridor.cases.services import opening
from corridor.core import places
from corridor.intake.models import Method, Outcome
from corridor.intake.services.decisions import record_decision
from corridor.pathways import services as pathway_services
from corridor.pathways.access import access_case_facts, access_case_routes
from corridor.pathways.catalog_files import read_catalog
from corridor.pathways.presentation import word
from corridor.people import register
from corridor.people.inputs import DocumentInput, NameEntry, PersonInput
from corridor.people.models import DocumentKind, DocumentWhereabouts, Sex
from corridor.people.services import edit_person
from tests.intake.screening.helpers import screened
from tests.plugins.cases import CASE_DB
from tests.portal_helpers import fast_kdf  # noqa: F401 - fixture

pytestmark = [CASE_DB, pytest.mark.usefixtures("fast_kdf")]


@pytest.fixture
def catalog(coordinator):
    pathway_services.load_catalog(actor=coordinator, entries=[f.entry for f in read_catalog()])


def accepted_case(coordinator) -> Case:
    """A portal request written through the portal's services, accepted by a coordinator."""
    request = screened("Меня ищут родственники, паспорт забрали", name_to_use="Иса")
    decided = record_decision(
        actor=coordinator,
        request_id=request.pk,
        outcome=Outcome.ACCEPT,
        methods=[Method.CALL_HELD],
    )
    return Case.objects.get(pk=decided.case_id)


def edit_as_the_caseworker(coordinator, case, person, *, where: str) -> None:
    key = case_key(coordinator, case)
    place = places.resolve_place(where, lang="ru")
    edit_person(
        actor=coordinator,
        person=person,
        key=key,
        changes={"nationality": "RU", "current_country": place.country, "sex": Sex.MALE},
        version=person.version,
        case_ref=case.ref,
    )
    register.add_document(
        actor=coordinator,
        person=person,
        key=key,
        data=DocumentInput(kind=DocumentKind.INTERNAL_PASSPORT, issuing_country="RU"),
        case_ref=case.ref,
    )


def open_plans_through_a_third_country(routes) -> list:
    return [
        result
        for result in routes.results
        if result.is_open and len(result.route_ids) > 1 and result.countries[0] not in ("RU", "")
    ]


def test_a_man_in_chechnya_with_only_an_internal_passport_gets_an_open_plan(
    coordinator, catalog, vault_keys
):
    """Before his facts are recorded nothing is open; after, a plan through a third
    country (out on the internal passport) is."""
    case = accepted_case(coordinator)
    person = case.members.get(relation=Relation.PRINCIPAL).person
    assert open_plans_through_a_third_country(access_case_routes(coordinator, case)) == []

    edit_as_the_caseworker(coordinator, case, person, where="Грозный")
    routes = access_case_routes(coordinator, case)

    plans = open_plans_through_a_third_country(routes)
    assert plans, [r.route_ids for r in routes.results[:5]]
    assert routes.current_country == "RU"
    assert routes.ways_out  # the first leg out of Russia is named
    assert routes.left_out == {}


def test_each_household_member_is_matched_on_their_own_documents(coordinator, catalog, vault_keys):
    """A partner without a passport is named as left out of the plan; with one, not."""
    case = accepted_case(coordinator)
    principal = case.members.get(relation=Relation.PRINCIPAL).person
    edit_as_the_caseworker(coordinator, case, principal, where="Чечня")
    partner = opening.add_member(
        actor=coordinator,
        case=case,
        data=PersonInput(names=[NameEntry(script="cyrl", given="Мадина")]),
        relation=Relation.PARTNER,
    )
    routes = access_case_routes(coordinator, case)
    plan = open_plans_through_a_third_country(routes)[0]
    assert [pid for pid, _theirs in routes.left_out[plan.route_ids]] == [str(partner.pk)]

    register.add_document(
        actor=coordinator,
        person=partner,
        key=case_key(coordinator, case),
        data=DocumentInput(kind=DocumentKind.INTERNAL_PASSPORT),
        case_ref=case.ref,
    )
    routes = access_case_routes(coordinator, case)
    assert plan.route_ids not in routes.left_out


def test_a_passport_taken_from_him_does_not_hide_the_one_he_holds(coordinator, catalog, vault_keys):
    """Relatives took his international passport; his internal passport is with him. The
    plan out on the internal passport stays open; with both taken, every open plan starts
    by restoring the internal passport (the only way out, and months before a new
    international one)."""
    case = accepted_case(coordinator)
    person = case.members.get(relation=Relation.PRINCIPAL).person
    key = case_key(coordinator, case)
    register.add_document(
        actor=coordinator,
        person=person,
        key=key,
        data=DocumentInput(
            kind=DocumentKind.INTERNATIONAL_PASSPORT, whereabouts=DocumentWhereabouts.CONFISCATED
        ),
        case_ref=case.ref,
    )
    edit_as_the_caseworker(coordinator, case, person, where="Грозный")
    assert open_plans_through_a_third_country(access_case_routes(coordinator, case))

    internal = person.documents.get(kind=DocumentKind.INTERNAL_PASSPORT)
    register.change_document(
        actor=coordinator,
        document=internal,
        key=key,
        data=DocumentInput(
            kind=DocumentKind.INTERNAL_PASSPORT, whereabouts=DocumentWhereabouts.CONFISCATED
        ),
        version=internal.version,
        fields=["whereabouts"],
        case_ref=case.ref,
    )
    plans = open_plans_through_a_third_country(access_case_routes(coordinator, case))
    assert plans
    with override("en"):
        assert all(
            word(plan.steps[0].text, "en").startswith("Restore the internal passport")
            for plan in plans
        )


def test_the_person_editor_s_danger_health_and_identity_facts_reach_the_planner(
    coordinator, catalog, vault_keys
):
    """Saved through the person editor's service, the new facts change the case's
    plans: a family-filed case puts the lawyer's check first, the medical detail the care
    step, a sex marker that does not match her is named at the border, a German refusal on
    Schengen routes, the referrer the matcher's `referrer`."""
    case = accepted_case(coordinator)
    person = case.members.get(relation=Relation.PRINCIPAL).person
    edit_as_the_caseworker(coordinator, case, person, where="Грозный")
    person.refresh_from_db()
    edit_person(
        actor=coordinator,
        person=person,
        key=case_key(coordinator, case),
        changes={
            "hunted_by": ["family"],
            "family_filed_case": True,
            "medical_needs": True,
            "medical_detail": ["hormone_therapy"],
            "gender_identity": "woman",
            "document_sex_marker": "M",
            "previous_refusals": ["DE"],
            "referrer": "unhcr",
        },
        version=person.version,
        case_ref=case.ref,
    )
    facts = access_case_facts(coordinator, case)
    assert facts.family_filed_case
    assert facts.documents_mismatch
    assert facts.previous_refusals == {"DE"}
    assert facts.referrer == "unhcr"  # the referrer saved in the person editor
    plans = open_plans_through_a_third_country(access_case_routes(coordinator, case))
    assert plans
    with override("en"):
        first = [word(step.text, "en") for step in plans[0].steps]
        risks = [word(note, "en") for note in plans[0].risk_notes]
    assert first[0].startswith("Plan continuing treatment")
    assert any(step.startswith("Before any airport: a lawyer checks") for step in first)
    assert any("The sex on the documents does not match" in note for note in risks)
