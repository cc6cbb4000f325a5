"""An application's dossier: a cover sheet in English and Russian listing the documents,
then the documents in that order, one PDF, every page watermarked with an opaque
download id that the audit log ties to who downloaded it, when, for which case."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from types import SimpleNamespace

import pytest
from PIL import Image
from pypdf import PdfReader

from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.cases.access import case_key
from corridor.cases.services.assignment import assign_case
from corridor.core.exceptions import InvalidInput
from corridor.core.pdf import html_to_pdf
from corridor.pathways.dossier import build_dossier, cover_languages
from corridor.people import register
from corridor.people.document_files import attach_file
from corridor.people.inputs import DocumentInput
from corridor.people.models import DocumentKind
from tests.cases.conftest import CASE_DB
from tests.factories import staff_with
from tests.web.conftest import client_for

pytestmark = [CASE_DB, pytest.mark.usefixtures("vault_keys")]


def _pdf_with(text: str) -> bytes:
    return html_to_pdf(f"<html><body><p>{text}</p></body></html>")


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


@pytest.fixture
def dossier_case(fx):
    """A second coordinator leads the case too (`fx.lead`); the principal has a registered
    passport with a PDF scan, a text note and a photo, uploaded as text, photo, PDF."""
    lead = staff_with(Role.COORDINATOR)
    assign_case(actor=fx.coordinator, case=fx.case, staff=lead)
    key = case_key(lead, fx.case)
    passport = register.add_document(
        actor=fx.coordinator,
        person=fx.principal,
        key=key,
        data=DocumentInput(kind=DocumentKind.INTERNATIONAL_PASSPORT, expires_on=date(2031, 1, 1)),
    )
    attach_file(
        actor=fx.owner, person=fx.principal, key=key, data=b"NOTE-SECOND-77\n", title="Letter"
    )
    attach_file(actor=fx.owner, person=fx.principal, key=key, data=_jpeg(), title="Photo")
    attach_file(
        actor=fx.owner,
        person=fx.principal,
        key=key,
        data=_pdf_with("SCAN-FIRST-42"),
        title="Passport scan",
        document=passport,
    )
    return SimpleNamespace(**vars(fx), lead=lead)


def test_a_dossier_has_its_cover_sheets_the_documents_in_order_and_a_watermark(dossier_case):
    fx = dossier_case
    dossier = build_dossier(
        actor=fx.lead,
        application=fx.application,
        key=case_key(fx.lead, fx.case),
        case_ref=fx.case.ref,
    )
    pages = _pages(dossier.content)
    # Cover (English: no German translation), Russian copy, then the register's document
    # first, then the other files as uploaded: the text note, the photo.
    assert len(pages) == dossier.pages == 5
    assert "Application documents" in pages[0]
    assert "Документы заявления" in pages[1]
    for cover in pages[:2]:
        order = [cover.index(title) for title in ("Passport scan", "Letter", "Photo")]
        assert order == sorted(order), cover
        assert "Ruslan" in cover
        assert "Orlov" in cover
    assert "SCAN-FIRST-42" in pages[2]
    assert "NOTE-SECOND-77" in pages[3]
    for number, text in enumerate(pages):
        assert dossier.download_id in text, number
        # The embassy learns nothing of the case or of us from the pages.
        assert fx.case.ref not in text
        assert fx.lead.username not in text

    event = AuditEntry.objects.get(event_type="pathways.dossier_downloaded")
    assert event.detail_values["download"] == dossier.download_id
    assert event.detail_values["sha256"] == hashlib.sha256(dossier.content).hexdigest()
    assert event.case_id == fx.case.ref
    assert event.actor == f"staff:{fx.lead.pk}"
    assert AuditEntry.objects.filter(event_type="people.document_file_opened").count() == 3


def test_each_download_has_its_own_id_that_names_neither_staff_nor_case(dossier_case):
    fx = dossier_case
    key = case_key(fx.lead, fx.case)
    ids = {
        build_dossier(
            actor=fx.lead, application=fx.application, key=key, case_ref=fx.case.ref
        ).download_id
        for _ in range(2)
    }
    assert len(ids) == 2
    for download_id in ids:
        assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){3}", download_id)
        assert fx.case.ref not in download_id
        assert fx.lead.username not in download_id


def test_an_application_without_files_is_refused_with_a_sentence(fx):
    lead = staff_with(Role.COORDINATOR)
    assign_case(actor=fx.coordinator, case=fx.case, staff=lead)
    with pytest.raises(InvalidInput, match="No scan or photo"):
        build_dossier(
            actor=lead,
            application=fx.application,
            key=case_key(lead, fx.case),
            case_ref=fx.case.ref,
        )
    assert not AuditEntry.objects.filter(event_type="pathways.dossier_downloaded").exists()


@pytest.mark.parametrize(
    ("country", "languages"), [("DE", ["en", "ru"]), ("GB", ["en", "ru"]), ("XX", ["en", "ru"])]
)
def test_the_cover_is_in_a_language_we_have_then_russian(country, languages):
    assert cover_languages(country) == languages


def test_only_a_coordinator_downloads_a_dossier_and_the_download_is_audited(dossier_case):
    """Attack: a caseworker on the case asks for the dossier by its address. They get the
    same 404 as for a case they may not see, and nothing is built."""
    fx = dossier_case
    url = f"/cases/{fx.case.ref}/dossier/?application={fx.application.pk}"
    assign_case(actor=fx.coordinator, case=fx.case, staff=fx.owner)
    caseworker = client_for(fx.owner)
    assert caseworker.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    assert caseworker.get(url).status_code == 404
    assert not AuditEntry.objects.filter(event_type="pathways.dossier_downloaded").exists()

    assign_case(actor=fx.coordinator, case=fx.case, staff=fx.lead)
    coordinator = client_for(fx.lead)
    assert coordinator.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    response = coordinator.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    event = AuditEntry.objects.get(event_type="pathways.dossier_downloaded")
    download_id = event.detail_values["download"]
    assert response["Content-Disposition"] == f'attachment; filename="dossier-{download_id}.pdf"'
    assert event.detail_values["sha256"] == hashlib.sha256(response.content).hexdigest()
    assert all(download_id in text for text in _pages(response.content))


def test_a_downloaded_pdf_or_photo_carries_a_new_watermark_and_the_download_is_audited(
    dossier_case,
):
    """Every page of a downloaded PDF names the download id; a photo comes back changed
    (the id drawn on it) and the same size; each download has its own id, recorded with
    the SHA-256 of exactly what left."""
    fx = dossier_case
    assign_case(actor=fx.coordinator, case=fx.case, staff=fx.owner)
    client = client_for(fx.owner)
    assert client.post(f"/cases/{fx.case.ref}/open/").status_code == 302
    scan = fx.principal.files.get(media_type="application/pdf")
    photo = fx.principal.files.get(media_type="image/jpeg")

    first = client.get(f"/cases/{fx.case.ref}/files/open/?file={scan.pk}")
    assert first.status_code == 200
    marks = AuditEntry.objects.filter(event_type="people.document_file_downloaded")
    event = marks.get()
    download_id = event.detail_values["download"]
    assert event.detail_values["sha256"] == hashlib.sha256(first.content).hexdigest()
    (text,) = _pages(first.content)
    assert "SCAN-FIRST-42" in text
    assert download_id in text

    second = client.get(f"/cases/{fx.case.ref}/files/open/?file={scan.pk}")
    assert marks.count() == 2
    assert marks.order_by("-seq").first().detail_values["download"] not in (download_id, "")
    assert download_id not in _pages(second.content)[0]

    picture = client.get(f"/cases/{fx.case.ref}/files/open/?file={photo.pk}")
    assert picture.status_code == 200
    with Image.open(io.BytesIO(picture.content)) as marked:
        assert marked.size == (600, 400)
        assert marked.getexif() == {}
        raw = marked.convert("RGB").tobytes()
    pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
    assert any(r > 120 and g < 100 and b < 100 for r, g, b in pixels)  # red ink drawn on it
    assert marks.count() == 3
