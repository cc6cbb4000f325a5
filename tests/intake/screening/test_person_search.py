"""Name and phone search reaches every person on a case, not only people who
came through a request: each person's names and phones get the requests' own blind
indexes when they are written, `corridor cases reindex-people` indexes those written
before, and results stay within the cases the searcher may open (a count beyond)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.cases.models import Relation
from corridor.cases.services.opening import add_member
from corridor.intake.services.search import search
from corridor.people.inputs import NameEntry, PersonInput
from corridor.people.models import PersonIndexEntry
from corridor.people.services import blank_person, edit_person
from corridor.vault.keys import data_key
from tests.factories import open_case_for, staff_with

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def household(vault_keys):
    coordinator = staff_with(Role.COORDINATOR)
    worker = staff_with(Role.CASEWORKER)
    case = open_case_for(coordinator, worker)
    # The sister never wrote a request: she was added to the household by staff.
    sister = add_member(
        actor=coordinator,
        case=case,
        data=PersonInput(
            names=[NameEntry(script="cyrl", given="Зарема", family="Умарова")],
            contacts=[{"kind": "signal", "value": "+7 928 555-01-02"}],
        ),
        relation=Relation.SIBLING,
    )
    return coordinator, worker, case, sister


def test_a_household_member_is_found_by_name_and_phone_within_ones_cases(vault_keys):
    _coordinator, worker, case, _sister = household(vault_keys)
    outsider = staff_with(Role.CASEWORKER)

    by_phone = search(actor=worker, text="8 (928) 555 01 02")
    assert by_phone.cases == [case]
    assert by_phone.beyond == 0
    # Written in Latin letters and in the other order, as a caller spells it out.
    assert search(actor=worker, text="Umarova Zarema").cases == [case]

    # Someone not on the case learns only that another case matches.
    theirs = search(actor=outsider, text="+79285550102")
    assert theirs.cases == []
    assert theirs.other_cases == 1
    made = AuditEntry.objects.filter(event_type=EventType.SEARCH_MADE.value)
    assert made.count() == 3
    assert all("928" not in entry.detail and "Zarema" not in entry.detail for entry in made)
    assert AuditEntry.objects.filter(
        event_type=EventType.SEARCH_BEYOND.value, actor=outsider.actor_id
    ).exists()


def test_a_changed_phone_is_found_and_the_old_one_no_longer(vault_keys):
    coordinator, worker, case, sister = household(vault_keys)
    key = data_key(case.key_id, for_actor=coordinator.actor_id, case_id=str(case.pk))
    sister.refresh_from_db()
    edit_person(
        actor=coordinator,
        person=sister,
        key=key,
        changes={"contacts": [{"kind": "phone", "value": "+7 928 777-03-04"}]},
        version=sister.version,
        case_ref=case.ref,
    )
    assert search(actor=worker, text="+7 928 777 03 04").cases == [case]
    assert search(actor=worker, text="+7 928 555 01 02").cases == []
    # Her name was not changed, so it still finds her.
    assert search(actor=worker, text="Зарема Умарова").cases == [case]
    sister.refresh_from_db()
    edit_person(
        actor=coordinator,
        person=sister,
        key=key,
        changes={"contacts": None},
        version=sister.version,
        case_ref=case.ref,
    )
    assert not PersonIndexEntry.objects.filter(person=sister, field="contacts").exists()
    # Erasing the person takes their names' values with their sealed fields.
    assert PersonIndexEntry.objects.filter(person=sister, field="names").exists()
    blank_person(sister)
    assert not PersonIndexEntry.objects.filter(person=sister).exists()


def test_people_written_before_the_indexes_are_indexed_by_the_command(vault_keys, capsys):
    _coordinator, worker, case, sister = household(vault_keys)
    PersonIndexEntry.objects.all().delete()
    assert search(actor=worker, text="+7 928 555 01 02").cases == []

    call_command("cases", "reindex-people")

    assert search(actor=worker, text="+7 928 555 01 02").cases == [case]
    assert "Indexed 2 people" in capsys.readouterr().out
    indexed = AuditEntry.objects.filter(event_type=EventType.PERSON_INDEXED.value)
    assert indexed.count() == 2
    assert all(entry.actor.startswith("system:cli:") for entry in indexed)
    # Each person's names and contacts were read through the access function: audited.
    opened = AuditEntry.objects.filter(
        event_type=EventType.PERSON_OPENED.value, object_id=str(sister.pk)
    )
    assert opened.exists()
