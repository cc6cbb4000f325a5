"""What an uploaded file becomes before it is sealed: its type decided from its content,
and what betrays people stripped from it. Works on bytes in memory; nothing here writes
a file or touches the database.

    clean = sanitise(data)        # raises InvalidInput with a sentence for the uploader
    clean.media_type, clean.content

- The type comes from the content (puremagic's signatures, then the parser that must
  accept it), never from the name: a renamed executable is refused.
- JPEG and PNG are decoded and re-encoded from their pixels alone: no EXIF (GPS, the
  camera or phone that took it, the time), XMP, IPTC, ICC comments or thumbnails survive.
  The EXIF orientation is applied first so the picture still stands the right way up.
  Images over MAX_PIXELS are refused before their pixels are decoded (decompression bombs).
- PDFs lose the document information (author, creator, producer, dates), XMP metadata,
  JavaScript and every other action (open, page, outline and form actions), embedded
  files, forms and annotations (links included). Page content is kept as written.
- HEIC/HEIF photos (iPhones) are decoded (pillow-heif) and re-encoded as JPEG from their
  pixels alone, like any photo: the result is a JPEG without EXIF, XMP or GPS.
- On request (`rebuild_pdf=True`: the portal always, staff by choice) a PDF is drawn page
  by page in a limited child process and rebuilt from the pictures (people.pdf_render):
  no text layer, font, script, form, link or embedded file survives.
- Plain text must be UTF-8 (or Windows-1251, converted) without control characters.
- Everything else is refused with a sentence.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import puremagic
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from corridor.core.exceptions import InvalidInput

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
TEXT = "text/plain"
HEIC = "image/heic"
_HEIF_BRANDS = tuple(
    b"ftyp" + brand for brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim")
)
ACCEPTED = (JPEG, PNG, PDF, TEXT)
# 50 megapixels: a phone photo is 12-48; a bomb declares far more than it carries.
MAX_PIXELS = 50_000_000
# Pillow's own guard, on for every image any code here opens: above MAX_PIXELS it warns
# (made an error below), above twice that it refuses to open at all.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

NOT_ACCEPTED = _(
    "This kind of file is not accepted: upload a JPEG, PNG or HEIC photo, a PDF or a plain "
    "text file."
)
DAMAGED = _("The file looks like a {kind} but cannot be read: it may be damaged.")
TOO_MANY_PIXELS = _("The picture is too large to be a scan or a photo: at most 50 megapixels.")
EMPTY = _("The file is empty.")

# Keys of a PDF's catalogue that carry actions, scripts, files, forms or metadata.
_CATALOG_DROPPED = (
    "/OpenAction",
    "/AA",
    "/Names",
    "/AcroForm",
    "/Metadata",
    "/Outlines",
    "/AF",
    "/PieceInfo",
    "/Collection",
    "/URI",
    "/Threads",
    "/SpiderInfo",
)
_PAGE_DROPPED = ("/AA", "/Annots", "/Metadata", "/AF", "/PieceInfo", "/Thumb")
# Whatever still refers to a script or a file after that loses the reference.
_ANYWHERE_DROPPED = (
    "/JS",
    "/JavaScript",
    "/EF",
    "/EmbeddedFiles",
    "/Launch",
    # XMP on any object: a scanned page's image keeps the phone's make, model and place.
    "/Metadata",
    "/PieceInfo",
)
# JPEG segments kept inside a PDF's images: the frame and scan structure, JFIF (APP0) and
# Adobe's colour transform (APP14), without which CMYK scans invert. Every other APPn
# (EXIF with GPS and the device in APP1, XMP, ICC, Photoshop's IPTC) and comments go.
_JPEG_KEPT_APP = (0xE0, 0xEE)


@dataclass(frozen=True)
class Sanitised:
    media_type: str
    content: bytes


def sanitise(data: bytes, *, rebuild_pdf: bool = False) -> Sanitised:
    """The stripped form of `data`, or InvalidInput saying what to upload instead.
    `rebuild_pdf`: draw a PDF's pages and rebuild it from the pictures, then strip that."""
    if not data:
        raise InvalidInput(str(EMPTY))
    kind = sniff(data)
    if kind in (JPEG, PNG):
        return Sanitised(kind, _clean_image(data, kind))
    if kind == HEIC:
        return Sanitised(JPEG, _clean_image(data, HEIC))
    if kind == PDF:
        if rebuild_pdf:
            # Imported here: it is only needed for rebuilds.
            from corridor.people.pdf_render import rebuild_pdf as rebuilt

            return Sanitised(PDF, _clean_pdf(rebuilt(_clean_pdf(data))))
        return Sanitised(PDF, _clean_pdf(data))
    if kind == TEXT:
        return Sanitised(TEXT, _clean_text(data))
    raise InvalidInput(str(NOT_ACCEPTED))


