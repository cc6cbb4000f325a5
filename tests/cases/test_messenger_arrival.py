"""A scan that came by messenger gives its uploader a task to delete it from that phone."""

from __future__ import annotations

from datetime import timedelta

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import Task
from corridor.cases.services.document_arrivals import record_messenger_arrival
from corridor.core import clock
from corridor.people.models import DocumentFile
from corridor.vault.opening import open_field
from tests.factories import register_document, store_scan
from tests.plugins.cases import CASE_DB


@CASE_DB
def test_a_scan_by_messenger_adds_a_task_to_delete_it_there(open_case, caseworker):
    case = open_case()
    key = case_key(caseworker, case)
    passport = register_document(caseworker, case)
    scan = store_scan(caseworker, case, document=passport)
    before = Task.objects.filter(case=case).count()

    task = record_messenger_arrival(actor=caseworker, case=case, file=scan, key=key, language="ru")

    assert Task.objects.filter(case=case).count() == before + 1
    assert task.assignee == caseworker
    assert task.due_on == clock.today() + timedelta(days=1)
    title = open_field(Task.objects.get(pk=task.pk).title, key=key)
    assert title == (
        "Удалить скан (Загранпаспорт) из телефона и мессенджера, через которые он пришёл"
    )
    assert DocumentFile.objects.get(pk=scan.pk).arrived_by_messenger
    assert AuditEntry.objects.filter(
        event_type="people.document_file_from_messenger", object_id=str(scan.pk)
    ).exists()
