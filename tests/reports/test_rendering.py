"""Rendering: the PDF in English and Russian with its charts, the standalone HTML, the
fetcher that refuses the network, and files that appear only complete."""

from __future__ import annotations

import base64
import io
import re
from datetime import date

import pypdf
import pytest
from django.utils import translation

from corridor.cases.models import MilestoneKind
from corridor.reports import charts, rendering
from corridor.reports.layout import Document, Section
from corridor.reports.public_layout import public_document
from tests.reports.conftest import public_report
from tests.reports.figures_2017 import insert_2017_caseload

PUBLISHED_ON = date(2018, 8, 1)
# The fill of a chart's first bar series as the PDF's content stream sets it.
BAR_FILL = " ".join(f"{int(charts.COLOURS[0][i : i + 2], 16) / 255:.6g}" for i in (1, 3, 5)) + " rg"


def pdf_of(language: str) -> pypdf.PdfReader:
    report = public_report("2017", today=PUBLISHED_ON)
    data = rendering.render_pdf(public_document(report, language=language))
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def text_of(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def embedded_fonts(reader: pypdf.PdfReader) -> set[str]:
    """The fonts the pages use, each checked to travel inside the file (so Cyrillic shows
    on a machine without DejaVu Sans)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            names.add(str(font["/BaseFont"]).split("+")[-1])
    return names


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_pdf_renders_with_its_charts(language):
    """Several pages, the headline figures and the labels in the language, the bundled font
    embedded, and bar charts drawn on the pages (the bars' fill is in the page content)."""
    insert_2017_caseload()
    reader = pdf_of(language)
    text = text_of(reader)
    assert 3 <= len(reader.pages) <= 12
    assert "170" in text
    assert "106" in text
    assert "88" in text
    with translation.override(language):
        label = str(MilestoneKind.OUT_OF_REGION.label)
    assert label in text
    if language == "ru":
        assert re.search("[А-Яа-я]{4,}", text)
        assert "Вне опасного региона" in text
    assert embedded_fonts(reader) == {"Corridor-Sans", "Corridor-Sans-Bold"}
    charted = [
        page
        for page in reader.pages
        if BAR_FILL in page.get_contents().get_data().decode("latin-1")
    ]
    assert len(charted) >= 3


@pytest.mark.django_db
def test_the_html_is_standalone_with_charts_alt_text_and_tables():
    insert_2017_caseload()
    document = public_document(public_report("2017", today=PUBLISHED_ON), language="en")
    html = rendering.render_html(document)
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)">', html)
    assert len(images) >= 4
    for encoded, alt in images:
        svg = base64.b64decode(encoded).decode("utf-8")
        assert "<svg" in svg
        assert "<script" not in svg
        assert alt.count(":") >= 1
    assert "<figcaption>" in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    assert "<table>" in html


def test_the_pdf_renderer_refuses_the_network(monkeypatch):
    """An address in the document stops the rendering instead of being fetched."""
    document = Document(
        title="t", language="en", generated_on=date(2025, 1, 1), summary=(), sections=()
    )
    monkeypatch.setattr(
        rendering,
        "_render",
        lambda document, font_urls: '<p>x</p><img src="http://example.org/x.png">',
    )
    with pytest.raises(rendering.RenderingRefused, match=r"example\.org"):
        rendering.render_pdf(document)


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "report.csv"
    seen = []

    def fail_while_staged():
        with rendering.staged_file(target, b"data"):
            seen.extend(tmp_path.iterdir())
            raise RuntimeError("rendering failed")

    with pytest.raises(RuntimeError):
        fail_while_staged()
    assert len(seen) == 1
    assert seen[0].name != "report.csv"
    assert list(tmp_path.iterdir()) == []
    with rendering.staged_file(target, b"data"):
        assert not target.exists()
    assert target.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


@pytest.mark.django_db
def test_charts_can_be_left_out_for_csv():
    with charts.charts_off():
        assert (
            charts.bar_chart(title="t", x_label="x", y_label="y", labels=["a"], series=[("s", [1])])
            is None
        )
    chart = charts.bar_chart(
        title="T", x_label="x", y_label="y", labels=["a", "b"], series=[("s", [1, None])]
    )
    assert chart is not None
    assert chart.alt == "T. a: 1; b: not shown."


def test_internal_csv_writes_every_section_cell():
    from corridor.reports.layout import Column, Row

    document = Document(
        title="t",
        language="en",
        generated_on=date(2025, 1, 1),
        summary=(),
        sections=(
            Section(
                code="s",
                title="S",
                columns=(Column("a", "A"), Column("b", "B")),
                rows=(Row(code="r", label="R", values=(1, None)),),
            ),
        ),
    )
    assert (
        rendering.internal_csv(document).decode()
        == "table,row,column,value\r\ns,r,a,1\r\ns,r,b,\r\n"
    )
