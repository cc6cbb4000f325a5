"""A register entry's own pages: the custody log of its original, and the scans that show
it (link, unlink, keep past the shredding, arrived by messenger). Both need the case's
key (like every editor page); what they show sealed opens only while the case is open for
work in this browser, each read audited."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.models import Staff
from corridor.cases.access import active_opening, case_key, record_case_view
from corridor.cases.models import Case
from corridor.cases.services.document_arrivals import record_messenger_arrival
from corridor.core.exceptions import CorridorError
from corridor.people import custody
from corridor.people.access import access_custody_notes, access_file_titles
from corridor.people.file_keeping import keep_file, link_file
from corridor.people.models import CustodyHandover, DocumentFile, HolderKind, IdentityDocument
from corridor.web.case_forms import member_labels
from corridor.web.decorators import staff_required
from corridor.web.document_forms import HandoverForm, KeepForm
from corridor.web.views.cases import session_key_of
from corridor.web.views.people import _document, _guard

HANDOVER_RECORDED = _("The handover is recorded. It counts once the receiving side confirms it.")
HANDOVER_CONFIRMED = _("The handover is signed off.")
FILE_LINKED = _("The scan now shows this document.")
FILE_UNLINKED = _("The scan no longer shows this document.")
FILE_KEPT = _("The scan will be kept after the decision.")
TASK_ADDED = _("A task to delete it from that phone and messenger was added to the case.")


def _entry(
    request: HttpRequest, ref: str, page: str
) -> tuple[Staff, Case, IdentityDocument] | HttpResponseBase:
    guarded = _guard(request, ref, page)
    if not isinstance(guarded, tuple):
        return guarded
    staff, case = guarded
    raw = (request.POST if request.method == "POST" else request.GET).get("document")
    document = _document(case, raw)
    if document is None:
        if raw or request.method == "POST":
            raise Http404
        # No entry named: say where the register is (a look at the case, no plaintext).
        record_case_view(staff, case, page=page)
        context = {"case": case, "title": _("Choose a document"), "members": ()}
        return render(request, "web/cases/person_choose.html", context)
    return staff, case, document


def _here(name: str, case: Case, document: IdentityDocument) -> str:
    return reverse(f"web:{name}", kwargs={"ref": case.ref}) + f"?document={document.pk}"


def _is_open(request: HttpRequest, staff: Staff, case: Case) -> bool:
    return active_opening(staff, case, session_key_of(request)) is not None


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def document_custody(request: HttpRequest, ref: str) -> HttpResponseBase:
    chosen = _entry(request, ref, "document_custody")
    if not isinstance(chosen, tuple):
        return chosen
    staff, case, document = chosen
    form = HandoverForm()
    refused = ""
    if request.method == "POST":
        if request.POST.get("action") == "confirm":
            try:
                custody.confirm_handover(
                    actor=staff,
                    handover=_handover(document, request.POST.get("handover")),
                    person_confirmed=request.POST.get("person_confirmed") == "on",
                    case_ref=case.ref,
                )
            except CorridorError as problem:
                refused = str(problem)
            else:
                messages.success(request, HANDOVER_CONFIRMED)
                return redirect(_here("case_document_custody", case, document))
        else:
            form = HandoverForm(request.POST)
            if form.is_valid():
                try:
                    custody.record_handover(
                        actor=staff,
                        document=document,
                        key=case_key(staff, case),
                        to_kind=form.cleaned_data["to_kind"],
                        to_staff=form.chosen_staff(),
                        to_note=form.cleaned_data["to_note"],
                        handed_on=form.cleaned_data["handed_on"],
                        giver_person_confirmed=form.cleaned_data["giver_person_confirmed"],
                        case_ref=case.ref,
                    )
                except CorridorError as problem:
                    form.add_error(None, str(problem))
                else:
                    messages.success(request, HANDOVER_RECORDED)
                    return redirect(_here("case_document_custody", case, document))
    log = custody.custody_log(document)
    notes = (
        access_custody_notes(
            actor=staff, handovers=log, key=case_key(staff, case), case_ref=case.ref
        )
        if _is_open(request, staff, case)
        else None
    )
    record_case_view(staff, case, page="document_custody")
    context = {
        "case": case,
        "document": document,
        "person_label": member_labels(case).get(document.person_id, ""),
        "title": _("Custody of the original"),
        "rows": [(row, (notes or {}).get(str(row.pk)), notes is not None) for row in log],
        "holder": custody.current_holder(document),
        "holder_kinds": dict(HolderKind.choices),
        "form": form,
        "staff": staff,
        "person_kind": HolderKind.PERSON,
        "refused": refused,
    }
    return _page(request, "web/cases/document_custody.html", context, form.errors or refused)


def _handover(document: IdentityDocument, raw: str | None) -> CustodyHandover:
    try:
        handover_id = UUID(str(raw))
    except ValueError:
        raise Http404 from None
    row = CustodyHandover.objects.filter(pk=handover_id, document=document).first()
    if row is None:
        raise Http404
    return row


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def document_files(request: HttpRequest, ref: str) -> HttpResponseBase:
    chosen = _entry(request, ref, "document_files")
    if not isinstance(chosen, tuple):
        return chosen
    staff, case, document = chosen
    keep_form = KeepForm()
    if request.method == "POST":
        file = _person_file(document, request.POST.get("file"))
        action = request.POST.get("action")
        try:
            if action == "link":
                link_file(actor=staff, file=file, document=document, case_ref=case.ref)
                messages.success(request, FILE_LINKED)
            elif action == "unlink":
                link_file(actor=staff, file=file, document=None, case_ref=case.ref)
                messages.success(request, FILE_UNLINKED)
            elif action == "messenger":
                record_messenger_arrival(
                    actor=staff,
                    case=case,
                    file=file,
                    key=case_key(staff, case),
                    language=get_language() or "en",
                )
                messages.success(request, TASK_ADDED)
            elif action == "keep":
                keep_form = KeepForm(request.POST)
                if keep_form.is_valid():
                    keep_file(
                        actor=staff,
                        file=file,
                        key=case_key(staff, case),
                        reason=keep_form.cleaned_data["reason"],
                        case_ref=case.ref,
                    )
                    messages.success(request, FILE_KEPT)
            else:
                raise Http404
        except CorridorError as problem:
            keep_form.add_error(None, str(problem))
        if not keep_form.errors:
            return redirect(_here("case_document_files", case, document))
    files = list(
        DocumentFile.objects.filter(person_id=document.person_id)
        .select_related("document")
        .order_by("-created_at")
    )
    opened = (
        access_file_titles(actor=staff, files=files, key=case_key(staff, case), case_ref=case.ref)
        if _is_open(request, staff, case)
        else None
    )
    record_case_view(staff, case, page="document_files")
    context: dict[str, Any] = {
        "case": case,
        "document": document,
        "person_label": member_labels(case).get(document.person_id, ""),
        "title": _("Scans of this document"),
        "linked": [
            (f, (opened or {}).get(str(f.pk))) for f in files if f.document_id == document.pk
        ],
        "others": [
            (f, (opened or {}).get(str(f.pk))) for f in files if f.document_id != document.pk
        ],
        "keep_form": keep_form,
    }
    return _page(request, "web/cases/document_files.html", context, keep_form.errors)


def _person_file(document: IdentityDocument, raw: str | None) -> DocumentFile:
    try:
        file_id = UUID(str(raw))
    except ValueError:
        raise Http404 from None
    row = DocumentFile.objects.filter(pk=file_id, person_id=document.person_id).first()
    if row is None:
        raise Http404
    return row


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], errors: Any
) -> HttpResponse:
    return render(request, template, context, status=400 if errors else 200)


def document_page_urls() -> list[URLPattern]:
    return [
        path(
            "cases/<caseref:ref>/documents/custody/", document_custody, name="case_document_custody"
        ),
        path("cases/<caseref:ref>/documents/scans/", document_files, name="case_document_files"),
    ]
