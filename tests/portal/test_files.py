"""A requester sends a file from the portal thread (only where the organisation allows
it), with the browser's plain form and no script: it is stripped, sealed to the intake
key, never plaintext on disk, and goes into the case with the request's answers."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.models import Case
from corridor.cases.services.openings import open_case_for_work
from corridor.core.actors import WORKER
from corridor.intake.models import Message, Method, Outcome, Request, RequestFile
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.screening import screen_request
from corridor.people.access import access_file
from corridor.people.models import DocumentFile
from corridor.people.sanitise import NOT_ACCEPTED
from corridor.portal import forms as portal_forms
from tests.canaries import find_canary
from tests.portal_helpers import Requester, raw_rows, ru, token_of

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])

FILE_INPUT = re.compile(r'<input type="file" name="file"')


def send_file(person: Requester, name: str, content: bytes, text: str = ""):
    source = person.get("thread/").content.decode()
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return person.client.post(
        "/help/thread/", {"form_token": token_of(source), "message": text, "file": upload}
    )


def phone_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhone"
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_files_are_refused_while_the_setting_is_off(person):
    """Off by default: the thread offers no file field, and a file posted anyway (a form
    built by hand) is refused in Russian with nothing stored and the text kept."""
    assert settings.CORRIDOR_PORTAL_UPLOADS is False
    person.write_and_get_codename()
    page = person.get("thread/").content.decode()
    assert not FILE_INPUT.search(page)
    assert "multipart/form-data" not in page
    response = send_file(person, "scan.jpg", phone_photo(), text="вот фото")
    assert response.status_code == 400
    assert ru(portal_forms.ATTACHMENTS_REFUSED) in response.content.decode()
    assert "вот фото" in response.content.decode()
    assert not RequestFile.objects.exists()
    assert not Message.objects.exists()


def test_with_the_setting_on_a_file_is_stripped_sealed_and_never_plaintext_on_disk(
    person, settings, canary, monkeypatch
):
    """Attack: take the server's disk and database after a requester sent a document
    with a message, and look for its words. The upload is never spooled to a temporary
    file (any attempt fails the test), and the plain form works with no script."""
    from django.core.files import uploadedfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was spooled to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    settings.CORRIDOR_PORTAL_UPLOADS = True
    person.write_and_get_codename()
    page = person.get("thread/").content.decode()
    assert FILE_INPUT.search(page)
    assert 'enctype="multipart/form-data"' in page
    assert "<script" not in page
    before_temp = {path for path in Path(tempfile.gettempdir()).iterdir() if path.is_file()}
    # Over the portal's usual 64 KB body limit and Django's 256 KB spooling threshold.
    content = (f"{canary}\n" + "справка о побоях " * 30_000).encode()
    assert len(content) > 300_000

    response = send_file(person, "spravka.txt", content, text="Прикладываю справку")

    assert response.status_code == 303, response.content[:600]
    thread = person.client.get(response["Location"]).content.decode()
    assert "Ваш файл получен." in thread
    row = RequestFile.objects.get()
    assert (row.media_type, row.size) == ("text/plain", len(content))
    assert Message.objects.count() == 1  # the message and the file together
    event = AuditEntry.objects.get(event_type="intake.request_file_received")
    assert canary not in repr(event.detail)
    tables = (RequestFile._meta.db_table, Message._meta.db_table, AuditEntry._meta.db_table)
    assert canary.encode() not in raw_rows(*tables)
    assert find_canary(Path(settings.CORRIDOR_DATA_DIR), canary) == []
    new_temp = {path for path in Path(tempfile.gettempdir()).iterdir() if path.is_file()}
    for path in new_temp - before_temp:
        try:
            assert canary.encode() not in path.read_bytes(), path
        except (PermissionError, FileNotFoundError):
            continue


def test_a_refused_type_gets_a_russian_sentence_and_keeps_the_text(person, settings):
    settings.CORRIDOR_PORTAL_UPLOADS = True
    person.write_and_get_codename()
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 300
    response = send_file(person, "passport.jpg", exe, text="паспорт")
    assert response.status_code == 400
    page = response.content.decode()
    assert ru(NOT_ACCEPTED) in page
    assert "паспорт" in page
    assert not RequestFile.objects.exists()
    assert not Message.objects.exists()


def test_the_file_goes_into_the_case_with_the_request(person, settings, coordinator):
    """Accepted into a case, the photo becomes one of the person's document files,
    sealed under the case key, without the phone's name; the intake box is emptied."""
    settings.CORRIDOR_PORTAL_UPLOADS = True
    person.write_and_get_codename()
    assert send_file(person, "photo.jpg", phone_photo()).status_code == 303
    request = Request.objects.get()
    screen_request(actor=WORKER, request_id=request.id)
    decided = record_decision(
        actor=coordinator, request_id=request.pk, outcome=Outcome.ACCEPT,
        methods=[Method.CALL_HELD],
    )  # fmt: skip
    case = Case.objects.get(pk=decided.case_id)

    principal = case.members.get().person
    stored = DocumentFile.objects.get(person=principal)
    assert stored.media_type == "image/jpeg"
    open_case_for_work(actor=coordinator, case=case, session_key="s-1", reason="supervision")
    key = case_key(coordinator, case)
    opened = access_file(actor=coordinator, file=stored, key=key, case_ref=case.ref)
    content = b"".join(opened.chunks)
    assert Image.open(io.BytesIO(content)).size == (40, 30)
    assert b"CanaryPhone" not in content
    row = RequestFile.objects.get()
    assert row.sealed_content is None
    assert row.carried_at is not None


def test_erasing_a_declined_request_empties_the_files_it_still_holds(person, settings):
    """A file that never reached a case goes with its request: nothing sealed is left,
    and the intake key pair it was sealed to is no longer kept for it."""
    from corridor.intake.models import Status
    from corridor.intake.selectors import intake_keys_in_use
    from corridor.intake.services.erasure import erase_request

    settings.CORRIDOR_PORTAL_UPLOADS = True
    person.write_and_get_codename()
    assert send_file(person, "photo.jpg", phone_photo()).status_code == 303
    row = RequestFile.objects.get()
    assert row.sealed_to in intake_keys_in_use()
    Request.objects.update(status=Status.DECLINED)

    assert erase_request(actor=WORKER, request_id=row.request_id) is True

    row.refresh_from_db()
    assert row.sealed_content is None
    assert row.sealed_to is None
