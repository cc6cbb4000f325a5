"""The document register: documents as rows, and the document facts derived from them."""

from __future__ import annotations

from datetime import date

import pytest

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import Relation
from corridor.core.exceptions import InvalidInput
from corridor.people import register
from corridor.people.access import access_person_documents
from corridor.people.inputs import DocumentInput, PersonInput
from corridor.people.models import DocumentKind, DocumentWhereabouts, IdentityDocument, Person
from corridor.people.services import blank_person, update_person
from tests.plugins.cases import CASE_DB

INTERNAL = DocumentKind.INTERNAL_PASSPORT
INTERNATIONAL = DocumentKind.INTERNATIONAL_PASSPORT
WITH_PERSON = DocumentWhereabouts.WITH_PERSON


@pytest.mark.pure
@pytest.mark.parametrize(
    ("kind", "fact"),
    [
        (INTERNAL, "has_internal_passport"),
        (INTERNATIONAL, "has_international_passport"),
        (DocumentKind.BIRTH_CERTIFICATE, "has_birth_certificate"),
        (DocumentKind.MILITARY_ID, "has_other_id"),
        (DocumentKind.OTHER, "has_other_id"),
    ],
)
def test_each_kind_held_sets_its_fact_and_only_it(kind, fact):
    """A document held by the person says they have that kind, and not the others."""
    facts = register.derive_document_facts([(kind, WITH_PERSON, None)])
    held = {name for name, value in facts.items() if value is True}
    assert held == {fact}
    assert facts["documents_confiscated"] is False


@pytest.mark.pure
def test_an_empty_register_says_nothing_is_known():
    facts = register.derive_document_facts([])
    assert facts["has_internal_passport"] is None
    assert facts["has_international_passport"] is None
    assert facts["documents_confiscated"] is False


@pytest.mark.pure
def test_a_lost_passport_is_not_held_and_a_confiscated_one_is_flagged():
    """Lost: gone. Confiscated: it exists, but the person cannot use it."""
    lost = register.derive_document_facts([(INTERNAL, DocumentWhereabouts.LOST, None)])
    assert lost["has_internal_passport"] is False
    assert lost["documents_confiscated"] is False
    taken = register.derive_document_facts([(INTERNAL, DocumentWhereabouts.CONFISCATED, None)])
    assert taken["has_internal_passport"] is True
    assert taken["documents_confiscated"] is True


@pytest.mark.pure
def test_the_passport_expiry_is_the_latest_of_the_passports_that_exist():
    facts = register.derive_document_facts(
        [
            (INTERNATIONAL, WITH_PERSON, date(2025, 1, 1)),
            (INTERNATIONAL, DocumentWhereabouts.WITH_US, date(2031, 6, 30)),
            (INTERNATIONAL, DocumentWhereabouts.LOST, date(2035, 1, 1)),
        ]
    )
    assert facts["international_passport_expiry"] == date(2031, 6, 30)


@pytest.mark.pure
def test_document_numbers_normalise_across_keyboards_and_separators():
    assert register.normalise_number("45 10 123456") == register.normalise_number("4510-123456")
    assert register.normalise_number("АВ 123") == "AB123"  # Cyrillic look-alikes


def _principal(case) -> Person:
    return case.members.get(relation=Relation.PRINCIPAL).person


@CASE_DB
def test_adding_changing_and_removing_documents_rewrites_the_person_facts(open_case, caseworker):
    """The matcher's cache follows the register through every change."""
    case = open_case()
    person = _principal(case)
    key = case_key(caseworker, case)
    passport = register.add_document(
        actor=caseworker,
        person=person,
        key=key,
        data=DocumentInput(
            kind=INTERNATIONAL,
            issuing_country="ru",
            number="75 1234567",
            expires_on=date(2030, 5, 1),
        ),
        case_ref=case.ref,
    )
    person.refresh_from_db()
    assert person.has_international_passport is True
    assert person.international_passport_expiry == date(2030, 5, 1)
    assert passport.issuing_country == "RU"

    register.change_document(
        actor=caseworker,
        document=passport,
        key=key,
        data=DocumentInput(kind=INTERNATIONAL, whereabouts=DocumentWhereabouts.CONFISCATED),
        version=passport.version,
        fields=["whereabouts"],
        case_ref=case.ref,
    )
    person.refresh_from_db()
    assert person.documents_confiscated is True
    assert person.international_passport_expiry == date(2030, 5, 1)  # untouched field kept

    passport.refresh_from_db()
    register.remove_document(
        actor=caseworker, document=passport, version=passport.version, case_ref=case.ref
    )
    person.refresh_from_db()
    assert person.documents_confiscated is False
    assert person.has_international_passport is None
    assert person.international_passport_expiry is None


