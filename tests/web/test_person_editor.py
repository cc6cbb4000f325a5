"""The person editor's pages: prefilled while the case is open, saving only what changed,
refusing stale forms and unknown places with a sentence, and the document register."""

from __future__ import annotations

import pytest

from corridor.audit.models import AuditEntry
from corridor.people.models import IdentityDocument, Person
from tests.cases.conftest import CASE_DB
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def opened_client(fx):
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    return client


def version(fx) -> int:
    return Person.objects.get(pk=fx.principal.pk).version


def test_a_section_shows_plaintext_only_while_the_case_is_open(fx):
    """Not opened: sent to open the case. Opened: the form holds the current values."""
    url = f"/cases/{fx.case.ref}/people/identity/?person={fx.principal.pk}"
    closed = client_for(fx.owner).get(url)
    assert closed.status_code == 302
    assert closed["Location"].endswith("/open/")
    page = opened_client(fx).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert fx.canaries["address_as"] in body
    assert 'name="version"' in body


def test_saving_a_section_changes_only_what_was_edited_and_names_it(fx):
    client = opened_client(fx)
    url = f"/cases/{fx.case.ref}/people/prospects/"
    response = client.post(
        url,
        {
            "person": fx.principal.pk,
            "version": version(fx),
            "profile_tags": ["lgbt"],
            "ties": "Германия, Armenia",
            "referral": "none",
            "can_obtain_international_passport": "no",
        },
    )
    assert response.status_code == 302, response.content[:500]
    person = Person.objects.get(pk=fx.principal.pk)
    assert person.can_obtain_international_passport is False
    entry = AuditEntry.objects.filter(event_type="people.person_updated").latest("seq")
    assert entry.detail_values == {"fields": "can_obtain_international_passport+profile_tags+ties"}


def test_a_stale_form_is_refused_with_a_sentence_and_what_was_typed_stays(fx):
    client = opened_client(fx)
    url = f"/cases/{fx.case.ref}/people/situation/"
    old = version(fx)
    data = {"person": fx.principal.pk, "version": old, "narrative": "first telling"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, "narrative": "second telling"})
    assert again.status_code == 400
    body = again.content.decode()
    assert "Someone else changed this person" in body
    assert "second telling" in body


def test_an_unknown_place_comes_back_with_suggestions(fx):
    client = opened_client(fx)
    response = client.post(
        f"/cases/{fx.case.ref}/people/contacts/",
        {"person": fx.principal.pk, "version": version(fx), "where": "Grozni"},
    )
    assert response.status_code == 302  # an alternate name GeoNames knows
    assert Person.objects.get(pk=fx.principal.pk).current_country == "RU"
    typo = client.post(
        f"/cases/{fx.case.ref}/people/contacts/",
        {"person": fx.principal.pk, "version": version(fx), "where": "Yerevvan"},
    )
    assert typo.status_code == 400
    assert "We did not find" in typo.content.decode()
    assert "Yerevan" in typo.content.decode()


def test_a_person_from_another_case_is_no_one_here(fx):
    client = opened_client(fx)
    other = fx.lonely.members.first().person
    response = client.post(
        f"/cases/{fx.case.ref}/people/situation/",
        {"person": other.pk, "version": other.version, "narrative": "x"},
    )
    assert response.status_code == 404


def test_documents_are_added_changed_and_removed_from_the_case_page(fx):
    client = opened_client(fx)
    ref = fx.case.ref
    added = client.post(
        f"/cases/{ref}/documents/add/",
        {
            "person": fx.principal.pk,
            "kind": "international_passport",
            "issuing_country": "Россия",
            "number": "75 1234567",
            "expires_on": "2031-01-31",
            "whereabouts": "with_person",
        },
    )
    assert added.status_code == 302, added.content[:500]
    document = IdentityDocument.objects.get(person=fx.principal)
    assert document.issuing_country == "RU"
    assert Person.objects.get(pk=fx.principal.pk).has_international_passport is True
    page = client.get(f"/cases/{ref}/").content.decode()
    assert "75 1234567" in page

    form = client.get(f"/cases/{ref}/documents/change/?document={document.pk}")
    assert "75 1234567" in form.content.decode()
    changed = client.post(
        f"/cases/{ref}/documents/change/",
        {
            "document": document.pk,
            "version": document.version,
            "kind": "international_passport",
            "issuing_country": "RU",
            "number": "75 1234567",
            "expires_on": "2031-01-31",
            "whereabouts": "confiscated",
        },
    )
    assert changed.status_code == 302
    assert Person.objects.get(pk=fx.principal.pk).documents_confiscated is True
    entry = AuditEntry.objects.filter(event_type="people.document_changed").latest("seq")
    assert entry.detail_values["fields"] == "whereabouts"

    document.refresh_from_db()
    removed = client.post(
        f"/cases/{ref}/documents/remove/", {"document": document.pk, "version": document.version}
    )
    assert removed.status_code == 302
    assert not IdentityDocument.objects.filter(person=fx.principal).exists()
    assert Person.objects.get(pk=fx.principal.pk).documents_confiscated is False


def test_the_case_page_masks_document_numbers_until_opened(fx):
    opened = opened_client(fx)
    opened.post(
        f"/cases/{fx.case.ref}/documents/add/",
        {
            "person": fx.principal.pk,
            "kind": "internal_passport",
            "number": "4510 999888",
            "whereabouts": "with_person",
        },
    )
    fresh = client_for(fx.owner).get(f"/cases/{fx.case.ref}/").content.decode()
    assert "4510 999888" not in fresh
    assert 'data-document="internal_passport"' in fresh
