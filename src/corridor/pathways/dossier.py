"""An application's dossier: a cover sheet listing the documents, then the sanitised
documents themselves, as one PDF with every page watermarked by an opaque download id.

    dossier = build_dossier(actor=..., application=..., key=..., case_ref=...)
    dossier.content  # the PDF; dossier.download_id, dossier.sha256

Nothing of it is stored: each download is built from the sealed files (each read is
audited, as every file read is) and the dossier event names the download id, the
SHA-256 of the bytes that left, the application and the number of files. The id is
random: an embassy that receives the dossier learns nothing from it; Corridor finds
who downloaded which case's dossier, and when, by looking the id up in the audit log.
"""

from __future__ import annotations

import hashlib
import io
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.core.pdf import RenderingRefused, font_urls, html_to_pdf
from corridor.pathways import selectors
from corridor.pathways.checklists import kind_label
from corridor.pathways.models import Application
from corridor.people.access import access_file, access_person_fields
from corridor.people.models import DocumentFile, FileType, Person
from corridor.people.watermarks import new_download_id, stamp_pages
from corridor.vault.datakey import DataKey

NO_FILES = _("No scan or photo is stored for the people of this application yet.")
NOT_A_PDF = _("A stored PDF could not be read; upload it again.")
NOT_RENDERED = _("The dossier could not be put together; nothing was sent.")
# The language an authority of the destination reads; the cover is in it where Corridor
# has a translation, in English otherwise. The Russian copy is for the person.
DESTINATION_LANGUAGE = {
    "AM": "hy", "AR": "es", "BE": "fr", "BR": "pt", "CA": "en", "CH": "de", "DE": "de",
    "ES": "es", "EU": "en", "FR": "fr", "GB": "en", "GE": "ka", "LT": "lt", "NL": "nl",
    "NO": "no", "SE": "sv", "TR": "tr", "US": "en",
}  # fmt: skip
PERSON_LANGUAGE = "ru"


@dataclass(frozen=True)
class DossierItem:
    """One file of the dossier as its cover lists it."""

    number: int
    person: str
    document: str
    title: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Dossier:
    content: bytes
    download_id: str
    sha256: str
    pages: int


def cover_languages(country: str) -> list[str]:
    """The cover sheet's languages: the destination's (English where Corridor has no
    translation of it), then Russian for the person."""
    available = {code for code, _name in settings.LANGUAGES}
    wanted = DESTINATION_LANGUAGE.get(country, "en")
    first = wanted if wanted in available and wanted != PERSON_LANGUAGE else "en"
    return [first, PERSON_LANGUAGE]


def build_dossier(
    *, actor: Actor, application: Application, key: DataKey, case_ref: str
) -> Dossier:
    """Build the dossier of `application` (opening each file and each person's name,
    audited) and record the download; raises InvalidInput when there is nothing to send."""
    people = _people(application)
    items: list[DossierItem] = []
    names: dict[Any, str] = {}
    for number, person in enumerate(people, start=1):
        opened = access_person_fields(
            actor=actor, person=person, key=key, fields=("names",), case_ref=case_ref
        )
        names[person.pk] = _legal_name(opened.get("names")) or f"{number}"
        for row in _files(person):
            file = access_file(actor=actor, file=row, key=key, case_ref=case_ref)
            items.append(
                DossierItem(
                    number=len(items) + 1,
                    person=names[person.pk],
                    document=kind_label(row.document.kind) if row.document else "",
                    title=file.title,
                    media_type=row.media_type,
                    content=b"".join(file.chunks),
                )
            )
    if not items:
        raise InvalidInput(str(NO_FILES))
    download_id = new_download_id()
    covers = [
        _cover_html(
            lang,
            route_name=_route_name(application.route_id, lang),
            authority=application.authority,
            people=list(names.values()),
            items=items,
            on=clock.today(),
        )
        for lang in cover_languages(application.country)
    ]
    content, pages = assemble_dossier(covers, items, download_id=download_id)
    digest = hashlib.sha256(content).hexdigest()
    record_event(
        actor=actor,
        event=EventType.DOSSIER_DOWNLOADED,
        object_type=ObjectType.APPLICATION,
        object_id=str(application.pk),
        case_id=case_ref,
        detail={"download": download_id, "sha256": digest, "files": len(items), "pages": pages},
    )
    return Dossier(content=content, download_id=download_id, sha256=digest, pages=pages)