@CASE_DB
def test_a_stale_document_form_is_refused_and_changes_nothing(open_case, caseworker):
    case = open_case()
    person = _principal(case)
    key = case_key(caseworker, case)
    document = register.add_document(
        actor=caseworker, person=person, key=key, data=DocumentInput(kind=INTERNAL)
    )
    old = document.version
    register.change_document(
        actor=caseworker,
        document=document,
        key=key,
        data=DocumentInput(kind=INTERNAL, whereabouts=DocumentWhereabouts.WITH_US),
        version=old,
        fields=["whereabouts"],
    )
    stale = IdentityDocument.objects.get(pk=document.pk)
    with pytest.raises(InvalidInput):
        register.change_document(
            actor=caseworker,
            document=stale,
            key=key,
            data=DocumentInput(kind=INTERNAL, whereabouts=DocumentWhereabouts.LOST),
            version=old,
            fields=["whereabouts"],
        )
    with pytest.raises(InvalidInput):
        register.remove_document(actor=caseworker, document=stale, version=old)
    assert IdentityDocument.objects.get(pk=document.pk).whereabouts == DocumentWhereabouts.WITH_US


@CASE_DB
def test_the_number_is_sealed_indexed_and_never_in_the_audit_log(open_case, caseworker):
    """The number opens only through the audited access function; the log names fields."""
    case = open_case()
    person = _principal(case)
    key = case_key(caseworker, case)
    document = register.add_document(
        actor=caseworker,
        person=person,
        key=key,
        data=DocumentInput(kind=INTERNAL, number="4510 987654", issued_on=date(2015, 2, 3)),
        case_ref=case.ref,
    )
    register.change_document(
        actor=caseworker,
        document=document,
        key=key,
        data=DocumentInput(kind=INTERNAL, number="4510 987655"),
        version=document.version,
        fields=["number"],
        case_ref=case.ref,
    )
    stored = IdentityDocument.objects.get(pk=document.pk)
    assert repr(stored.number) == "<sealed>"
    assert stored.number_index == register.number_index("4510-987655")
    opened = access_person_documents(actor=caseworker, person=person, key=key, case_ref=case.ref)
    assert opened[0]["number"] == "4510 987655"
    assert opened[0]["issued_on"] == "2015-02-03"
    events = AuditEntry.objects.filter(case_id=case.ref, event_type__startswith="people.document")
    assert [e.event_type for e in events.order_by("seq")] == [
        "people.document_added",
        "people.document_changed",
    ]
    for entry in events:
        assert "987654" not in entry.detail
        assert "987655" not in entry.detail
    assert "fields" in events.get(event_type="people.document_changed").detail


@CASE_DB
def test_bad_document_input_is_refused_with_a_sentence(open_case, caseworker):
    case = open_case()
    person = _principal(case)
    key = case_key(caseworker, case)
    with pytest.raises(InvalidInput, match="two-letter"):
        register.add_document(
            actor=caseworker,
            person=person,
            key=key,
            data=DocumentInput(kind=INTERNAL, issuing_country="Russia"),
        )
    with pytest.raises(InvalidInput, match="expire"):
        register.add_document(
            actor=caseworker,
            person=person,
            key=key,
            data=DocumentInput(
                kind=INTERNAL, issued_on=date(2020, 1, 1), expires_on=date(2019, 1, 1)
            ),
        )
    assert not IdentityDocument.objects.filter(person=person).exists()


@CASE_DB
def test_erasing_a_person_deletes_their_documents_and_blanks_the_new_sealed_fields(
    open_case, caseworker
):
    case = open_case()
    person = _principal(case)
    key = case_key(caseworker, case)
    register.add_document(
        actor=caseworker, person=person, key=key, data=DocumentInput(kind=INTERNAL, number="1")
    )
    update_person(
        actor=caseworker,
        person=person,
        key=key,
        version=person.version,
        data=PersonInput(gender_identity="woman", document_sex_marker="M", hunted_by=["family"]),
    )
    blank_person(person)
    person.refresh_from_db()
    assert not IdentityDocument.objects.filter(person=person).exists()
    assert person.gender_identity is None
    assert person.document_sex_marker is None
    assert person.hunted_by is None


@CASE_DB
def test_erasing_a_person_blanks_every_sealed_column_the_model_has(open_case, caseworker):
    """Every encrypted column of Person, found on the model (so a column added later is
    covered without editing this test), is NULL in the database after erasure."""
    from corridor.vault.fields import EncryptedTextField, seal_field, sealed_field_names

    case = open_case()
    person = _principal(case)
    key = case_key(caseworker, case)
    columns = sealed_field_names(Person)
    assert {"exit_barriers", "avoid_countries", "medical_needs", "narrative"} <= set(columns)
    for name in columns:
        text = isinstance(Person._meta.get_field(name), EncryptedTextField)
        seal_field(person, name, "canary" if text else ["canary"], key=key)
    person.save()
    assert all(Person.objects.values_list(*columns).get(pk=person.pk))

    blank_person(person)

    left = dict(zip(columns, Person.objects.values_list(*columns).get(pk=person.pk), strict=True))
    assert {name: value for name, value in left.items() if value is not None} == {}
