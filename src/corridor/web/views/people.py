"""The person editor: each section of a person, and their documents, as small pages.

A form that shows a person's current values shows plaintext, so it opens only while the
case is open for work in this browser (like the case page itself); changing a value needs
the case's key, like every change that seals. On submit the current values are opened
again (an audited read) to find which fields changed: the service gets only those, and
the audit event names them, never their values. Stale forms are refused by version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts.models import Staff
from corridor.cases.access import active_opening, case_key, may_hold_key, record_case_view
from corridor.cases.models import Case
from corridor.core import places
from corridor.core.exceptions import CorridorError
from corridor.people import register
from corridor.people.access import access_person_documents, access_person_fields
from corridor.people.inputs import DocumentInput
from corridor.people.models import DocumentKind, DocumentWhereabouts, IdentityDocument, Person
from corridor.people.services import edit_person
from corridor.web.case_forms import member_labels
from corridor.web.decorators import current_staff, staff_required
from corridor.web.person_forms import SECTIONS, DocumentForm, SectionForm, changed, language
from corridor.web.views.cases import case_for, session_key_of

OPEN_FIRST = _("Open the case for work first: this change needs the case's key.")
SAVED = _("Saved.")
NOTHING_CHANGED = _("Nothing changed.")
DOCUMENT_ADDED = _("The document was added.")
DOCUMENT_SAVED = _("The document was saved.")
DOCUMENT_REMOVED = _("The document was removed from the register.")


def _member(case: Case, raw: str | None) -> Person | None:
    """The case's active member with this id, or None (an id from elsewhere is no one)."""
    try:
        person_id = UUID(str(raw))
    except ValueError:
        return None
    return Person.objects.filter(
        pk=person_id, memberships__case=case, memberships__left_at__isnull=True
    ).first()


def _guard(request: HttpRequest, ref: str, page: str) -> tuple[Staff, Case] | HttpResponseBase:
    """The staff member and the case, or where to send them: every editor page needs the
    case's key (assigned, or a coordinator's fresh break-glass)."""
    staff = current_staff(request)
    case = case_for(request, ref, page=page)
    if not may_hold_key(staff, case):
        messages.info(request, OPEN_FIRST)
        return redirect("web:case_open", ref=case.ref)
    return staff, case


def _guarded_member(
    request: HttpRequest, ref: str, page: str, title: Any
) -> tuple[Staff, Case, Person] | HttpResponseBase:
    """Who asks, the case, and the member the page is about; or the page that stands in
    for them: open the case first, or (a GET without a person) choose whom."""
    guarded = _guard(request, ref, page)
    if not isinstance(guarded, tuple):
        return guarded
    staff, case = guarded
    posted = request.method == "POST"
    person = _member(case, (request.POST if posted else request.GET).get("person"))
    if person is None:
        if posted:
            raise Http404
        return _choose(request, staff, case, page, title)
    return staff, case, person


def _needs_opening(request: HttpRequest, staff: Staff, case: Case) -> HttpResponseBase | None:
    if active_opening(staff, case, session_key_of(request)) is None:
        messages.info(request, OPEN_FIRST)
        return redirect("web:case_open", ref=case.ref)
    return None


def _choose(request: HttpRequest, staff: Staff, case: Case, page: str, title: Any) -> HttpResponse:
    """Which person? Members by number and relation, never by name."""
    record_case_view(staff, case, page=page)
    context = {"case": case, "title": title, "members": member_labels(case).items()}
    return render(request, "web/cases/person_choose.html", context)


