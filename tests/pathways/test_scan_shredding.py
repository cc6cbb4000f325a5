"""Scans are shredded a set time after their application's decision, unless kept."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from corridor.core.tasks import periodic_jobs
from corridor.pathways.models import Application, ApplicationStatus
from corridor.pathways.scan_shredding import shred_due_scans
from corridor.people.file_keeping import keep_file
from corridor.people.models import DocumentFile
from tests.factories import load_shipped_catalog, start_application_for, store_scan
from tests.plugins.cases import CASE_DB


def _decided(application: Application, *, days_ago: int, status=ApplicationStatus.DENIED) -> None:
    Application.objects.filter(pk=application.pk).update(
        status=status, decided_on=clock.today() - timedelta(days=days_ago)
    )


def _stored(settings) -> set[str]:
    files = Path(settings.CORRIDOR_DATA_DIR) / "files"
    return {path.name for path in files.iterdir() if not path.name.startswith(".")}


@CASE_DB
def test_the_job_shreds_only_decided_and_unkept_scans(
    open_case, caseworker, settings, django_capture_on_commit_callbacks
):
    settings.CORRIDOR_SHRED_SCANS_AFTER_DAYS = 90
    load_shipped_catalog(caseworker)
    long_ago, recent, waiting, kept_case = (open_case() for _ in range(4))
    due = store_scan(caseworker, long_ago)
    # The scan was there for the decision; one sent since is for the next route and stays.
    DocumentFile.objects.filter(pk=due.pk).update(created_at=clock.now() - timedelta(days=120))
    since = store_scan(caseworker, long_ago)
    too_soon = store_scan(caseworker, recent)
    pending = store_scan(caseworker, waiting)
    kept = store_scan(caseworker, kept_case)
    _decided(start_application_for(caseworker, long_ago), days_ago=91)
    _decided(
        start_application_for(caseworker, recent), days_ago=30, status=ApplicationStatus.GRANTED
    )
    _decided(start_application_for(caseworker, waiting), days_ago=200)
    start_application_for(caseworker, waiting)  # another still open: its documents may be asked for
    _decided(start_application_for(caseworker, kept_case), days_ago=200)
    with pytest.raises(InvalidInput, match="Say why"):
        keep_file(actor=caseworker, file=kept, key=case_key(caseworker, kept_case), reason="  ")
    keep_file(
        actor=caseworker,
        file=kept,
        key=case_key(caseworker, kept_case),
        reason="appeal planned",
        case_ref=kept_case.ref,
    )
    before = _stored(settings)

    with django_capture_on_commit_callbacks(execute=True):
        assert shred_due_scans() == 1

    assert set(DocumentFile.objects.values_list("pk", flat=True)) == {
        since.pk,
        too_soon.pk,
        pending.pk,
        kept.pk,
    }
    assert _stored(settings) == before - {due.storage_name}
    shredded = AuditEntry.objects.get(event_type="people.document_file_shredded")
    assert shredded.object_id == str(due.pk)
    assert AuditEntry.objects.filter(
        event_type="people.document_file_kept", object_id=str(kept.pk)
    ).exists()
    assert shred_due_scans() == 0  # safe to run twice


def test_the_worker_runs_it():
    assert "pathways.shred_decided_scans" in {job.name for job in periodic_jobs()}
