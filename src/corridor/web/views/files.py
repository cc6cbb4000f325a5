"""Scans and photos of a person's documents: upload (stripped and sealed) and download
(an audited read). Both need the case's key; a download also needs the case open for
work in this browser, like every page that shows plaintext."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.models import Staff
from corridor.cases.access import case_key, record_case_view
from corridor.cases.models import Case
from corridor.cases.services.document_arrivals import record_messenger_arrival
from corridor.core.exceptions import CorridorError
from corridor.core.uploads import body_limit
from corridor.people.access import access_file
from corridor.people.document_files import OpenedFile, attach_file
from corridor.people.models import DocumentFile, FileType
from corridor.people.previews import Preview, preview_of
from corridor.people.watermarks import MARKED_TYPES, mark_download
from corridor.web.case_forms import member_labels
from corridor.web.decorators import staff_required
from corridor.web.file_forms import FileUploadForm
from corridor.web.views.people import _back, _guard, _guarded_member, _needs_opening

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

FILE_ADDED = _("The file was stripped, encrypted and stored.")
_EXTENSIONS = {
    FileType.JPEG: "jpg",
    FileType.PNG: "png",
    FileType.PDF: "pdf",
    FileType.TEXT: "txt",
}


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def add_file(request: HttpRequest, ref: str) -> HttpResponseBase:
    chosen = _guarded_member(request, ref, "file_add", _("Upload a scan or photo"))
    if not isinstance(chosen, tuple):
        return chosen
    staff, case, person = chosen
    posted = request.method == "POST"
    limit = body_limit(request)
    form = (
        FileUploadForm(request.POST, request.FILES, person=person, limit=limit)
        if posted
        else FileUploadForm(person=person, limit=limit)
    )
    if posted and form.is_valid():
        upload = form.cleaned_data["upload"]
        try:
            key = case_key(staff, case)
            with transaction.atomic():
                stored = attach_file(
                    actor=staff,
                    person=person,
                    key=key,
                    data=upload.read(),
                    title=form.cleaned_data["title"],
                    document=form.chosen_document(),
                    case_ref=case.ref,
                    rebuild_pdf=bool(form.cleaned_data.get("rebuild")),
                )
                if form.cleaned_data["by_messenger"]:
                    record_messenger_arrival(
                        actor=staff,
                        case=case,
                        file=stored,
                        key=key,
                        language=get_language() or "en",
                    )
        except CorridorError as problem:
            form.add_error("upload", str(problem))
        else:
            messages.success(request, FILE_ADDED)
            return redirect(_back(case, person))
    record_case_view(staff, case, page="file_add")
    context = {
        "case": case,
        "person": person,
        "person_label": member_labels(case).get(person.pk, ""),
        "form": form,
        "title": _("Upload a scan or photo"),
    }
    return render(request, "web/cases/file_add.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD"])
@staff_required
def open_file(request: HttpRequest, ref: str) -> HttpResponseBase:
    read = _read_file(request, ref, page="file_open", title=_("Download a file"))
    if isinstance(read, HttpResponseBase):
        return read
    staff, case, row, opened = read
    response: HttpResponseBase
    if FileType(row.media_type) in MARKED_TYPES:
        # PDFs and photos leave with a visible download id (text files as they are).
        try:
            marked = mark_download(
                actor=staff, file=row, content=b"".join(opened.chunks), case_ref=case.ref
            )
        except CorridorError as problem:
            messages.error(request, str(problem))
            return redirect("web:case", ref=case.ref)
        response = HttpResponse(marked.content, content_type=row.media_type)
    else:
        response = StreamingHttpResponse(opened.chunks, content_type=row.media_type)
        response["Content-Length"] = str(row.size)
    # Always a download, never shown inline; the name says nothing about the person.
    name = f"{case.ref}-{str(row.pk)[:8]}.{_EXTENSIONS[FileType(row.media_type)]}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# What a preview page may load: its own pictures (data: URIs) and the staff stylesheet.
# No script, no frame, no form, no connection: the file's content cannot act.
PREVIEW_CSP = (
    "default-src 'none'; img-src data:; style-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@require_http_methods(["GET", "HEAD"])
@staff_required
def preview_file(request: HttpRequest, ref: str) -> HttpResponseBase:
    """The first pages of a file as pictures drawn on the server from the stripped file
    (people.previews), in a page that runs no script; the read is audited like a download."""
    read = _read_file(request, ref, page="file_preview", title=_("Preview a file"))
    if isinstance(read, HttpResponseBase):
        return read
    _staff, case, row, opened = read
    problem = ""
    preview: Preview | None = None
    try:
        preview = preview_of(row.media_type, b"".join(opened.chunks))
    except CorridorError as failure:
        problem = str(failure)
    context = {
        "case": case,
        "file": row,
        "title": opened.title,
        "preview": preview,
        "problem": problem,
    }
    response = render(request, "web/cases/file_preview.html", context)
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _read_file(
    request: HttpRequest, ref: str, *, page: str, title: StrPromise
) -> tuple[Staff, Case, DocumentFile, OpenedFile] | HttpResponseBase:
    """The file the query names, read (audited) for a download or a preview; or the page
    to answer instead: the case's guard, its opening, or, with no file named, where the
    files are listed (a look at the case, no plaintext)."""
    guarded = _guard(request, ref, page)
    if not isinstance(guarded, tuple):
        return guarded
    staff, case = guarded
    raw = request.GET.get("file")
    row = _file(case, raw)
    if row is None:
        if raw:
            raise Http404
        record_case_view(staff, case, page=page)
        context = {"case": case, "title": title, "members": ()}
        return render(request, "web/cases/person_choose.html", context)
    refused = _needs_opening(request, staff, case)
    if refused is not None:
        return refused
    opened = access_file(actor=staff, file=row, key=case_key(staff, case), case_ref=case.ref)
    return staff, case, row, opened


def _file(case: Case, raw: str | None) -> DocumentFile | None:
    try:
        file_id = UUID(str(raw))
    except ValueError:
        return None
    return DocumentFile.objects.filter(
        pk=file_id,
        person__memberships__case=case,
        person__memberships__left_at__isnull=True,
    ).first()


def file_urls() -> list[URLPattern]:
    return [
        path("cases/<caseref:ref>/files/add/", add_file, name="case_file_add"),
        path("cases/<caseref:ref>/files/open/", open_file, name="case_file_open"),
        path("cases/<caseref:ref>/files/preview/", preview_file, name="case_file_preview"),
    ]
