"""Uploading a scan to a person and downloading it: never plaintext on disk, always audited."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from corridor.audit.models import AuditEntry
from corridor.people.models import DocumentFile
from tests.cases.conftest import CASE_DB
from tests.web.conftest import client_for

pytestmark = CASE_DB

CANARY = "CANARY-7f3a-скан-паспорта"


def _files_under(*roots: Path) -> list[Path]:
    return [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]


def _temp_files() -> set[Path]:
    """The files directly in the temp directory, where Django spools uploads."""
    return {path for path in Path(tempfile.gettempdir()).iterdir() if path.is_file()}


def test_an_uploaded_file_is_never_plaintext_on_disk_and_its_download_is_audited(fx, monkeypatch):
    """Attack: take the server's disk (data dir, temp dir, database) after a caseworker
    uploaded a 2 MB scan, and look for its words. Django would spool an upload over 256 KB
    to a temporary file; here any attempt to make one fails the test."""
    from django.core.files import uploadedfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    before_temp = _temp_files()
    content = (f"{CANARY}\n" + "строка справки " * 140_000).encode()
    assert len(content) > 2_000_000
    client = client_for(fx.owner)
    response = client.post(
        f"/cases/{fx.case.ref}/files/add/",
        {
            "person": fx.principal.pk,
            "title": f"title {CANARY}",
            "upload": SimpleUploadedFile("passport.txt", content),
        },
    )
    assert response.status_code == 302, response.content[:800]
    row = DocumentFile.objects.get(person=fx.principal)
    assert row.size == len(content)

    data_dir = Path(settings.CORRIDOR_DATA_DIR)
    new_temp = sorted(_temp_files() - before_temp)
    needle = CANARY.encode()
    for path in [*_files_under(data_dir), *new_temp]:
        try:
            assert needle not in path.read_bytes(), path
        except (PermissionError, FileNotFoundError):
            continue
    stored = data_dir / "files" / row.storage_name
    assert stored.exists()
    for value in DocumentFile.objects.values_list().get(pk=row.pk):
        assert CANARY not in str(value)
    for entry in AuditEntry.objects.all():
        assert CANARY not in repr(entry.detail)
        assert CANARY not in entry.object_id
    assert AuditEntry.objects.filter(event_type="people.document_file_added").count() == 1

    # The download needs the case open for work, and records the read with its SHA-256.
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert f"title {CANARY}" in page
    download = client.get(f"/cases/{fx.case.ref}/files/open/?file={row.pk}")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert CANARY not in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert body == content
    read = AuditEntry.objects.get(event_type="people.document_file_opened")
    assert read.detail_values["sha256"] == hashlib.sha256(content).hexdigest()


def test_a_renamed_executable_is_refused_with_a_sentence_and_nothing_is_stored(fx):
    client = client_for(fx.owner)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 300
    response = client.post(
        f"/cases/{fx.case.ref}/files/add/",
        {"person": fx.principal.pk, "upload": SimpleUploadedFile("passport.pdf", exe)},
    )
    assert response.status_code == 400
    assert "This kind of file is not accepted" in response.content.decode()
    assert not DocumentFile.objects.exists()
    assert not _files_under(Path(settings.CORRIDOR_DATA_DIR) / "files")
    assert not AuditEntry.objects.filter(event_type="people.document_file_added").exists()


@pytest.mark.process
def test_a_pdf_rebuilt_on_upload_is_previewed_as_pictures_in_a_page_that_runs_nothing(fx):
    """A caseworker ticks "rebuild" for a PDF from a stranger: what is stored has no text
    layer or script. Its preview is pictures drawn on the server, in a page whose policy
    lets nothing run or load, never cached, and audited like a download."""
    from tests.people.test_pdf_render import (
        SCRIPT_CANARY,
        TEXT_CANARY,
        pdf_with_text_and_script,
        text_of,
    )

    client = client_for(fx.owner)
    response = client.post(
        f"/cases/{fx.case.ref}/files/add/",
        {
            "person": fx.principal.pk,
            "rebuild": "on",
            "upload": SimpleUploadedFile("letter.pdf", pdf_with_text_and_script(pages=2)),
        },
    )
    assert response.status_code == 302, response.content[:800]
    row = DocumentFile.objects.get(person=fx.principal)
    added = AuditEntry.objects.get(event_type="people.document_file_added")
    assert added.detail_values["rebuilt"] == 1

    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    # The download carries its watermark (a download id) as its only text.
    stored = client.get(f"/cases/{fx.case.ref}/files/open/?file={row.pk}").content
    assert TEXT_CANARY not in text_of(stored)
    assert text_of(stored).startswith("COPY")
    assert SCRIPT_CANARY.encode() not in stored

    preview = client.get(f"/cases/{fx.case.ref}/files/preview/?file={row.pk}")
    assert preview.status_code == 200
    policy = preview["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "no-store" in preview["Cache-Control"]
    page = preview.content.decode()
    assert page.count('src="data:image/png;base64,') == 2
    assert "<script" not in page
    assert TEXT_CANARY not in page
    reads = AuditEntry.objects.filter(event_type="people.document_file_opened")
    assert reads.count() == 2  # the download and the preview
    assert len({entry.detail_values["sha256"] for entry in reads}) == 1


def test_a_photo_is_previewed_and_a_file_of_another_case_is_not_found(fx):
    from tests.people.test_sanitise import jpeg_with_gps

    client = client_for(fx.owner)
    response = client.post(
        f"/cases/{fx.case.ref}/files/add/",
        {"person": fx.principal.pk, "upload": SimpleUploadedFile("p.jpg", jpeg_with_gps())},
    )
    assert response.status_code == 302
    row = DocumentFile.objects.get(person=fx.principal)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    page = client.get(f"/cases/{fx.case.ref}/files/preview/?file={row.pk}").content.decode()
    assert page.count('src="data:image/png;base64,') == 1
    case_page = client.get(f"/cases/{fx.case.ref}/").content.decode()
    assert f"/files/preview/?file={row.pk}" in case_page
    missing = client.get(
        f"/cases/{fx.case.ref}/files/preview/?file=00000000-0000-0000-0000-000000000000"
    )
    assert missing.status_code == 404