def section_view(name: str, form_class: type[SectionForm]) -> Callable[..., HttpResponseBase]:
    """The page of one section of a person."""
    page = f"person_{name}"

    @require_http_methods(["GET", "HEAD", "POST"])
    @staff_required
    def view(request: HttpRequest, ref: str) -> HttpResponseBase:
        chosen = _guarded_member(request, ref, page, form_class.title)
        if not isinstance(chosen, tuple):
            return chosen
        staff, case, person = chosen
        posted = request.method == "POST"
        if not posted:
            refused = _needs_opening(request, staff, case)
            if refused is not None:
                return refused
        key = case_key(staff, case)
        opened = access_person_fields(
            actor=staff, person=person, key=key, fields=form_class.FIELDS, case_ref=case.ref
        )
        current = form_class.current(person, opened)
        if not posted:
            initial = form_class.initial_from(current) | {"version": person.version}
            form = form_class(initial=initial)
        else:
            form = form_class(request.POST)
            if form.is_valid():
                changes = changed(form.values(current), current)
                if not changes:
                    messages.info(request, NOTHING_CHANGED)
                    return redirect(_back(case, person))
                try:
                    edit_person(
                        actor=staff,
                        person=person,
                        key=key,
                        changes=changes,
                        version=form.cleaned_data["version"],
                        case_ref=case.ref,
                    )
                except CorridorError as problem:
                    form.add_error(None, str(problem))
                else:
                    messages.success(request, SAVED)
                    return redirect(_back(case, person))
        record_case_view(staff, case, page=page)
        return _render(request, case, person, form, form_class.title)

    view.__name__ = view.__qualname__ = f"case_person_{name}"
    return view


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def add_document(request: HttpRequest, ref: str) -> HttpResponseBase:
    chosen = _guarded_member(request, ref, "document_add", _("Add a document"))
    if not isinstance(chosen, tuple):
        return chosen
    staff, case, person = chosen
    posted = request.method == "POST"
    form = DocumentForm(request.POST) if posted else DocumentForm(initial=_document_initial(person))
    if posted and form.is_valid():
        try:
            register.add_document(
                actor=staff,
                person=person,
                key=case_key(staff, case),
                data=_document_input(form.values()),
                case_ref=case.ref,
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, DOCUMENT_ADDED)
            return redirect(_back(case, person))
    record_case_view(staff, case, page="document_add")
    return _render(request, case, person, form, _("Add a document"))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def change_document(request: HttpRequest, ref: str) -> HttpResponseBase:
    guarded = _guard(request, ref, "document_change")
    if not isinstance(guarded, tuple):
        return guarded
    staff, case = guarded
    posted = request.method == "POST"
    document = _document(case, (request.POST if posted else request.GET).get("document"))
    if document is None:
        if posted:
            raise Http404
        record_case_view(staff, case, page="document_change")
        context = {"case": case, "title": _("Change a document"), "members": ()}
        return render(request, "web/cases/person_choose.html", context)
    if not posted:
        refused = _needs_opening(request, staff, case)
        if refused is not None:
            return refused
    key = case_key(staff, case)
    person = document.person
    opened = next(
        row
        for row in access_person_documents(actor=staff, person=person, key=key, case_ref=case.ref)
        if row["document"].pk == document.pk
    )
    initial = DocumentForm.initial_from(opened)
    form = DocumentForm(request.POST) if posted else DocumentForm(initial=initial)
    if posted and form.is_valid():
        before = {name: initial[name] for name in DocumentForm.FIELDS}
        before["issuing_country"] = document.issuing_country
        changes = changed(form.values(), before)
        if not changes:
            messages.info(request, NOTHING_CHANGED)
            return redirect(_back(case, person))
        try:
            register.change_document(
                actor=staff,
                document=document,
                key=key,
                data=_document_input(form.values()),
                version=form.cleaned_data["version"] or 0,
                fields=list(changes),
                case_ref=case.ref,
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, DOCUMENT_SAVED)
            return redirect(_back(case, person))
    record_case_view(staff, case, page="document_change")
    return _render(request, case, person, form, _("Change a document"), document=document)


@require_http_methods(["POST"])
@staff_required
def remove_document(request: HttpRequest, ref: str) -> HttpResponseBase:
    guarded = _guard(request, ref, "document_remove")
    if not isinstance(guarded, tuple):
        return guarded
    staff, case = guarded
    document = _document(case, request.POST.get("document"))
    if document is None:
        raise Http404
    try:
        version = int(request.POST.get("version", ""))
        register.remove_document(actor=staff, document=document, version=version, case_ref=case.ref)
    except ValueError:
        messages.error(request, register.STALE_DOCUMENT)
        return redirect(_back(case, document.person))
    except CorridorError as problem:
        messages.error(request, str(problem))
        return redirect(_back(case, document.person))
    messages.success(request, DOCUMENT_REMOVED)
    return redirect(_back(case, document.person))


def _document(case: Case, raw: str | None) -> IdentityDocument | None:
    try:
        document_id = UUID(str(raw))
    except ValueError:
        return None
    return (
        IdentityDocument.objects.filter(
            pk=document_id,
            person__memberships__case=case,
            person__memberships__left_at__isnull=True,
        )
        .select_related("person")
        .first()
    )


def _document_initial(person: Person) -> dict[str, Any]:
    return {
        "kind": DocumentKind.INTERNAL_PASSPORT,
        "whereabouts": DocumentWhereabouts.WITH_PERSON,
        "issuing_country": places.country_name(person.nationality, language())
        if person.nationality
        else "",
    }


def _document_input(values: dict[str, Any]) -> DocumentInput:
    issued: date | None = values["issued_on"]
    expires: date | None = values["expires_on"]
    return DocumentInput(
        kind=DocumentKind(values["kind"]),
        issuing_country=values["issuing_country"],
        number=values["number"],
        issued_on=issued,
        expires_on=expires,
        whereabouts=DocumentWhereabouts(values["whereabouts"]),
    )


def _back(case: Case, person: Person) -> str:
    return reverse("web:case", kwargs={"ref": case.ref}) + f"#person-{person.pk}"


def _render(
    request: HttpRequest,
    case: Case,
    person: Person,
    form: Any,
    title: Any,
    *,
    document: IdentityDocument | None = None,
) -> HttpResponse:
    context = {
        "case": case,
        "person": person,
        "person_label": member_labels(case).get(person.pk, ""),
        "form": form,
        "title": title,
        "document": document,
    }
    return render(
        request, "web/cases/person_edit.html", context, status=400 if form.errors else 200
    )


def person_urls() -> list[URLPattern]:
    sections = [
        path(
            f"cases/<caseref:ref>/people/{name}/",
            section_view(name, form_class),
            name=f"case_person_{name}",
        )
        for name, form_class in SECTIONS.items()
    ]
    return [
        *sections,
        path("cases/<caseref:ref>/documents/add/", add_document, name="case_document_add"),
        path("cases/<caseref:ref>/documents/change/", change_document, name="case_document_change"),
        path("cases/<caseref:ref>/documents/remove/", remove_document, name="case_document_remove"),
    ]