def sniff(data: bytes) -> str:
    """The media type the content says it is: one of ACCEPTED, "image/heic", or ""."""
    head = data[:8]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head == b"\x89PNG\r\n\x1a\n":
        return PNG
    # A PDF may have a little junk before its header; readers accept up to 1 KiB.
    if b"%PDF-" in data[:1024]:
        return PDF
    try:
        guessed = puremagic.from_string(data, mime=True)
    except puremagic.PureError:
        guessed = ""
    if guessed in ("image/heic", "image/heif") or data[4:12] in _HEIF_BRANDS:
        return HEIC
    if guessed:
        # Something with a signature that is none of ours: an executable, an archive,
        # a word-processor file. Never read as text.
        return ""
    return TEXT if _as_text(data) is not None else ""


def open_untrusted_image(
    data: bytes, *, formats: list[str], max_pixels: int, too_large: str, damaged: str
) -> Image.Image:
    """Decode an image nobody vouches for: its size read from the header and checked before
    the pixels are decoded (decompression bombs refused); InvalidInput with `too_large` or
    `damaged` otherwise. The one way uploads, rebuilt pages and previews open pictures."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
            if image.width * image.height > max_pixels:
                raise InvalidInput(too_large)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(too_large) from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidInput(damaged) from None
    return image


def _clean_image(data: bytes, kind: str) -> bytes:
    label = {JPEG: "JPEG", PNG: "PNG", HEIC: "HEIF"}[kind]
    if kind == HEIC:
        _register_heif()
    damaged = str(DAMAGED).format(kind=label)
    image = open_untrusted_image(
        data,
        formats=[label],
        max_pixels=MAX_PIXELS,
        too_large=str(TOO_MANY_PIXELS),
        damaged=damaged,
    )
    try:
        return _redraw(ImageOps.exif_transpose(image), JPEG if kind == HEIC else kind)
    except (OSError, SyntaxError, ValueError, MemoryError):
        raise InvalidInput(damaged) from None


def _register_heif() -> None:
    """Teach Pillow to open HEIC/HEIF (once). Imported late: libheif is large."""
    from pillow_heif import register_heif_opener

    register_heif_opener(thumbnails=False)


def _redraw(upright: Image.Image, kind: str) -> bytes:
    """A new image from the pixels alone: nothing of the original's info dict comes along."""
    mode = upright.mode
    if kind == JPEG and mode not in ("L", "RGB", "CMYK"):
        mode = "RGB"
    if kind == PNG and mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "I;16"):
        mode = "RGBA"
    converted = upright.convert(mode) if mode != upright.mode else upright
    bare = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if kind == JPEG:
        bare.save(out, format="JPEG", quality=90)
    else:
        bare.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _clean_pdf(data: bytes) -> bytes:
    # Imported here: pikepdf loads qpdf and logs on import, which every command would pay.
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Info" in pdf.trailer:
                del pdf.trailer["/Info"]
            for name in _CATALOG_DROPPED:
                if name in pdf.Root:
                    del pdf.Root[name]
            for page in pdf.pages:
                for name in _PAGE_DROPPED:
                    if name in page.obj:
                        del page.obj[name]
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    for name in _ANYWHERE_DROPPED:
                        if name in obj:
                            del obj[name]
                if isinstance(obj, pikepdf.Stream) and obj.get("/Filter") == pikepdf.Name.DCTDecode:
                    obj.write(_bare_jpeg(obj.read_raw_bytes()), filter=pikepdf.Name.DCTDecode)
            pdf.remove_unreferenced_resources()
            out = io.BytesIO()
            # Objects no longer referenced (the scripts, files and metadata) are not written.
            pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    except pikepdf.PasswordError:
        raise InvalidInput(
            str(_("The PDF is protected by a password: upload it without the password."))
        ) from None
    except InvalidInput:
        raise
    except Exception:  # qpdf and pikepdf raise more than PdfError on junk
        raise InvalidInput(str(DAMAGED).format(kind="PDF")) from None
    return out.getvalue()


def _bare_jpeg(data: bytes) -> bytes:
    """`data` (a JPEG stream) without its metadata segments, the image data untouched;
    InvalidInput if it is not a JPEG's segment structure."""
    if data[:2] != b"\xff\xd8":
        raise InvalidInput(str(DAMAGED).format(kind="PDF"))
    out = bytearray(data[:2])
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise InvalidInput(str(DAMAGED).format(kind="PDF"))
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the compressed image follows to the end
            out += data[at:]
            return bytes(out)
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at : at + 2 + length]
        is_metadata = (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APP) or marker == 0xFE
        if not is_metadata:
            out += segment
        at += 2 + length
    raise InvalidInput(str(DAMAGED).format(kind="PDF"))


def _clean_text(data: bytes) -> bytes:
    text = _as_text(data)
    if text is None:  # sniff() decided it was text; this only guards a direct caller
        raise InvalidInput(str(NOT_ACCEPTED))
    return text.encode("utf-8")


def _as_text(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if all(char.isprintable() or char in "\n\r\t" for char in text):
            return text
        return None
    return None
