"""What an uploaded file loses before it is sealed, with real files made here."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from corridor.core.exceptions import InvalidInput
from corridor.people.sanitise import JPEG, PDF, PNG, TEXT, sanitise

pytestmark = pytest.mark.pure

GPS_IFD = 0x8825
MAKE, MODEL = 0x010F, 0x0110


def jpeg_with_gps() -> bytes:
    """A phone photo: the phone's make and model, and where it was taken."""
    exif = Image.Exif()
    exif[MAKE] = "CanaryPhone"
    exif[MODEL] = "Model-CANARY-7"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (43.0, 19.0, 7.5)  # Grozny, roughly
    gps[3] = "E"
    gps[4] = (45.0, 41.0, 3.25)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_phone_photo_loses_its_location_and_the_phone_that_took_it():
    """Attack: read where a person hides from the GPS EXIF of the passport photo they sent."""
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test has teeth
    clean = sanitise(original)
    assert clean.media_type == JPEG
    image = Image.open(io.BytesIO(clean.content))
    assert image.size == (64, 48)
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert b"CanaryPhone" not in clean.content
    assert b"CANARY-7" not in clean.content
    assert b"Exif" not in clean.content


def test_a_png_loses_its_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Canary Author")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10)).save(out, "PNG", pnginfo=info)
    clean = sanitise(out.getvalue())
    assert clean.media_type == PNG
    assert b"Canary Author" not in clean.content


def pdf_with_author_script_and_attachment() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Canary Author"
    pdf.docinfo["/Producer"] = "CanaryWriter 1.0"
    pdf.Root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('canary-script')")
    )
    pdf.attachments["hidden-list.txt"] = pikepdf.AttachedFileSpec(pdf, b"canary attachment")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def test_a_pdf_loses_its_author_script_and_embedded_file():
    original = pdf_with_author_script_and_attachment()
    for canary in (b"Canary Author", b"canary-script", b"canary attachment"):
        assert canary in original  # the test has teeth
    clean = sanitise(original)
    assert clean.media_type == PDF
    for canary in (b"Canary Author", b"CanaryWriter", b"canary-script", b"canary attachment"):
        assert canary not in clean.content
    assert b"hidden-list.txt" not in clean.content
    with pikepdf.open(io.BytesIO(clean.content)) as pdf:
        assert len(pdf.pages) == 1
        assert "/OpenAction" not in pdf.Root
        assert len(pdf.attachments) == 0
        assert "/Author" not in pdf.docinfo


def pdf_of_a_scanned_page() -> bytes:
    """A scanner app's PDF: the page is the phone photo itself (EXIF with GPS and the
    phone inside the JPEG stream), XMP on the image and the catalog, a link, a form field
    and an outline entry."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(64, 48))
    image = pikepdf.Stream(pdf, jpeg_with_gps())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 64, 48, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
    image.Metadata = pikepdf.Stream(pdf, b"<x:xmpmeta>CanaryXMP-image</x:xmpmeta>")
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(pdf, b"q 64 0 0 48 0 0 cm /Im0 Do Q")
    pdf.Root.Metadata = pikepdf.Stream(pdf, b"<x:xmpmeta>CanaryXMP-doc</x:xmpmeta>")
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[0, 0, 10, 10],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://canary-link.example")),
    )
    page.Annots = pdf.make_indirect(pikepdf.Array([link]))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), DA=pikepdf.String("canary-form"))
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Canary outline", 0))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, fix_metadata_version=False)
    return out.getvalue()


def test_a_scanned_page_loses_the_photo_s_location_and_every_xmp_link_form_and_outline():
    """Attack: the PDF a scanner app made keeps the phone photo's EXIF (GPS, make, model)
    inside its image stream, and XMP on the image; links and outlines name things too."""
    original = pdf_of_a_scanned_page()
    for canary in (
        b"CanaryPhone",
        b"CanaryXMP-image",
        b"CanaryXMP-doc",
        b"canary-link",
        b"Canary outline",
        b"canary-form",
    ):
        assert canary in original  # the test has teeth
    clean = sanitise(original)
    assert clean.media_type == PDF
    for canary in (
        b"CanaryPhone",
        b"CANARY-7",
        b"Exif",
        b"CanaryXMP",
        b"canary-link",
        b"Canary outline",
        b"canary-form",
    ):
        assert canary not in clean.content
    with pikepdf.open(io.BytesIO(clean.content)) as pdf:
        page = pdf.pages[0]
        image = page.Resources.XObject.Im0
        photo = Image.open(io.BytesIO(image.read_raw_bytes()))
        assert photo.size == (64, 48)  # the page's picture is still there, unchanged in size
        assert photo.getexif().get_ifd(GPS_IFD) == {}
        assert "/Annots" not in page.obj
        assert "/AcroForm" not in pdf.Root


def test_a_pdf_that_breaks_the_parser_is_refused_with_a_sentence():
    broken = pdf_with_author_script_and_attachment().replace(b"/Root", b"/Rxxt")
    with pytest.raises(InvalidInput):
        sanitise(broken[: len(broken) // 2])


@pytest.mark.parametrize(
    "disguised",
    [
        # a Windows executable renamed passport.pdf (the name is never read)
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 48
        + b"This program cannot be run in DOS mode.\r\r\n$"
        + b"\x00" * 200,
        # a Linux executable
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200,
        # a ZIP archive (also what a .docx is)
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 200,
    ],
    ids=["windows-exe", "elf", "zip"],
)
def test_a_disguised_executable_or_archive_is_refused_with_a_sentence(disguised):
    with pytest.raises(InvalidInput, match="not accepted: upload a JPEG, PNG or HEIC"):
        sanitise(disguised)


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    """A small PNG that declares 64 million pixels."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(InvalidInput, match="too large to be a scan"):
        sanitise(out.getvalue())


def heic_with_gps() -> bytes:
    """An iPhone photo: HEIC with the phone's make and model and where it was taken."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 180)).save(
        out, "HEIF", exif=Image.open(io.BytesIO(jpeg_with_gps())).getexif().tobytes()
    )
    return out.getvalue()


def test_a_heic_photo_becomes_a_jpeg_without_its_location_or_phone():
    original = heic_with_gps()
    assert original[4:12] == b"ftypheic"
    assert b"CanaryPhone" in original  # the test has teeth
    clean = sanitise(original)
    assert clean.media_type == JPEG
    assert b"CanaryPhone" not in clean.content
    assert b"Model-CANARY-7" not in clean.content
    image = Image.open(io.BytesIO(clean.content))
    assert image.format == "JPEG"
    assert image.size == (64, 48)
    assert not image.getexif()
    assert GPS_IFD not in image.getexif()
    assert "exif" not in image.info
    assert "xmp" not in image.info


def test_pillow_s_own_pixel_limit_is_on():
    """Attack: a picture that declares billions of pixels opened anywhere in the process.
    Pillow's guard must be set (not None), at our limit."""
    from corridor.people.sanitise import MAX_PIXELS

    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_plain_text_is_kept_as_utf8_and_windows_1251_is_converted():
    assert sanitise("Справка\nстр. 1".encode()).content == "Справка\nстр. 1".encode()
    converted = sanitise("Справка".encode("cp1251"))
    assert converted.media_type == TEXT
    assert converted.content == "Справка".encode()


def test_a_damaged_pdf_is_refused_not_stored():
    with pytest.raises(InvalidInput, match="cannot be read"):
        sanitise(b"%PDF-1.7\n this is not really a pdf")
