"""PDF pages as pictures, drawn by PDFium in a child process with hard limits.

    pages = render_pages(data, first=2, image_format="png")   # previews
    clean = rebuild_pdf(data)                                  # a PDF of page images only

The child (people.pdf_pages) gets the PDF on stdin and gives the images back on stdout:
no temporary file. It limits itself (CPU seconds, address space, no file writes) before
it reads a byte, and is killed if it runs past the wall time. A rebuilt PDF holds only
the pictures of its pages: no text layer, no fonts, no scripts, forms, links, embedded
files or metadata survive, because none of them is drawn.
"""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from PIL import Image

from corridor.core.exceptions import InvalidInput
from corridor.people.sanitise import open_untrusted_image

# Scanned at 144 dpi (scale 2 of PDF's 72 points an inch): a passport page stays legible.
SCALE = 2.0
MAX_PAGES = 100
# A page of A3 at 144 dpi is 2.5 megapixels; a page declaring more than this is a bomb.
MAX_PAGE_PIXELS = 25_000_000


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 30
    memory_bytes: int = 1536 * 1024 * 1024
    wall_seconds: float = 60.0


LIMITS = Limits()

DAMAGED = _("The file looks like a PDF but cannot be read: it may be damaged.")
PASSWORD = _("The PDF is protected by a password: upload it without the password.")
TOO_MANY_PAGES = _("The PDF has more than 100 pages: split it and upload the parts.")
TOO_LARGE_PAGE = _("A page of the PDF is too large to be a scan or a document.")
TOO_SLOW = _(
    "The PDF took too long or needed too much memory to draw, so it was refused: "
    "it may be damaged or built to overload us."
)
BUSY = _("Too many PDFs are being drawn right now. Wait a minute and send it again.")
_REFUSALS = {2: DAMAGED, 3: PASSWORD, 4: TOO_MANY_PAGES, 5: TOO_LARGE_PAGE}
# Children drawing at once, per server process: each may take 1.5 GB and a CPU for a
# minute, and the portal lets strangers send PDFs.
_DRAWING = threading.BoundedSemaphore(2)
WAIT_FOR_A_SLOT_SECONDS = 20


@dataclass(frozen=True)
class Page:
    content: bytes
    width: int
    height: int


def render_pages(
    data: bytes, *, first: int = 0, image_format: str = "jpeg", limits: Limits = LIMITS
) -> list[Page]:
    """The pages of `data` (all, or the first `first`) as JPEG or PNG images."""
    command = [
        sys.executable,
        "-I",
        "-m",
        "corridor.people.pdf_pages",
        f"--scale={SCALE}",
        f"--pages={MAX_PAGES}",
        f"--first={first}",
        f"--pixels={MAX_PAGE_PIXELS}",
        f"--format={image_format}",
        f"--cpu={limits.cpu_seconds}",
        f"--memory={limits.memory_bytes}",
    ]
    if not _DRAWING.acquire(timeout=WAIT_FOR_A_SLOT_SECONDS):
        raise InvalidInput(str(BUSY))
    try:
        done = subprocess.run(  # noqa: S603 - our own module, no shell, fixed arguments
            command,
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            check=False,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )
    except subprocess.TimeoutExpired:
        raise InvalidInput(str(TOO_SLOW)) from None
    finally:
        _DRAWING.release()
    if done.returncode in _REFUSALS:
        raise InvalidInput(str(_REFUSALS[done.returncode]))
    if done.returncode != 0:
        # Killed by its CPU limit (SIGXCPU/SIGKILL) or out of memory (MemoryError).
        raise InvalidInput(str(TOO_SLOW))
    return list(_frames(done.stdout))


def rebuild_pdf(data: bytes, *, limits: Limits = LIMITS) -> bytes:
    """A new PDF made of the pictures of `data`'s pages and nothing else.

    Each page is decoded, drawn again as a fresh JPEG and let go before the next: a
    hundred large pages never sit decoded in the web process together (Pillow's
    multi-page save would hold them all)."""
    import pikepdf  # late, as in sanitise: qpdf is loaded only by what needs it

    pages = render_pages(data, image_format="jpeg", limits=limits)
    pdf = pikepdf.new()
    for page in pages:
        with _checked(page) as picture:
            fresh = io.BytesIO()
            picture.save(fresh, format="JPEG", quality=85)
        width, height = page.width * 72 / (72 * SCALE), page.height * 72 / (72 * SCALE)
        image = pikepdf.Stream(pdf, fresh.getvalue())
        image.Type = pikepdf.Name.XObject
        image.Subtype = pikepdf.Name.Image
        image.Width, image.Height = page.width, page.height
        image.ColorSpace = pikepdf.Name.DeviceRGB
        image.BitsPerComponent = 8
        image.Filter = pikepdf.Name.DCTDecode
        blank = pdf.add_blank_page(page_size=(width, height))
        blank.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        blank.obj.Contents = pdf.make_stream(f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _frames(stream: bytes) -> list[Page]:
    pages: list[Page] = []
    at = 0
    while at < len(stream):
        length = int.from_bytes(stream[at : at + 8], "big")
        content = stream[at + 8 : at + 8 + length]
        if len(content) != length:
            raise InvalidInput(str(DAMAGED))
        image = _checked_bytes(content)
        pages.append(Page(content=content, width=image.width, height=image.height))
        at += 8 + length
    if not pages:
        raise InvalidInput(str(DAMAGED))
    return pages


def _checked_bytes(content: bytes) -> Image.Image:
    """The child's image, read again here as untrusted: its size checked before decoding."""
    return open_untrusted_image(
        content,
        formats=["JPEG", "PNG"],
        max_pixels=MAX_PAGE_PIXELS,
        too_large=str(TOO_LARGE_PAGE),
        damaged=str(DAMAGED),
    )


def _checked(page: Page) -> Image.Image:
    return _checked_bytes(page.content).convert("RGB")
