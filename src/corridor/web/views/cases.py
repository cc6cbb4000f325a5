"""The case page, opening a case for work, finding a case by reference, opening a new case.

Cases are addressed by their `CR-` reference only: no name ever reaches a URL, a
page title or a flash message. A case the person may not see is the same 404 as
a case that does not exist, and the refusal is recorded.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts import sessions
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases.access import (
    CaseNotFound,
    RevealReasonNeeded,
    StepUpNeeded,
    access_case_by_ref,
    access_case_page,
    is_assigned,
    may_see_links,
    record_case_view,
)
from corridor.cases.models import Case
from corridor.cases.selectors import get_case_detail
from corridor.cases.services import opening
from corridor.cases.services.consent import consent_history, current_consent
from corridor.cases.services.erasure import pending_erasure
from corridor.cases.services.insider import step_up_needed
from corridor.cases.services.openings import open_case_for_work, renew_opening
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.intake.questions import describe_answers
from corridor.intake.selectors import list_requests_of_case
from corridor.intake.services.carrying import count_waiting, merge_waiting_answers
from corridor.pathways.selectors import list_applications_of_case
from corridor.vault.errors import VAULT_FAILURES
from corridor.web.case_forms import FindCaseForm, NewCaseForm, OpenForWorkForm
from corridor.web.case_page import case_context
from corridor.web.decorators import current_staff, role_required, staff_required
from corridor.web.route_panel import application_lines, build_route_panel

CASE_CREATED = _("The case was opened. Assign it to a caseworker next.")
REASON_NEEDED = _("Choose why you are opening a case that is not assigned to you.")
ANSWERS_MERGED = _("The answers of a request that waited for this case's team are now in it.")
ANSWERS_STILL_WAITING = _(
    "A request's answers wait for this case, but the key service refused them now; they "
    "are carried the next time you open the case."
)


def case_for(request: HttpRequest, ref: str, *, page: str, coordinators_only: bool = False) -> Case:
    """The case if this person may use this page of it; otherwise the recorded 404.
    A POST is an action on the case: it keeps the person's opening of it open."""
    staff = current_staff(request)
    try:
        case = access_case_by_ref(staff, ref, page=page, coordinators_only=coordinators_only)
    except CaseNotFound:
        raise Http404 from None
    if request.method == "POST":
        renew_opening(actor=staff, case=case, session_key=session_key_of(request))
    return case


def session_key_of(request: HttpRequest) -> str:
    return request.session.session_key or ""


@require_http_methods(["GET", "HEAD"])
@staff_required
def case_page(request: HttpRequest, ref: str) -> HttpResponse:
    staff = current_staff(request)
    case = case_for(request, ref, page="case")
    return render(request, "web/cases/case.html", case_page_context(request, staff, case))


def case_page_context(
    request: HttpRequest, staff: Staff, case: Case, *, whole: bool = True
) -> dict[str, object]:
    """What the case page shows this person now: the whole page, or (`whole=False`) what
    one of its sections needs after a save made from inside it; the reads are recorded
    the same way. The routes panel, the costliest part, is built for the whole page only."""
    opened = access_case_page(staff, case, page="case", session_key=session_key_of(request))
    detail = get_case_detail(case, with_links=may_see_links(staff))
    context = case_context(viewer=staff, detail=detail, opened=opened)
    applications = list_applications_of_case(case.pk)
    context["applications"] = application_lines(
        staff, case, applications, opened=opened is not None
    )
    # Which routes fit says much about the person: built only while the case is open.
    context["routes"] = build_route_panel(staff, case, applications) if opened and whole else None
    context["open_form"] = OpenForWorkForm()
    context["assigned"] = is_assigned(staff, case)
    # The request the case was accepted from: its thread goes on in the requests pages.
    context["threads"] = list(list_requests_of_case(case.pk))
    context["answers_waiting"] = count_waiting(case)
    context["consent"] = current_consent(case)
    context["consent_history"] = consent_history(case)
    context["intake_answers"] = (
        [describe_answers(answers) for answers in opened.intake_answers.values()]
        if opened
        else None
    )
    context["erasure"] = pending_erasure(case)
    return context


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def case_open(request: HttpRequest, ref: str) -> HttpResponse:
    """Open the case for work. Unassigned coordinators give a reason and confirm who they are;
    anyone with a standing insider alert confirms again before each opening."""
    staff = current_staff(request)
    case = case_for(request, ref, page="open")
    assigned = is_assigned(staff, case)
    if not assigned and not sessions.has_recent_auth(request):
        return sessions.reauth_redirect(request)
    confirmed_at = sessions.recent_auth_at(request)
    if step_up_needed(staff, confirmed_at=confirmed_at):
        return sessions.reauth_redirect(request)
    form = OpenForWorkForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            open_case_for_work(
                actor=staff,
                case=case,
                session_key=session_key_of(request),
                reason=form.cleaned_data["reason"],
                confirmed_at=confirmed_at,
            )
        except StepUpNeeded:
            return sessions.reauth_redirect(request)
        except RevealReasonNeeded:
            form.add_error("reason", REASON_NEEDED)
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            # The case page itself says until when it is open: no second message above it.
            _merge_waiting(request, case)
            return redirect("web:case", ref=case.ref)
    record_case_view(staff, case, page="open")
    context = {"case": case, "form": form, "assigned": assigned}
    return render(request, "web/cases/open.html", context, status=400 if form.errors else 200)


def _merge_waiting(request: HttpRequest, case: Case) -> None:
    """Answers of requests accepted into the case that waited for its team are carried
    now, by the assigned person opening it."""
    try:
        carried = merge_waiting_answers(actor=current_staff(request), case=case)
    except VAULT_FAILURES:
        messages.warning(request, ANSWERS_STILL_WAITING)
        return
    if carried:
        messages.success(request, ANSWERS_MERGED)


@require_http_methods(["GET", "HEAD"])
@role_required(Role.CASEWORKER, Role.COORDINATOR)
def case_find(request: HttpRequest) -> HttpResponse:
    """Go to a case by its reference (typed in any case, with or without dashes)."""
    form = FindCaseForm(request.GET or None)
    if form.is_valid():
        return redirect("web:case", ref=form.cleaned_data["ref"])
    status = 400 if request.GET else 200
    return render(request, "web/cases/find.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def case_new(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    form = NewCaseForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            case = opening.open_case(
                actor=staff,
                principal=form.person_input(),
                region=form.cleaned_data["region"],
                next_action=form.cleaned_data["next_action"],
                next_action_due=form.cleaned_data["next_action_due"],
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, CASE_CREATED)
            return redirect("web:case", ref=case.ref)
    context = {"form": form, "today": clock.today()}
    return render(request, "web/cases/new.html", context, status=400 if form.errors else 200)
