"""The incident screen: a timed checklist where every step is an audited action.

It shows how long the incident has been open and when each step was done, who
was told (the coordinators alerted), which linked cases were flagged and which
placements are involved. Links and other cases in the same shelters are for
coordinators only, as everywhere.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.selectors import list_alerted
from corridor.cases import selectors
from corridor.cases.access import may_see_links, record_case_view
from corridor.cases.models import Case, Incident
from corridor.cases.services import safety
from corridor.core import clock
from corridor.web.case_forms import StepForm, member_labels
from corridor.web.decorators import current_staff, staff_required
from corridor.web.labels import STEP_LABELS, label_of
from corridor.web.outcomes import carry_out
from corridor.web.staff_names import usernames_for
from corridor.web.views.cases import case_for

STEP_DONE = _("Step recorded.")
INCIDENT_CLOSED = _("The incident was closed.")


def _incident(case: Case, incident_id: UUID) -> Incident:
    """The incident if it belongs to this case: an id from another case is a 404."""
    incident = selectors.get_incident(case, incident_id)
    if incident is None:
        raise Http404
    return incident


@require_http_methods(["GET", "HEAD"])
@staff_required
def incident_page(request: HttpRequest, ref: str, incident_id: UUID) -> HttpResponse:
    staff = current_staff(request)
    case = case_for(request, ref, page="incident")
    incident = _incident(case, incident_id)
    record_case_view(staff, case, page="incident")
    names = usernames_for(str(step.get("done_by", "")) for step in incident.checklist)
    steps = []
    for step in incident.checklist:
        done_at = _parsed(str(step.get("done_at") or ""))
        steps.append(
            {
                "code": step["step"],
                "label": label_of(STEP_LABELS, str(step["step"])),
                "done_at": done_at,
                "minutes": int((done_at - incident.created_at).total_seconds() // 60)
                if done_at
                else None,
                "by": names.get(str(step.get("done_by", "")), ""),
            }
        )
    coordinates = may_see_links(staff)
    context = {
        "case": case,
        "incident": incident,
        "steps": steps,
        "open_minutes": int(
            ((incident.closed_at or clock.now()) - incident.created_at).total_seconds() // 60
        ),
        "person_label": member_labels(case).get(incident.person_id, "")
        if incident.person_id
        else "",
        "alerted": list_alerted(
            code="incident_opened", case_ref=case.ref, since=incident.created_at
        )
        if coordinates
        else None,
        "linked": selectors.list_linked_cases_flagged(case) if coordinates else None,
        "placements": case.placements.order_by("-starts_on"),
        "sharing": selectors.list_shelter_neighbours(case) if coordinates else None,
        "may_coordinate": coordinates,
    }
    return render(request, "web/cases/incident.html", context)


def _parsed(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


@require_POST
@staff_required
def incident_step(request: HttpRequest, ref: str, incident_id: UUID) -> HttpResponse:
    staff = current_staff(request)
    case = case_for(request, ref, page="incident_step")
    incident = _incident(case, incident_id)
    form = StepForm(request.POST)
    # An unknown step is refused by the service with its own sentence.
    step = form.cleaned_data["step"] if form.is_valid() else ""
    carry_out(
        request,
        lambda: safety.complete_incident_step(actor=staff, incident=incident, step=step),
        done=STEP_DONE,
    )
    return redirect("web:case_incident", ref=case.ref, incident_id=incident.pk)


@require_POST
@staff_required
def incident_close(request: HttpRequest, ref: str, incident_id: UUID) -> HttpResponse:
    staff = current_staff(request)
    case = case_for(request, ref, page="incident_close")
    incident = _incident(case, incident_id)
    carry_out(
        request,
        lambda: safety.close_incident(actor=staff, incident=incident),
        done=INCIDENT_CLOSED,
    )
    return redirect("web:case_incident", ref=case.ref, incident_id=incident.pk)
