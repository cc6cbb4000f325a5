"""Visible watermarks on what leaves Corridor: a random download id on every page of a
PDF and across every downloaded photo.

The id is random (64 bits, new per download): whoever receives the file learns nothing
about the case or our staff from it; the audit event of the download names the id, so
Corridor can tell who downloaded it, when, from which case.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass

import pikepdf
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageDraw, ImageFont

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.core.pdf import font_files, font_urls, html_to_pdf
from corridor.people.models import DocumentFile, FileType
from corridor.people.sanitise import MAX_PIXELS, open_untrusted_image

NOT_MARKED = _("This file could not be watermarked, so it was not sent; upload it again.")
MARKED_TYPES = frozenset({FileType.PDF, FileType.JPEG, FileType.PNG})
_WATERMARK_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>-</title>
<style>{fonts}
@page {{ size: A4; margin: 0; }}
body {{ font-family: "Corridor Sans", sans-serif; margin: 0; }}
.band {{ position: absolute; bottom: 6mm; left: 0; right: 0; text-align: center;
  font-size: 9pt; color: #c00000; }}
.diagonal {{ position: absolute; top: 130mm; left: -20mm; width: 250mm; text-align: center;
  font-size: 30pt; color: rgba(200, 0, 0, 0.18); transform: rotate(-45deg); }}
</style></head><body><div class="diagonal">{text}</div><div class="band">{text}</div>
</body></html>"""


@dataclass(frozen=True)
class MarkedDownload:
    content: bytes
    download_id: str
    sha256: str


def new_download_id() -> str:
    """Random, 16 hexadecimal digits in four groups: nothing in it names staff or case."""
    raw = secrets.token_hex(8).upper()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def mark_text(download_id: str) -> str:
    return f"COPY {download_id}"


def stamp_pages(pdf: pikepdf.Pdf, download_id: str) -> None:
    """Draw the watermark over every page of `pdf` (scaled to each page's size)."""
    fonts = "".join(
        f'@font-face {{ font-family: "Corridor Sans"; src: url("{url}"); }}'
        for url in font_urls()[:1]
    )
    # The id is hexadecimal and dashes only: nothing in it needs escaping.
    html = _WATERMARK_PAGE.format(fonts=fonts, text=mark_text(download_id))
    mark = pikepdf.Pdf.open(io.BytesIO(html_to_pdf(html)))
    for page in pdf.pages:
        page.add_overlay(mark.pages[0], pikepdf.Rectangle(page.mediabox))


def watermark_pdf(content: bytes, download_id: str) -> bytes:
    with pikepdf.Pdf.open(io.BytesIO(content)) as pdf:
        stamp_pages(pdf, download_id)
        buffer = io.BytesIO()
        pdf.save(buffer)
    return buffer.getvalue()


def watermark_image(content: bytes, media_type: str, download_id: str) -> bytes:
    """The photo with the id written across its foot and, faintly, across its middle."""
    refused = str(NOT_MARKED)
    opened = open_untrusted_image(
        content, formats=["JPEG", "PNG"], max_pixels=MAX_PIXELS, too_large=refused, damaged=refused
    )
    image = opened.convert("RGB")
    width, height = image.size
    text = mark_text(download_id)
    # Large enough to read on a scan, small enough that the id fits across the picture.
    size = max(8, min(min(width, height) // 30, int(width / (len(text) * 0.62))))
    font = ImageFont.truetype(str(font_files()[0]), size)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    box = draw.textbbox((0, 0), text, font=font)
    text_width, text_height = box[2] - box[0], box[3] - box[1]
    foot = ((width - text_width) // 2, height - text_height - size // 2)
    draw.rectangle(
        (foot[0] - 4, foot[1] - 2, foot[0] + text_width + 4, foot[1] + text_height + size // 3),
        fill=(255, 255, 255, 200),
    )
    draw.text(foot, text, font=font, fill=(192, 0, 0, 255))
    draw.text(((width - text_width) // 2, height // 2), text, font=font, fill=(192, 0, 0, 70))
    marked = Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    buffer = io.BytesIO()
    if media_type == FileType.PNG:
        marked.save(buffer, "PNG", optimize=True)
    else:
        marked.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def mark_download(
    *, actor: Actor, file: DocumentFile, content: bytes, case_ref: str
) -> MarkedDownload:
    """`content` (the file as opened through access_file) watermarked with a new id; the
    download is recorded with the id and the SHA-256 of exactly what leaves."""
    download_id = new_download_id()
    try:
        if file.media_type == FileType.PDF:
            marked = watermark_pdf(content, download_id)
        else:
            marked = watermark_image(content, file.media_type, download_id)
    except (pikepdf.PdfError, OSError, ValueError) as problem:
        raise InvalidInput(str(NOT_MARKED)) from problem
    digest = hashlib.sha256(marked).hexdigest()
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_FILE_DOWNLOADED,
        object_type=ObjectType.DOCUMENT_FILE,
        object_id=str(file.pk),
        case_id=case_ref,
        detail={"download": download_id, "sha256": digest},
    )
    return MarkedDownload(content=marked, download_id=download_id, sha256=digest)
