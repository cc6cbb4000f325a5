"""Editing a person: every section's fields, stale forms refused, the audit names fields."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import Relation
from corridor.core.exceptions import InvalidInput
from corridor.people.access import access_person_fields
from corridor.people.inputs import PLAIN_FIELDS, SEALED_FIELDS, NameEntry
from corridor.people.models import Person
from corridor.people.services import EDITABLE_FIELDS, edit_person
from tests.plugins.cases import CASE_DB

pytestmark = CASE_DB

SECTIONS = {
    "identity": {
        "names": [
            NameEntry(script="cyrl", given="Лейла", family="Алиева"),
            NameEntry(script="latn", given="Leila", family="Alieva"),
            NameEntry(script="latn", given="Lela", kind="alias"),
        ],
        "address_as": "Лейла",
        "date_of_birth": date(1990, 1, 2),
        "gender_identity": "woman",
        "document_sex_marker": "M",
        "nationality": "RU",
        "languages": ["ru", "ce"],
        "sex": "female",
        "age_band": "30-49",
    },
    "contacts": {
        "contacts": [{"kind": "phone", "value": "+7 928 000-00-00"}],
        "current_country": "AM",
        "location_detail": "hostel near the station",
    },
    "situation": {
        "health_needs": "insulin",
        "medical_needs": True,
        "medical_detail": ["ongoing_treatment", "hormone_therapy"],
        "protection_needs": "a woman caseworker",
        "narrative": "left in March",
    },
    "danger": {
        "hunted_by": ["family", "regional_police"],
        "exit_barriers": ["wanted"],
        "wanted_scope": ["regional"],
        "family_filed_case": True,
        "avoid_countries": ["KZ"],
        "previous_refusals": ["DE"],
    },
    "prospects": {
        "profile_tags": ["lgbt"],
        "ties": ["DE"],
        "referral": "ngo",
        "referrer": "rainbow_railroad",
        "unhcr_registered": True,
        "sponsor_available": True,
        "can_obtain_international_passport": False,
        "passport_obtain_days": 120,
        "internal_passport_restore_days": 30,
    },
}


def principal(case) -> Person:
    return case.members.get(relation=Relation.PRINCIPAL).person


def opened(actor, case, person) -> dict:
    return access_person_fields(
        actor=actor,
        person=person,
        key=case_key(actor, case),
        fields=SEALED_FIELDS,
        case_ref=case.ref,
    )


def as_stored(value):
    if isinstance(value, list) and value and isinstance(value[0], NameEntry):
        return [entry.as_json() for entry in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.mark.parametrize("section", list(SECTIONS))
def test_each_section_is_saved_and_reads_back(open_case, caseworker, section):
    case = open_case()
    person = principal(case)
    changes = SECTIONS[section]
    edit_person(
        actor=caseworker,
        person=person,
        key=case_key(caseworker, case),
        changes=changes,
        version=person.version,
        case_ref=case.ref,
    )
    person = Person.objects.get(pk=person.pk)
    sealed = opened(caseworker, case, person)
    for name, value in changes.items():
        got = sealed.get(name) if name in SEALED_FIELDS else getattr(person, name)
        assert got == as_stored(value), name


def test_every_field_but_the_document_facts_is_editable():
    """Nothing the matcher reads lacks an editor; the register alone writes documents."""
    edited = {name for fields in SECTIONS.values() for name in fields}
    assert set(EDITABLE_FIELDS) - edited == set()
    assert "has_internal_passport" not in EDITABLE_FIELDS


def test_clearing_a_field_empties_it(open_case, caseworker):
    case = open_case()
    person = principal(case)
    edit_person(
        actor=caseworker,
        person=person,
        key=case_key(caseworker, case),
        changes={"address_as": None, "current_country": None},
        version=person.version,
    )
    person = Person.objects.get(pk=person.pk)
    assert "address_as" not in opened(caseworker, case, person)
    assert person.current_country == ""


def test_a_stale_form_is_refused_and_nothing_changes(open_case, caseworker):
    case = open_case()
    person = principal(case)
    key = case_key(caseworker, case)
    old = person.version
    edit_person(
        actor=caseworker, person=person, key=key, changes={"narrative": "first"}, version=old
    )
    with pytest.raises(InvalidInput, match="Someone else changed"):
        edit_person(
            actor=caseworker,
            person=Person.objects.get(pk=person.pk),
            key=key,
            changes={"narrative": "second"},
            version=old,
        )
    assert opened(caseworker, case, Person.objects.get(pk=person.pk))["narrative"] == "first"


def test_the_document_facts_cannot_be_edited_around_the_register(open_case, caseworker):
    case = open_case()
    person = principal(case)
    with pytest.raises(InvalidInput):
        edit_person(
            actor=caseworker,
            person=person,
            key=case_key(caseworker, case),
            changes={"has_internal_passport": True},
            version=person.version,
        )


def test_the_audit_names_the_fields_changed_never_their_values(open_case, caseworker):
    case = open_case()
    person = principal(case)
    edit_person(
        actor=caseworker,
        person=person,
        key=case_key(caseworker, case),
        changes={"narrative": "секретная история", "gender_identity": "nonbinary"},
        version=person.version,
        case_ref=case.ref,
    )
    entry = AuditEntry.objects.filter(event_type="people.person_updated").latest("seq")
    assert entry.detail == '{"fields":"gender_identity+narrative"}'
    assert entry.case_id == case.ref


def test_gender_identity_and_the_sex_marker_are_sealed_and_no_plain_fact(open_case, caseworker):
    """Reports and exports read plain columns only: these two are sealed, so none can."""
    case = open_case()
    person = principal(case)
    edit_person(
        actor=caseworker,
        person=person,
        key=case_key(caseworker, case),
        changes={"gender_identity": "nonbinary", "document_sex_marker": "F"},
        version=person.version,
        case_ref=case.ref,
    )
    stored = Person.objects.get(pk=person.pk)
    assert repr(stored.gender_identity) == "<sealed>"
    assert repr(stored.document_sex_marker) == "<sealed>"
    assert {"gender_identity", "document_sex_marker"} & set(PLAIN_FIELDS) == set()
    sealed = opened(caseworker, case, stored)
    assert (sealed["gender_identity"], sealed["document_sex_marker"]) == ("nonbinary", "F")
