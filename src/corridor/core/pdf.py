"""HTML to PDF with WeasyPrint, fetching nothing but what the page carries itself.

The fetcher refuses everything but data: URIs (embedded images) and the bundled DejaVu
font files: rendering never makes a network request, so it cannot tell anyone outside
that it happened, and nothing in the HTML can pull content in. DejaVu Sans is embedded
so Cyrillic renders on any reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


class RenderingRefused(Exception):
    """The PDF renderer asked for something other than an embedded image or the font."""


def font_files() -> list[Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [folder / name for name in FONT_FILES]


def font_urls() -> list[str]:
    """The bundled fonts' file URLs, for a template's @font-face rules."""
    return [path.as_uri() for path in font_files()]


def html_to_pdf(html: str) -> bytes:
    """Render `html` (which may name `font_urls()` and data: URIs, nothing else)."""
    # Imported here: WeasyPrint loads Pango and takes a while; only PDFs need it.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError

    fetcher = local_fetcher(frozenset(font_urls()))
    try:
        pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
            font_config=FontConfiguration()
        )
    except FatalURLFetchingError as refused:
        # WeasyPrint raises this as a BaseException: make it an ordinary error.
        raise RenderingRefused(str(refused.__cause__ or "")) from None
    return pdf


def local_fetcher(allowed_files: frozenset[str]) -> Any:
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        """data: URIs and the named font files only; anything else stops the rendering."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or url in allowed_files):
                raise RenderingRefused(url[:40])
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols=("data", "file"), fail_on_errors=True)
