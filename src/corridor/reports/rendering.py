"""Report documents as files: CSV, standalone printable HTML and PDF, written atomically.

The PDF is rendered by WeasyPrint with a URL fetcher that refuses everything
but the embedded chart images (data: URIs) and the bundled font files: a
report never makes a network request, so rendering one cannot tell anyone
outside that it happened, and nothing in it can pull content in.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from corridor.core.pdf import FONT_FILES, RenderingRefused, html_to_pdf
from corridor.core.pdf import font_urls as bundled_fonts
from corridor.reports.layout import Document
from corridor.reports.public import PublicReport

CSV_HEADER = ("table", "row", "column", "value")
SUPPRESSED = "suppressed"
# Kept importable from here: the report tests and callers name them so.
__all__ = ["FONT_FILES", "RenderingRefused", "html_to_pdf"]


def public_csv(report: PublicReport) -> bytes:
    """The public CSV contract: UTF-8, `table,row,column,value`, counts or `suppressed`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for table in report.tables:
        for row, column, value in table.entries():
            writer.writerow((table.table.name, row, column, SUPPRESSED if value is None else value))
    return buffer.getvalue().encode("utf-8")


def internal_csv(document: Document) -> bytes:
    """Every section of an internal document in the same four columns (empty: no value)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for section in document.sections:
        for row in section.rows:
            for column, value in zip(section.columns, row.values, strict=True):
                writer.writerow(
                    (section.code, row.code, column.code, "" if value is None else value)
                )
    return buffer.getvalue().encode("utf-8")


def render_html(document: Document) -> str:
    """A standalone, printable HTML file (its own styles, charts embedded)."""
    return _render(document, font_urls=None)


def render_pdf(document: Document) -> bytes:
    """The document as PDF, with DejaVu Sans embedded so Cyrillic renders anywhere."""
    return html_to_pdf(_render(document, font_urls=bundled_fonts()))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def staged_file(target: Path, data: bytes) -> Iterator[None]:
    """Write `data` beside `target` under a temporary name; rename it into place when the
    block ends without error, delete it otherwise. A failure leaves nothing behind."""
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        yield
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _render(document: Document, *, font_urls: list[str] | None) -> str:
    with translation.override(document.language):
        return render_to_string(
            "reports/document.html",
            {"document": document, "font_urls": font_urls},
        )
