"""The person editor's pages: prefilled while the case is open, saving only what changed,
refusing stale forms and unknown places with a sentence, and the document register."""

from __future__ import annotations

import re

import pytest

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.people.models import IdentityDocument, Person
from corridor.people.services import edit_person
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


def test_every_kind_of_contact_is_edited_and_shown_by_its_kind(fx):
    """A safe contact and a time to call back (as a request carries them) are edited like
    the phone; a contact emptied is taken out."""
    client = opened_client(fx)
    url = f"/cases/{fx.case.ref}/people/contacts/"
    contacts = {
        "phone": "+7 928 111-22-33",
        "other_contact": "@isa_safe",
        "safe_contact": "сестра Лейла, после 21:00",
        "callback": "днём, спросить Ису",
    }
    saved = client.post(url, {"person": fx.principal.pk, "version": version(fx), **contacts})
    assert saved.status_code == 302, saved.content[:500]
    form = client.get(f"{url}?person={fx.principal.pk}").content.decode()
    assert all(value in form for value in contacts.values())
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert "Safe contact: сестра Лейла, после 21:00" in page
    assert "When to call back: днём, спросить Ису" in page

    emptied = {**contacts, "callback": ""}
    again = client.post(url, {"person": fx.principal.pk, "version": version(fx), **emptied})
    assert again.status_code == 302
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert "спросить Ису" not in page
    assert "сестра Лейла" in page


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


def test_a_household_member_has_their_own_editor_and_register(fx):
    """The case page links every section and the register for each member; what is saved
    for the child lands on the child alone."""
    client = opened_client(fx)
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    for section in ("identity", "contacts", "situation", "danger", "prospects"):
        for person in (fx.principal, fx.second):
            assert f"/people/{section}/?person={person.pk}" in page
    assert f"/documents/add/?person={fx.second.pk}" in page
    # The child's sex and age are not recorded: the heading leaves them out.
    child_heading = re.search(r"<h3>2 · .*?</h3>", page, re.S)
    assert child_heading is not None
    assert "Not known" not in child_heading.group(0)

    child_before = Person.objects.get(pk=fx.second.pk)
    principal_before = Person.objects.get(pk=fx.principal.pk)
    saved = client.post(
        f"/cases/{fx.case.ref}/people/contacts/",
        {"person": fx.second.pk, "version": child_before.version, "where": "Ереван"},
    )
    assert saved.status_code == 302
    added = client.post(
        f"/cases/{fx.case.ref}/documents/add/",
        {
            "person": fx.second.pk,
            "kind": "birth_certificate",
            "issuing_country": "Россия",
            "whereabouts": "with_person",
        },
    )
    assert added.status_code == 302, added.content[:500]
    child = Person.objects.get(pk=fx.second.pk)
    assert child.current_country == "AM"
    assert child.has_birth_certificate is True
    principal = Person.objects.get(pk=fx.principal.pk)
    assert principal.current_country == principal_before.current_country
    assert principal.version == principal_before.version


def test_the_portals_answer_on_address_is_offered_in_words_not_as_its_code(fx):
    """A request carries "how to address me" as a code; the editor shows it in words."""
    edit_person(
        actor=fx.owner,
        person=fx.principal,
        key=case_key(fx.owner, fx.case),
        changes={"address_as": "masculine"},
        version=version(fx),
        case_ref=fx.case.ref,
    )
    client = opened_client(fx)
    body = client.get(f"/cases/{fx.case.ref}/people/identity/?person={fx.principal.pk}")
    field = re.search(r'<input[^>]*name="address_as"[^>]*>', body.content.decode())
    assert field is not None
    assert 'value="masculine"' not in field.group(0)
    assert "value=" in field.group(0)
