"""The incident screen: a timed checklist where every step is an audited action.

It shows how long the incident has been open and when each step was done, who
was told (the coordinators alerted), which linked cases were flagged and which
placements are involved. Links and other cases in the same shelters are for
coordinators only, as everywhere.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.models import Staff
from corridor.accounts.selectors import list_alerted
from corridor.cases import selectors
from corridor.cases.access import (
    access_incident_notes,
    may_hold_key,
    may_see_links,
    record_case_view,
)
from corridor.cases.models import Case, Incident
from corridor.cases.services import safety
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.web.case_forms import CloseIncidentForm, SkipStepForm, StepForm, member_labels
from corridor.web.decorators import current_staff, staff_required
from corridor.web.labels import STEP_LABELS, label_of
from corridor.web.outcomes import carry_out
from corridor.web.staff_names import actor_words
from corridor.web.views.case_actions import OPEN_FIRST
from corridor.web.views.cases import case_for, session_key_of

STEP_DONE = _("Step recorded.")
STEP_SKIPPED = _("The step was marked skipped, with its reason.")
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
    return _render(request, staff, case, incident)


def _render(
    request: HttpRequest,
    staff: Staff,
    case: Case,
    incident: Incident,
    *,
    close_form: CloseIncidentForm | None = None,
    skip_form: SkipStepForm | None = None,
) -> HttpResponse:
    """The incident page; with a refused form, that form again with what was typed."""
    record_case_view(staff, case, page="incident")
    notes = access_incident_notes(staff, incident, session_key=session_key_of(request))
    actors = [
        str(step.get("done_by") or step.get("skipped_by") or "") for step in incident.checklist
    ]
    names = actor_words(actors)
    steps = []
    for step in incident.checklist:
        done_at = _parsed(str(step.get("done_at") or ""))
        skipped_at = _parsed(str(step.get("skipped_at") or ""))
        when = done_at or skipped_at
        code = str(step["step"])
        steps.append(
            {
                "code": code,
                "label": label_of(STEP_LABELS, code),
                "done_at": done_at,
                "skipped_at": skipped_at,
                "because": notes.get(code) if notes is not None else None,
                "minutes": int((when - incident.created_at).total_seconds() // 60)
                if when
                else None,
                "by": names.get(_actor_of(step), _actor_of(step)),
                "skip_form": skip_form
                if skip_form is not None and skip_form.data.get("step") == code
                else SkipStepForm(initial={"step": code}, prefix=code),
            }
        )
    coordinates = may_see_links(staff)
    context = {
        "case": case,
        "incident": incident,
        "steps": steps,
        "outcome": notes.get("outcome") if notes is not None else None,
        "opened": notes is not None,
        "close_form": close_form or CloseIncidentForm(),
        "open_minutes": int(
            ((incident.closed_at or clock.now()) - incident.created_at).total_seconds() // 60
        ),
        "person_label": member_labels(case).get(incident.person_id, "")
        if incident.person_id
        else "",
        "alerted": list_alerted(
            code=safety.incident_alert_code(incident.kind),
            case_ref=case.ref,
            since=incident.created_at,
        )
        if coordinates
        else None,
        "linked": selectors.list_linked_cases_flagged(case) if coordinates else None,
        "placements": case.placements.order_by("-starts_on"),
        "sharing": selectors.list_shelter_neighbours(case) if coordinates else None,
        "may_coordinate": coordinates,
    }
    refused = (close_form is not None and close_form.errors) or (
        skip_form is not None and skip_form.errors
    )
    return render(request, "web/cases/incident.html", context, status=400 if refused else 200)


def _actor_of(step: dict[str, object]) -> str:
    return str(step.get("done_by") or step.get("skipped_by") or "")


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
def incident_skip(request: HttpRequest, ref: str, incident_id: UUID) -> HttpResponse:
    """Skip a step, saying why; a refusal shows the page again with the reason typed."""
    staff = current_staff(request)
    case = case_for(request, ref, page="incident_skip")
    incident = _incident(case, incident_id)
    if not may_hold_key(staff, case):
        messages.info(request, OPEN_FIRST)
        return redirect("web:case_open", ref=case.ref)
    step = request.POST.get("step", "")
    form = SkipStepForm(request.POST, prefix=step if step in safety.CHECKLIST else None)
    if form.is_valid():
        try:
            safety.skip_incident_step(
                actor=staff,
                incident=incident,
                step=form.cleaned_data["step"],
                reason_text=form.cleaned_data["reason"],
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, STEP_SKIPPED)
            return redirect("web:case_incident", ref=case.ref, incident_id=incident.pk)
    if not form.errors:
        form.add_error(None, str(safety.STEP_UNKNOWN))
    return _render(request, staff, case, incident, skip_form=form)


@require_POST
@staff_required
def incident_close(request: HttpRequest, ref: str, incident_id: UUID) -> HttpResponse:
    """Close with an outcome; a refusal shows the page again, the outcome still typed."""
    staff = current_staff(request)
    case = case_for(request, ref, page="incident_close")
    incident = _incident(case, incident_id)
    if not may_hold_key(staff, case):
        messages.info(request, OPEN_FIRST)
        return redirect("web:case_open", ref=case.ref)
    form = CloseIncidentForm(request.POST)
    if form.is_valid():
        try:
            safety.close_incident(
                actor=staff, incident=incident, outcome=form.cleaned_data["outcome"]
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, INCIDENT_CLOSED)
            return redirect("web:case_incident", ref=case.ref, incident_id=incident.pk)
    incident.refresh_from_db()
    return _render(request, staff, case, incident, close_form=form)
