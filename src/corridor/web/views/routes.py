"""Routes and applications: the applications board, and the catalog for those who keep it.

The board shows case references, routes, authorities, statuses and dates — no
names. Coordinators see every case's applications, caseworkers those of their
own cases. Administrators and coordinators edit the catalog: every edit is a
new version with its author and time, and the page shows what changed.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.selectors import assigned_case_ids
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.core.quarters import quarter_start
from corridor.pathways import applications, routes, selectors
from corridor.pathways import services as catalog
from corridor.pathways.catalog_files import CatalogInvalid, entry_as_yaml, parse_entry_text
from corridor.pathways.models import (
    APPLICATION_WAITING,
    Application,
    ApplicationStatus,
    CatalogVersion,
)
from corridor.pathways.route_changes import affected_cases
from corridor.pathways.schema import Route, Transit, is_verified
from corridor.web.case_forms import date_field
from corridor.web.decorators import current_staff, role_required
from corridor.web.route_panel import route_names

# Without a published processing time, a decision is overdue after this long.
DEFAULT_WAIT = timedelta(days=90)
EDITED = _("Saved as a new version.")
SLOT_ADDED = _("The agreement was recorded.")
UNCHANGED = _("Nothing changed.")


class EntryForm(forms.Form):
    content = forms.CharField(label=_("Entry (YAML)"), widget=forms.Textarea({"rows": 40}))


class PauseForm(forms.Form):
    reason = forms.CharField(label=_("Why is it paused?"), max_length=300)


class SlotForm(forms.Form):
    authority = forms.CharField(label=_("Authority or embassy"), max_length=120)
    places = forms.IntegerField(label=_("Places agreed"), min_value=1, max_value=10_000)
    valid_from = date_field(_("Valid from"))
    valid_until = date_field(_("Valid until"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note (about the route only: never write about a person here)"),
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
    )


@require_safe
@role_required(Role.CASEWORKER, Role.COORDINATOR)
def board(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    mine = None if Role.COORDINATOR in roles_of(staff) else assigned_case_ids(staff)
    country = request.GET.get("country", "").upper()[:2]
    rows = selectors.list_board_applications(case_ids=mine, country=country)
    today = clock.today()
    processing = _processing_limits()
    overdue = [
        app
        for app in rows
        if app.status in APPLICATION_WAITING
        and app.submitted_on is not None
        and app.submitted_on + processing.get(app.route_id, DEFAULT_WAIT) < today
    ]
    decided = [app for app in rows if app.decided_on and app.decided_on >= quarter_start(today)]
    context = {
        "by_status": _group(rows),
        "overdue": overdue,
        "granted": Counter(a.country for a in decided if a.status == ApplicationStatus.GRANTED),
        "denied": Counter(a.country for a in decided if a.status == ApplicationStatus.DENIED),
        # Pairs, not the Counter: a template reads `counter.items` as the key "items" (0).
        "denial_reasons": Counter(
            a.get_denial_reason_display() for a in decided if a.status == ApplicationStatus.DENIED
        ).most_common(),
        "countries": sorted({a.country for a in rows}),
        "slots": selectors.list_slot_agreements(valid_on=today),
        "country": country,
        "today": today,
        # Routes by name in the reader's language; an id the catalog no longer has stays as is.
        "route_names": route_names(get_language() or "en"),
    }
    return render(request, "web/routes/board.html", context)


@require_safe
@role_required(Role.ADMIN, Role.COORDINATOR)
def catalog_list(request: HttpRequest) -> HttpResponse:
    try:
        entries = selectors.list_current_entries()
    except selectors.CatalogNotLoaded as missing:
        messages.warning(request, str(missing))
        entries = []
    latest = {v.entry_id: v for v in selectors.list_latest_versions()}
    paused = selectors.paused_routes()
    rows = [(entry, latest.get(entry.id), paused.get(entry.id)) for entry in entries]
    return render(request, "web/routes/catalog.html", {"rows": rows})


@require_safe
@role_required(Role.ADMIN, Role.COORDINATOR)
def catalog_entry(request: HttpRequest, entry_id: str) -> HttpResponse:
    context = _entry_context(_entry(entry_id))
    # Coordinators see which cases a change of this route reaches (administrators keep the
    # catalog but do not work cases).
    if Role.COORDINATOR in roles_of(current_staff(request)):
        context["affected"] = affected_cases([entry_id])
    return render(request, "web/routes/entry.html", context)


@require_POST
@role_required(Role.ADMIN, Role.COORDINATOR)
def catalog_slot(request: HttpRequest, entry_id: str) -> HttpResponse:
    """Record places an authority agreed to take from the organisation on this route."""
    entry = _entry(entry_id)
    form = SlotForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            applications.add_slot_agreement(
                actor=current_staff(request),
                route_id=entry.id,
                authority=data["authority"],
                places=data["places"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, SLOT_ADDED)
            return redirect("web:catalog_entry", entry_id=entry.id)
    context = _entry_context(entry, slot_form=form)
    return render(request, "web/routes/entry.html", context, status=400)


def _entry_context(entry: Route | Transit, *, slot_form: SlotForm | None = None) -> dict[str, Any]:
    versions = selectors.list_entry_versions(entry.id)
    history = [
        (version, _diff(older, version))
        for version, older in zip(versions, [*versions[1:], None], strict=True)
    ]
    return {
        "entry": entry,
        "is_route": isinstance(entry, Route),
        "history": history,
        "pause": selectors.paused_routes().get(entry.id),
        "notes": selectors.list_route_notes(entry.id),
        "slots": selectors.list_slot_agreements(route_id=entry.id),
        "today": clock.today(),
        "pause_form": PauseForm(),
        "note_form": NoteForm(),
        "slot_form": slot_form or SlotForm(),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN, Role.COORDINATOR)
def catalog_edit(request: HttpRequest, entry_id: str) -> HttpResponse:
    entry = _entry(entry_id)
    form = EntryForm(request.POST or None, initial={"content": entry_as_yaml(entry)})
    problems: list[str] = []
    if form.is_valid():
        try:
            edited = parse_entry_text(form.cleaned_data["content"], expected_id=entry_id)
        except CatalogInvalid as invalid:
            problems = invalid.problems
        else:
            result = catalog.record_admin_edit(actor=current_staff(request), entry=edited)
            messages.success(request, EDITED if result.version else UNCHANGED)
            return redirect("web:catalog_entry", entry_id=entry_id)
    status = 400 if request.method == "POST" else 200
    context = {"entry": entry, "form": form, "problems": problems}
    return render(request, "web/routes/edit.html", context, status=status)


@require_POST
@role_required(Role.ADMIN, Role.COORDINATOR)
def catalog_pause(request: HttpRequest, entry_id: str, action: str) -> HttpResponse:
    entry = _entry(entry_id)
    staff = current_staff(request)
    try:
        if action == "pause":
            form = PauseForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            routes.pause_route(actor=staff, route_id=entry.id, reason=reason)
        elif action == "resume":
            routes.resume_route(actor=staff, route_id=entry.id)
        else:
            raise Http404
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:catalog_entry", entry_id=entry.id)


@require_POST
@role_required(Role.ADMIN, Role.COORDINATOR)
def catalog_note(request: HttpRequest, entry_id: str) -> HttpResponse:
    entry = _entry(entry_id)
    form = NoteForm(request.POST)
    try:
        routes.add_route_note(
            actor=current_staff(request),
            route_id=entry.id,
            text=form.cleaned_data["text"] if form.is_valid() else "",
        )
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:catalog_entry", entry_id=entry.id)


def _entry(entry_id: str) -> Route | Transit:
    try:
        entries = selectors.list_current_entries()
    except selectors.CatalogNotLoaded:
        raise Http404 from None
    found = next((e for e in entries if e.id == entry_id), None)
    if found is None:
        raise Http404
    return found


def _diff(older: CatalogVersion | None, newer: CatalogVersion) -> list[str]:
    def lines(version: CatalogVersion | None) -> list[str]:
        if version is None:
            return []
        return json.dumps(json.loads(version.content), indent=1, ensure_ascii=False).splitlines()

    return list(difflib.unified_diff(lines(older), lines(newer), lineterm="", n=1))[2:]


def _group(rows: list[Application]) -> list[tuple[str, list[Application]]]:
    groups: dict[str, list[Application]] = {}
    for app in rows:
        groups.setdefault(app.get_status_display(), []).append(app)
    return sorted(groups.items())


def _processing_limits() -> dict[str, timedelta]:
    limits: dict[str, timedelta] = {}
    try:
        entries = selectors.list_current_entries()
    except selectors.CatalogNotLoaded:
        return limits
    for entry in entries:
        # Only a processing time read from a source marks an application overdue.
        days = entry.processing_days if isinstance(entry, Route) else None
        if days is not None and is_verified(days.source):
            limits[entry.id] = timedelta(days=days.max)
    return limits
