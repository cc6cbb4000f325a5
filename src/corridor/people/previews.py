"""Previews of a stored (already stripped) file: pictures drawn on the server.

    preview = preview_of(media_type, plaintext)
    preview.images      # data: URIs of PNG pictures of the first pages (PDF) or the photo
    preview.text        # the start of a plain text file

A PDF is drawn by PDFium in the limited child process (people.pdf_render), so nothing
in it runs in the browser or in the web process; a photo is redrawn by Pillow at screen
size. The browser gets pictures only, never the file itself.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from PIL import Image

from corridor.core.exceptions import InvalidInput
from corridor.people.pdf_render import render_pages
from corridor.people.sanitise import (
    HEIC,
    JPEG,
    MAX_PIXELS,
    PDF,
    PNG,
    TEXT,
    open_untrusted_image,
)

PREVIEW_PAGES = 3
PREVIEW_WIDTH = 1200
PREVIEW_TEXT_CHARACTERS = 20_000
NO_PREVIEW = _("This file cannot be previewed. Download it to look at it.")


@dataclass(frozen=True)
class Preview:
    images: list[str] = field(default_factory=list)
    text: str = ""
    more_pages: bool = False


def preview_of(media_type: str, content: bytes) -> Preview:
    """The preview of a stored file's plaintext; InvalidInput if it cannot be drawn."""
    if media_type == PDF:
        pages = render_pages(content, first=PREVIEW_PAGES + 1, image_format="png")
        shown = pages[:PREVIEW_PAGES]
        return Preview(
            images=[_png_uri(_screen_sized(_open(page.content))) for page in shown],
            more_pages=len(pages) > PREVIEW_PAGES,
        )
    if media_type in (JPEG, PNG, HEIC):
        return Preview(images=[_png_uri(_screen_sized(_open(content)))])
    if media_type == TEXT:
        text = content.decode("utf-8", errors="replace")
        return Preview(text=text[:PREVIEW_TEXT_CHARACTERS])
    raise InvalidInput(str(NO_PREVIEW))


def _open(content: bytes) -> Image.Image:
    refused = str(NO_PREVIEW)
    return open_untrusted_image(
        content, formats=["JPEG", "PNG"], max_pixels=MAX_PIXELS, too_large=refused, damaged=refused
    )


def _screen_sized(image: Image.Image) -> Image.Image:
    picture = image.convert("RGB")
    picture.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
    return picture


def _png_uri(image: Image.Image) -> str:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
