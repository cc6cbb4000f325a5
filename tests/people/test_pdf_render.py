"""PDFs rebuilt from pictures of their pages, drawn in a limited child process, with real
PDFs made here: nothing active or textual survives, and bombs are refused with a sentence."""

from __future__ import annotations

import io

import pikepdf
import pytest

from corridor.core.exceptions import InvalidInput
from corridor.people.pdf_render import Limits, rebuild_pdf, render_pages
from corridor.people.sanitise import PDF, sanitise

pytestmark = pytest.mark.process

TEXT_CANARY = "CanaryTextLayer"
SCRIPT_CANARY = "canary-script-run"


def pdf_with_text_and_script(*, pages: int = 1, size: tuple[float, float] = (595, 842)) -> bytes:
    """A PDF with real text in a font (a text layer), a script run on opening, a link and
    an embedded file: everything a rebuild must drop."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    for number in range(pages):
        content = f"BT /F1 24 Tf 72 700 Td ({TEXT_CANARY} page {number + 1}) Tj ET".encode()
        page = pdf.add_blank_page(page_size=size)
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(content)
        page.obj.Annots = pdf.make_indirect(
            pikepdf.Array(
                [
                    pikepdf.Dictionary(
                        Type=pikepdf.Name.Annot,
                        Subtype=pikepdf.Name.Link,
                        Rect=[72, 690, 300, 730],
                        A=pikepdf.Dictionary(
                            S=pikepdf.Name.URI, URI=pikepdf.String("https://canary-link.example")
                        ),
                    )
                ]
            )
        )
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{SCRIPT_CANARY}')")
    )
    pdf.attachments["list.txt"] = pikepdf.AttachedFileSpec(pdf, b"canary attachment")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def text_of(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in document)


def test_a_rebuilt_pdf_keeps_its_pages_as_pictures_and_nothing_else():
    """Attack: a PDF whose script runs when a caseworker opens it, with a link that
    reports the opening and a file inside. Rebuilt, it is pictures of its two pages."""
    original = pdf_with_text_and_script(pages=2)
    assert TEXT_CANARY in text_of(original)  # the test has teeth
    assert SCRIPT_CANARY.encode() in original

    clean = sanitise(original, rebuild_pdf=True)

    assert clean.media_type == PDF
    assert text_of(clean.content) == ""  # no text layer
    for absent in (
        SCRIPT_CANARY.encode(),
        b"canary-link",
        b"canary attachment",
        b"/JavaScript",
        b"/JS",
        b"/OpenAction",
        b"/Annots",
        b"/EmbeddedFiles",
        b"/Font",
        b"/AcroForm",
    ):
        assert absent not in clean.content, absent
    with pikepdf.open(io.BytesIO(clean.content)) as rebuilt:
        assert len(rebuilt.pages) == 2
        for page in rebuilt.pages:
            images = [pikepdf.PdfImage(image) for image in page.get_images().values()]
            assert len(images) == 1
            assert images[0].width > 1000  # drawn at 144 dpi: legible


def test_without_the_choice_the_text_stays_and_the_script_goes():
    clean = sanitise(pdf_with_text_and_script(), rebuild_pdf=False)
    assert TEXT_CANARY in text_of(clean.content)
    assert SCRIPT_CANARY.encode() not in clean.content


def test_a_page_that_declares_billions_of_pixels_is_refused_with_a_sentence():
    """A decompression bomb for the renderer: a tiny file with a page 5 m on each side
    (14,400 points), 800 megapixels at 144 dpi. Refused before it is drawn."""
    bomb = pdf_with_text_and_script(size=(14_400, 14_400))
    assert len(bomb) < 5_000
    with pytest.raises(InvalidInput, match="too large to be a scan"):
        sanitise(bomb, rebuild_pdf=True)


def test_a_child_past_its_memory_limit_is_refused_with_a_sentence_not_a_crash():
    """The limits are real: with 16 MB of address space the child cannot even load
    PDFium, is stopped by the kernel, and the upload is refused with a sentence."""
    with pytest.raises(InvalidInput, match="too much memory"):
        render_pages(pdf_with_text_and_script(), limits=Limits(memory_bytes=16 * 1024 * 1024))


def test_a_child_past_its_wall_time_is_stopped():
    with pytest.raises(InvalidInput, match="took too long"):
        render_pages(pdf_with_text_and_script(), limits=Limits(wall_seconds=0.001))


def test_a_damaged_pdf_is_refused_by_the_renderer():
    with pytest.raises(InvalidInput, match="cannot be read"):
        rebuild_pdf(b"%PDF-1.7\n" + b"\x00" * 200)
