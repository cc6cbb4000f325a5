"""Reports: the internal dashboard, the public report (preview, ask to publish, download
once a second coordinator granted it) and the never-publish list.

Every figure on these pages is an aggregate of plain columns; no page here
decrypts anything. The dashboard is unsuppressed (coordinators and auditors
only); the public preview shows exactly what a published file would.
"""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.core import clock
from corridor.core.exceptions import CorridorError, InvalidInput
from corridor.reports import services
from corridor.reports.internal import build_internal_document
from corridor.reports.models import NeverPublishKind
from corridor.reports.periods import latest_public_year, parse_period
from corridor.reports.selectors.marks import known_codes, list_never_publish
from corridor.web.decorators import current_staff, role_required

REQUESTED = _("Asked for approval. Once a second coordinator grants it, download it here.")
MARKED = _("Saved. Public reports now count it under “Other”.")
CLEARED = _("Removed from the list.")
FORMAT_CHOICES = [("pdf", "PDF"), ("csv", "CSV"), ("html", "HTML")]
LANGUAGE_CHOICES = [("en", _("English")), ("ru", _("Russian"))]


class ExportForm(forms.Form):
    scope = forms.ChoiceField(choices=[(services.PUBLIC, ""), (services.INTERNAL, "")])
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)
    period = forms.CharField(label=_("Period"), max_length=6, required=False)
    k = forms.IntegerField(label=_("Smallest count shown (k)"), required=False, min_value=1)


class MarkForm(forms.Form):
    action = forms.ChoiceField(choices=[("mark", ""), ("clear", "")])
    kind = forms.ChoiceField(label=_("Kind"), choices=NeverPublishKind.choices)
    code = forms.CharField(label=_("Code"), max_length=60)


@require_safe
@role_required(Role.COORDINATOR, Role.AUDITOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("period", "").strip()
    status = 200
    try:
        period = parse_period(raw) if raw else None
    except InvalidInput as problem:
        messages.error(request, str(problem))
        period, status = None, 400
    document = build_internal_document(period, language=get_language(), today=clock.today())
    context = {
        "document": document,
        "period": period.code if period else "",
        "can_export": _is_coordinator(request),
        "export_form": ExportForm(initial={"scope": services.INTERNAL}),
    }
    return render(request, "web/reports/dashboard.html", context, status=status)


@require_safe
@role_required(Role.COORDINATOR, Role.AUDITOR)
def public_report(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    lag = settings.CORRIDOR_REPORT_LAG_MONTHS
    raw_k = request.GET.get("k", "").strip()
    document, status = None, 200
    try:
        export = services.check_export(
            scope=services.PUBLIC,
            format="html",
            language=get_language(),
            period=request.GET.get("period", "").strip() or None,
            k=int(raw_k) if raw_k.isdigit() else None,
            today=today,
        )
        document = services.export_document(export, today=today)
    except InvalidInput as problem:
        messages.error(request, str(problem))
        status = 400
        export = None
    context = {
        "document": document,
        "period": export.period.code if export and export.period else "",
        "latest": latest_public_year(today, lag).code,
        "k": export.k if export else settings.CORRIDOR_REPORT_MIN_K,
        "min_k": settings.CORRIDOR_REPORT_MIN_K,
        "lag": lag,
        "can_export": _is_coordinator(request),
        "requests": services.open_export_requests(current_staff(request)),
    }
    return render(request, "web/reports/public.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def request_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST)
    scope = request.POST.get("scope")
    back = "web:reports" if scope == services.INTERNAL else "web:reports_public"
    if not form.is_valid():
        messages.error(request, _("Something in the form was not valid; check it and try again."))
        return redirect(back)
    data = form.cleaned_data
    try:
        export = services.check_export(
            scope=data["scope"],
            format=data["format"],
            language=data["language"],
            period=data["period"] or None,
            k=data["k"] if data["scope"] == services.PUBLIC else None,
            today=clock.today(),
        )
        services.request_export(actor=current_staff(request), export=export)
        messages.success(request, REQUESTED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:reports_public")


@require_POST
@role_required(Role.COORDINATOR)
def download_export(request: HttpRequest, approval_id: UUID) -> HttpResponseBase:
    try:
        export, data = services.export_with_approval(
            actor=current_staff(request), approval_id=str(approval_id), today=clock.today()
        )
    except CorridorError as problem:
        messages.error(request, str(problem))
        return redirect("web:reports_public")
    response = HttpResponse(data, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def never_publish(request: HttpRequest) -> HttpResponse:
    form = MarkForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        data = form.cleaned_data
        change = (
            services.mark_never_publish
            if data["action"] == "mark"
            else services.clear_never_publish
        )
        try:
            change(actor=current_staff(request), kind=data["kind"], code=data["code"])
        except CorridorError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, MARKED if data["action"] == "mark" else CLEARED)
            return redirect("web:never_publish")
    status = 400 if request.method == "POST" else 200
    routes, countries = known_codes()
    context = {
        "marks": list(list_never_publish()),
        "form": form,
        "known_routes": routes,
        "known_countries": countries,
    }
    return render(request, "web/reports/never_publish.html", context, status=status)


def _is_coordinator(request: HttpRequest) -> bool:
    return Role.COORDINATOR in roles_of(current_staff(request))
