"""Audit object types are stable codes, like event codes: never renamed, never removed;
the spellings written before them map to today's code when the log is read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corridor.audit.events import DEPRECATED_EVENTS, EventType
from corridor.audit.exceptions import AuditEventInvalid
from corridor.audit.objects import LEGACY_NAMES, ObjectType, object_type_of, spellings_of
from corridor.audit.services import record_event
from corridor.core.actors import SystemActor

RELEASED = Path(__file__).with_name("released_object_types.txt")
WORKER = SystemActor("worker")


@pytest.mark.pure
def test_no_released_object_type_is_renamed_or_removed():
    """Every object type ever released still exists; add new ones to the file too."""
    released = RELEASED.read_text(encoding="utf-8").split()
    assert sorted(set(released) - {kind.value for kind in ObjectType}) == []
    assert sorted({kind.value for kind in ObjectType} - set(released)) == []


@pytest.mark.pure
def test_object_types_are_app_dot_name_and_old_spellings_are_not():
    for kind in ObjectType:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", kind.value), kind
    # An old spelling is never today's code, and maps to one that exists.
    assert not set(LEGACY_NAMES) & {kind.value for kind in ObjectType}
    assert all(isinstance(new, ObjectType) for new in LEGACY_NAMES.values())


@pytest.mark.pure
def test_old_and_new_spellings_name_the_same_kind():
    assert object_type_of("staff") is object_type_of("accounts.staff") is ObjectType.STAFF
    assert spellings_of("staff") == spellings_of("accounts.staff") == {"staff", "accounts.staff"}
    assert spellings_of("request") == {"request", "intake.request"}
    assert spellings_of("no.such_kind") == {"no.such_kind"}


@pytest.mark.pure
def test_every_model_with_sealed_fields_has_an_object_type():
    """vault.sealed_written names the model a save wrote: each must be a known kind."""
    from django.apps import apps

    from corridor.vault.fields import sealed_field_names

    sealed = [
        m._meta.label_lower
        for m in apps.get_models()
        if sealed_field_names(m) and m.__module__.startswith("corridor.")
    ]
    assert sealed
    assert [label for label in sealed if object_type_of(label) is None] == []


@pytest.mark.django_db
def test_an_object_type_that_is_not_a_member_is_refused():
    """A free-form string is how `staff` and `accounts.staff` drifted apart."""
    with pytest.raises(AuditEventInvalid):
        record_event(actor=WORKER, event=EventType.LOGOUT, object_type="staff", object_id="1")  # type: ignore[arg-type]
    entry = record_event(
        actor=WORKER, event=EventType.LOGOUT, object_type=ObjectType.STAFF, object_id="1"
    )
    assert entry.object_type == "accounts.staff"


@pytest.mark.django_db
@pytest.mark.parametrize("event", sorted(DEPRECATED_EVENTS))
def test_a_deprecated_event_code_is_never_written_again(event):
    with pytest.raises(AuditEventInvalid):
        record_event(actor=WORKER, event=event, object_type=ObjectType.SURGE, object_id="1")
