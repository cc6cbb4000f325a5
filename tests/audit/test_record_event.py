"""record_event: gap-free, in the writer's transaction, ids and codes only."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.exceptions import AuditEventInvalid
from corridor.audit.models import AuditEntry, AuditSequence
from corridor.audit.objects import ModelLabel, ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import RequesterActor, SystemActor, cli_actor
from tests.audit.helpers import record

pytestmark = pytest.mark.django_db


def test_events_are_numbered_from_one_without_gaps():
    """Three events get seq 1, 2 and 3 in the order they were recorded."""
    entries = [record(event=EventType.LOGIN_SUCCEEDED) for _ in range(3)]
    assert [entry.seq for entry in entries] == [1, 2, 3]
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3]


def test_the_leaf_hash_covers_the_canonical_leaf_of_the_issue(staff, time_machine):
    """leaf_hash is SHA-256(0x00 || canonical JSON of the documented leaf object)."""
    time_machine.move_to(datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC), tick=False)
    entry = record_event(
        actor=staff,
        event=EventType.ROLE_GRANTED,
        object_type=ObjectType.STAFF,
        object_id="17",
        case_id="CR-7K3M-Q9TZ",
        reason="new_volunteer",
        detail={"role": "caseworker", "count": 2},
    )
    leaf = {
        "v": 1,
        "seq": 1,
        "time": "2026-11-25T12:00:00.123456Z",
        "actor": f"staff:{staff.pk}",
        "type": "accounts.role_granted",
        "object_type": "accounts.staff",
        "object_id": "17",
        "case_id": "CR-7K3M-Q9TZ",
        "reason": "new_volunteer",
        "detail": {"count": 2, "role": "caseworker"},
    }
    canonical = json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert entry.leaf_hash == hashlib.sha256(b"\x00" + canonical.encode()).hexdigest()
    assert entry.detail == '{"count":2,"role":"caseworker"}'
    assert entry.time == datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
    assert entry.detail_values == {"count": 2, "role": "caseworker"}


def test_requester_events_carry_the_day_not_the_time(time_machine):
    """An event by the anonymous requester is stamped at midnight UTC of its day."""
    time_machine.move_to(datetime(2026, 11, 25, 17, 43, 9, 5, tzinfo=UTC), tick=False)
    entry = record(actor=RequesterActor(), event=EventType.ACCESS_DENIED)
    assert entry.time == datetime(2026, 11, 25, tzinfo=UTC)
    system_entry = record(actor=SystemActor("worker"), event=EventType.ACCESS_DENIED)
    assert system_entry.time == datetime(2026, 11, 25, 17, 43, 9, 5, tzinfo=UTC)


def test_an_event_rolls_back_with_its_writer_and_its_number_is_reused():
    """When the writer's transaction fails, its event is gone and the next event takes its seq."""
    record(event=EventType.LOGIN_SUCCEEDED)

    def failing_writer() -> None:
        with transaction.atomic():
            record(event=EventType.ROLE_GRANTED)
            raise RuntimeError("the writer failed after recording")

    with pytest.raises(RuntimeError):
        failing_writer()
    entry = record(event=EventType.LOGOUT)
    assert entry.seq == 2
    assert AuditEntry.objects.count() == 2


def test_a_lost_counter_row_restarts_after_the_last_event():
    """If the sequence row disappears, numbering continues after the highest stored seq."""
    record(event=EventType.LOGIN_SUCCEEDED)
    record(event=EventType.LOGOUT)
    AuditSequence.objects.all().delete()
    assert record(event=EventType.LOGIN_SUCCEEDED).seq == 3


@pytest.mark.parametrize(
    "actor_id",
    ["", "staff:", "staff:1 2", "admin", "system:", "system:cli:ivan petrov", "staff:Иван"],
)
def test_malformed_actors_are_refused(actor_id):
    """An actor must be staff:<id>, requester, system:<name> or system:cli:<user>."""

    class Odd:
        pass

    odd = Odd()
    odd.actor_id = actor_id  # type: ignore[attr-defined]
    with pytest.raises(AuditEventInvalid, match="The actor must be"):
        record(actor=odd, event=EventType.LOGOUT)
    assert AuditEntry.objects.count() == 0


def test_the_cli_actor_is_accepted():
    """Commands record `system:cli:<os user>`."""
    assert record(actor=cli_actor(), event=EventType.LOG_EXPORTED).actor.startswith("system:cli:")


def test_an_event_type_must_come_from_the_enum():
    """A bare string is refused, so every stored code is one the enum declares."""
    with pytest.raises(AuditEventInvalid, match="EventType"):
        record(event="accounts.login_succeeded")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "kind"),
    [(1.5, "float"), (True, "bool"), (None, "NoneType"), ({"a": 1}, "dict"), ([1], "list")],
)
def test_detail_values_are_strings_or_integers_only(value, kind):
    """Floats, booleans, None and nested values are refused, naming the key and the type."""
    with pytest.raises(AuditEventInvalid, match=f"Detail value step must be .* not {kind}"):
        record(event=EventType.LOGOUT, detail={"step": value})
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("template", ["{} ", "Иван {}", "{}\n", "name={} surname"])
def test_free_text_in_detail_is_refused_without_echoing_it(canary, template):
    """Detail text with spaces, Cyrillic or newlines is refused and never quoted in the error."""
    with pytest.raises(AuditEventInvalid) as refused:
        record(event=EventType.LOGOUT, detail={"note": template.format(canary)})
    assert canary not in str(refused.value)
    assert "Detail value note must be an id or a code" in str(refused.value)


def test_detail_keys_are_snake_case_names(canary):
    """A detail key that is not lower_snake_case is refused without being quoted."""
    with pytest.raises(AuditEventInvalid, match="lower_snake_case") as refused:
        record(event=EventType.LOGOUT, detail={f"Name {canary}": "x"})
    assert canary not in str(refused.value)


def test_detail_integers_must_fit_json():
    """Integers beyond 2**53 are refused: other JSON readers would round them."""
    with pytest.raises(AuditEventInvalid, match="outside the integers"):
        record(event=EventType.LOGOUT, detail={"count": 2**60})
    entry = record(event=EventType.LOGOUT, detail={"count": 2**53 - 1})
    assert entry.detail_values == {"count": 2**53 - 1}


def test_detail_must_be_a_mapping():
    """A list of pairs is not a detail mapping."""
    with pytest.raises(AuditEventInvalid, match="mapping"):
        record(event=EventType.LOGOUT, detail=[("a", "b")])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("object_type", ModelLabel("a" * 65)),
        ("object_id", "Ivan Petrov"),
        ("case_id", "кейс"),
        ("object_id", 17),
    ],
)
def test_object_and_case_fields_are_ids(field, value):
    """Object type, object id and case id must be short ASCII ids or codes."""
    with pytest.raises(AuditEventInvalid, match=f"{field} must be an id or a code"):
        record(event=EventType.LOGOUT, **{field: value})


@pytest.mark.parametrize("reason", ["Because I said so", "a" * 65, "Urgent"])
def test_the_reason_is_a_code_not_text(reason):
    """The reason field holds a lower-case code; free text belongs in the encrypted side table."""
    with pytest.raises(AuditEventInvalid, match="The reason must be a code"):
        record(event=EventType.LOGOUT, reason=reason)
