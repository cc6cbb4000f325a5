"""An application's dossier: built on request, downloaded once, never stored.

Coordinators only. A dossier gathers every scan of an application's people into one
portable file that leaves Corridor for an authority: the most valuable single thing
to take out of a case. A caseworker downloads single files of their cases; putting
together what goes to an embassy is a coordinator's decision, as are the other steps
that send a case's material outside (linking cases, erasure)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.cases.access import case_key, may_hold_key, record_case_view
from corridor.cases.models import Case
from corridor.core.exceptions import CorridorError
from corridor.pathways.dossier import build_dossier
from corridor.pathways.models import Application
from corridor.web.decorators import current_staff, staff_required
from corridor.web.route_panel import route_names
from corridor.web.views.cases import case_for
from corridor.web.views.people import OPEN_FIRST, _needs_opening

TITLE = _("Build an application's dossier")


@require_http_methods(["GET", "HEAD"])
@staff_required
def download_dossier(request: HttpRequest, ref: str) -> HttpResponseBase:
    staff = current_staff(request)
    case = case_for(request, ref, page="dossier", coordinators_only=True)
    if not may_hold_key(staff, case):
        messages.info(request, OPEN_FIRST)
        return redirect("web:case_open", ref=case.ref)
    raw = request.GET.get("application")
    application = _application(case, raw)
    if application is None:
        if raw:
            raise Http404
        # No application named: list them (a look at the case, no plaintext).
        record_case_view(staff, case, page="dossier")
        names = route_names(request.LANGUAGE_CODE)
        choices = [
            (app, names.get(app.route_id, app.route_id))
            for app in case.applications.order_by("submitted_on", "id")
        ]
        context = {"case": case, "title": TITLE, "applications": choices}
        return render(request, "web/cases/dossier_choose.html", context)
    refused = _needs_opening(request, staff, case)
    if refused is not None:
        return refused
    try:
        dossier = build_dossier(
            actor=staff, application=application, key=case_key(staff, case), case_ref=case.ref
        )
    except CorridorError as problem:
        messages.error(request, str(problem))
        return redirect("web:case", ref=case.ref)
    response = HttpResponse(dossier.content, content_type="application/pdf")
    # The name carries the download id only: it says nothing of the case or of us.
    response["Content-Disposition"] = f'attachment; filename="dossier-{dossier.download_id}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _application(case: Case, raw: str | None) -> Application | None:
    try:
        application_id = UUID(str(raw))
    except ValueError:
        return None
    return Application.objects.filter(pk=application_id, case=case).first()


def dossier_urls() -> list[URLPattern]:
    return [path("cases/<caseref:ref>/dossier/", download_dossier, name="case_dossier")]
