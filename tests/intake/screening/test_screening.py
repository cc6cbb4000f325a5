"""The screening task: candidates by blind index, confirmed by decryption, then flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core.actors import WORKER
from corridor.core.leases import reclaim_lost_tasks
from corridor.core.models import ParkedWork
from corridor.core.parking import resume_parked_work
from corridor.intake.models import IndexEntry, Request, Status
from corridor.intake.screening.budget import NAME, index_bits
from corridor.intake.screening.normalise import name_pairs
from corridor.intake.services import screening
from corridor.intake.services.screening import screen_or_park, screen_request
from corridor.vault.errors import VaultSealed
from corridor.vault.providers import key_provider
from tests.factories import staff_with, write
from tests.intake.screening.helpers import TEMPLATE, flags_of, matched, screened

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def test_one_person_in_three_spellings_and_two_phone_forms_is_flagged(vault_keys, fast_kdf):
    """Магомед Хасанов / Magomed Khasanov / Magomet Hasanov with +7 928 123-45-67 and
    89281234567 are one person: the later requests name the earlier ones."""
    first = screened(name_to_use="Магомед Хасанов", safe_contact="+7 928 123-45-67")
    second = screened(name_to_use="Magomed Khasanov", safe_contact="звонить 89281234567")
    third = screened(name_to_use="Magomet Hasanov")
    assert flags_of(first) == set()
    assert flags_of(second) == {"duplicate_name", "duplicate_phone"}
    assert matched(second, "duplicate_phone") == {first.pk}
    assert flags_of(third) == {"duplicate_name"}
    assert matched(third, "duplicate_name") == {first.pk, second.pk}
    assert {first.status, second.status, third.status} == {Status.IN_VERIFICATION}


def test_three_templated_narratives_are_all_flagged(vault_keys, fast_kdf):
    """One template sent three times with other names: all three carry the flag."""
    requests = [screened(TEMPLATE.format(name=name)) for name in ("Ислам", "Руслан", "Аслан")]
    assert all("templated_narrative" in flags_of(request) for request in requests)
    assert matched(requests[2], "templated_narrative") == {requests[0].pk, requests[1].pk}
    unrelated = screened(
        "Я работаю в Нальчике, начальник узнал про мою личную жизнь и уволил меня. Теперь мне "
        "пишут незнакомые люди и требуют денег, иначе расскажут семье. Хочу уехать."
    )
    assert flags_of(unrelated) == set()


def test_strangers_sharing_an_index_value_by_truncation_are_not_flagged(
    vault_keys, fast_kdf, settings
):
    """Two different names whose truncated index values collide are candidates only:
    decryption shows they differ, and nothing is raised."""
    settings.CORRIDOR_PLANNED_POPULATION = 1_000
    bits = index_bits(1_000)[NAME.name]
    seen: dict[int, str] = {}
    given = ["Ислам", "Руслан", "Аслан", "Тимур", "Ильяс", "Шамиль", "Ахмед", "Муслим"]
    family = ["Хасанов", "Мусаев", "Исмаилов", "Гайтукаев", "Зубайраев", "Ахмадов", "Цоев"]
    pair = None
    for name in (f"{g} {f}" for g in given for f in family):
        (key,) = name_pairs(name)
        value = key_provider().index(NAME.name, key.encode(), bits=bits)
        if value in seen:
            pair = (seen[value], name)
            break
        seen[value] = name
    assert pair is not None
    first = screened(name_to_use=pair[0])
    second = screened(name_to_use=pair[1])
    shared = IndexEntry.objects.filter(request=first, name=NAME.name).values_list("value")
    assert IndexEntry.objects.filter(request=second, name=NAME.name, value__in=shared).exists()
    assert flags_of(second) == set()


def test_a_shared_contact_and_a_document_are_flagged(vault_keys, fast_kdf):
    """A number only mentioned in one story but given as someone's contact in another is
    a shared contact; the same passport number is a duplicate document."""
    first = screened(name_to_use="Зарема Ахмадова", safe_contact="+7 928 765-43-21")
    second = screened(
        "Моя сестра знает, что делать, её телефон 8 928 765 43 21. Паспорт 45 10 123456.",
        name_to_use="Лейла Мусаева",
    )
    third = screened("Паспорт 4510-123456 у меня забрали.")
    assert flags_of(second) == {"shared_contact"}
    assert matched(second, "shared_contact") == {first.pk}
    assert flags_of(third) == {"duplicate_document"}


def test_questions_about_shelters_and_staff_are_signals(vault_keys, fast_kdf):
    request = screened("Скажите, где находится ваш приют? И кто у вас работает, имена сотрудников.")
    assert flags_of(request) == {"asks_for_locations", "asks_for_staff"}


def test_a_flood_of_requests_in_one_day_is_a_signal(vault_keys, fast_kdf, settings):
    settings.CORRIDOR_SCREENING_FLOOD_PER_DAY = 2
    assert flags_of(screened()) == set()
    assert flags_of(screened()) == set()
    assert flags_of(screened()) == {"flood"}


def test_screening_opens_the_box_and_stores_only_codes_and_ciphertext(vault_keys, fast_kdf, canary):
    """The sealed box is gone, the facts are ciphertext, and neither the task row nor the
    audit log nor the index rows carry a word of the request."""
    written = write(f"Меня зовут {canary}", name_to_use=f"{canary} Хасанов")
    request = written.request
    screen_request(actor=WORKER, request_id=request.pk)
    request.refresh_from_db()
    assert request.sealed_answers is None
    assert request.facts is not None
    assert request.screened_at is not None
    event = AuditEntry.objects.get(event_type=EventType.REQUEST_SCREENED)
    assert event.object_id == str(request.pk)
    with connection.cursor() as cursor:
        for table in (
            "intake_request",
            "intake_indexentry",
            "intake_requestflag",
            "audit_entry",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            assert canary not in repr(cursor.fetchall())
    assert screen_request(actor=WORKER, request_id=request.pk) is None  # once only


def test_receiving_a_request_queues_its_screening_with_the_id_only(
    vault_keys, fast_kdf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = write("Нужна помощь").request
    task = DBTaskResult.objects.get(task_path__endswith="screen_request_task")
    assert task.args_kwargs == {"args": [str(request.pk)], "kwargs": {}}


# The worker closes its connection when it stops, which a test inside a transaction
# cannot survive on PostgreSQL.
@pytest.mark.django_db(transaction=True, databases=["default", "keystore"])
def test_a_screening_task_whose_worker_died_after_its_commit_screens_once(
    vault_keys, fast_kdf, django_capture_on_commit_callbacks, time_machine
):
    """The worker committed the screening, then died before marking its task done: the
    task is queued again, runs, and the request is screened (and audited) once."""
    with django_capture_on_commit_callbacks(execute=True):
        request = write("Нужна помощь").request
    screen_request(actor=WORKER, request_id=request.pk)  # the dead worker's committed work
    DBTaskResult.objects.update(status="RUNNING", worker_ids=["killed-worker"])
    assert reclaim_lost_tasks() == 1
    time_machine.move_to(timezone.now() + timedelta(minutes=1))
    call_command("worker", burst=True)
    task = DBTaskResult.objects.get(task_path__endswith="screen_request_task")
    assert (task.status, len(task.worker_ids)) == ("SUCCESSFUL", 2)
    screenings = AuditEntry.objects.filter(event_type=EventType.REQUEST_SCREENED)
    assert list(screenings.values_list("object_id", flat=True)) == [str(request.pk)]
    assert Request.objects.get(pk=request.pk).status == Status.IN_VERIFICATION


def test_a_sealed_key_service_parks_the_request_until_unseal(vault_keys, fast_kdf, monkeypatch):
    """Sealed: the request waits as awaiting_unseal; after unseal the sweep screens it."""
    request = write("Нужна помощь").request

    def sealed(*args, **kwargs):
        raise VaultSealed("sealed")

    monkeypatch.setattr(screening, "open_sealed_request", sealed)
    screen_or_park(str(request.pk))
    request.refresh_from_db()
    assert request.status == Status.AWAITING_UNSEAL
    assert ParkedWork.objects.filter(object_id=str(request.pk)).exists()
    monkeypatch.undo()
    resume_parked_work()
    request.refresh_from_db()
    assert request.status == Status.IN_VERIFICATION
    assert not ParkedWork.objects.exists()


def test_waiting_requests_are_screened_by_the_periodic_sweep(vault_keys, fast_kdf):
    """Requests whose task never ran, or that waited for unseal, are screened."""
    waiting = [write("Нужна помощь").request for _ in range(2)]
    Request.objects.filter(pk=waiting[0].pk).update(status=Status.AWAITING_UNSEAL)
    assert screening.screen_waiting_requests(actor=WORKER) == 2
    assert set(Request.objects.filter(status=Status.IN_VERIFICATION)) == set(waiting)


def test_one_name_with_different_birth_years_is_two_people(vault_keys, fast_kdf):
    """Hotline calls from "Ислам Мусаев" born 1990 and born 1971 raise nothing; the same
    name and birth date is flagged."""
    from corridor.accounts.roles import Role
    from corridor.intake.services.hotline import record_hotline_request

    operator = staff_with(Role.HOTLINE_OPERATOR)
    triage = {"danger_now": "no", "can_talk": "yes", "full_name": "Ислам Мусаев"}

    def call(born: str) -> Request:
        recorded = record_hotline_request(
            actor=operator, answers=triage | {"date_of_birth": born}, escalate=False, conflict=False
        )
        screen_request(actor=WORKER, request_id=recorded.pk)
        return recorded

    call("1990-03-04")
    assert flags_of(call("1971-05-06")) == set()
    assert flags_of(call("1990-03-04")) == {"duplicate_name"}


def test_a_candidate_erased_meanwhile_is_not_compared(vault_keys, fast_kdf):
    """A candidate whose key is already destroyed is skipped, not an error."""
    from corridor.vault import keys as vault_keys_module

    first = screened(name_to_use="Магомед Хасанов")
    vault_keys_module.destroy_data_key(first.key_id)
    assert flags_of(screened(name_to_use="Magomed Khasanov")) == set()