def assemble_dossier(
    covers: Sequence[str], items: Sequence[DossierItem], *, download_id: str
) -> tuple[bytes, int]:
    """The covers (HTML) then each item in order as one PDF, every page watermarked with
    `download_id`; returns the bytes and the page count. Images and text are placed on
    pages of their own; a PDF's own pages are appended as they are."""
    out = pikepdf.Pdf.new()
    parts: list[pikepdf.Pdf] = []  # kept open until saved: appended pages refer to them
    for html in covers:
        parts.append(_pdf(_render(html)))
    for item in items:
        if item.media_type == FileType.PDF:
            try:
                parts.append(_pdf(item.content))
            except pikepdf.PdfError as problem:
                raise InvalidInput(str(NOT_A_PDF)) from problem
        else:
            parts.append(_pdf(_render(_item_html(item))))
    for part in parts:
        out.pages.extend(part.pages)
    stamp_pages(out, download_id)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue(), len(out.pages)


def _route_name(route_id: str, lang: str) -> str:
    try:
        entries = selectors.list_current_entries()
    except selectors.CatalogNotLoaded:
        return route_id
    for entry in entries:
        if entry.id == route_id:
            return entry.name.ru if lang == "ru" else entry.name.en
    return route_id


def _people(application: Application) -> list[Person]:
    """The application's people in the order they joined the case."""
    return list(
        application.people.filter(
            memberships__case_id=application.case_id, memberships__left_at__isnull=True
        ).order_by("memberships__joined_at", "id")
    )


def _files(person: Person) -> list[DocumentFile]:
    """A person's files: those of registered documents in the register's order, then the
    others in the order they were uploaded."""
    rows = list(DocumentFile.objects.filter(person=person).select_related("document"))

    def order(row: DocumentFile) -> tuple[int, Any, Any]:
        if row.document is not None:
            return (0, row.document.created_at, row.created_at)
        return (1, row.created_at, row.created_at)

    return sorted(rows, key=order)


def _legal_name(names: object) -> str:
    """The legal name in Latin letters if recorded, else the first legal one."""
    if not isinstance(names, list):
        return ""
    entries = [entry for entry in names if isinstance(entry, dict)]
    legal = [entry for entry in entries if entry.get("kind", "legal") == "legal"] or entries
    legal.sort(key=lambda entry: entry.get("script") != "latn")
    for entry in legal:
        parts = [str(entry.get(part, "")) for part in ("given", "patronymic", "family")]
        text = " ".join(part for part in parts if part)
        if text:
            return text
    return ""


def _cover_html(
    lang: str,
    *,
    route_name: str,
    authority: str,
    people: list[str],
    items: Sequence[DossierItem],
    on: date,
) -> str:
    with override(lang):
        return render_to_string(
            "pathways/dossier_cover.html",
            {
                "lang": lang,
                "route_name": route_name,
                "authority": authority,
                "people": people,
                "items": items,
                "on": on,
                "font_urls": font_urls(),
            },
        )


def _item_html(item: DossierItem) -> str:
    if item.media_type == FileType.TEXT:
        body = {"text": item.content.decode("utf-8", errors="replace")}
    else:
        # Who can read the data URL: nobody but this process; it never leaves memory.
        body = {"image": f"data:{item.media_type};base64,{b64encode(item.content).decode()}"}
    return render_to_string("pathways/dossier_item.html", {**body, "font_urls": font_urls()})


def _render(html: str) -> bytes:
    try:
        return html_to_pdf(html)
    except RenderingRefused as refused:
        # Nothing we write names an outside address; if a page ever did, say so, not a 500.
        raise InvalidInput(str(NOT_RENDERED)) from refused


def _pdf(content: bytes) -> pikepdf.Pdf:
    return pikepdf.Pdf.open(io.BytesIO(content))
