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
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from corridor.reports.layout import Document
from corridor.reports.public import PublicReport

CSV_HEADER = ("table", "row", "column", "value")
SUPPRESSED = "suppressed"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


class RenderingRefused(Exception):
    """The PDF renderer asked for something other than an embedded image or the font."""


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
    # Imported here: WeasyPrint loads Pango and takes a while; only exports need it.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    fonts = _font_files()
    html = _render(document, font_urls=[path.as_uri() for path in fonts])
    fetcher = _local_fetcher(frozenset(path.as_uri() for path in fonts))
    try:
        pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
            font_config=FontConfiguration()
        )
    except FatalURLFetchingError as refused:
        # WeasyPrint raises this as a BaseException: make it an ordinary error.
        raise RenderingRefused(str(refused.__cause__ or "")) from None
    return pdf


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


def _font_files() -> list[Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [folder / name for name in FONT_FILES]


def _local_fetcher(allowed_files: frozenset[str]) -> Any:
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        """data: URIs and the named font files only; anything else stops the rendering."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or url in allowed_files):
                raise RenderingRefused(url[:40])
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)
