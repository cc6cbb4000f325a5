"""Every change to a case as a small page of its own: a form, one service call, back to the case.

Each action is declared once (its form, the service it calls, who may use it) and
served by one view: access → form → service → redirect, or the form again with
what was typed and a sentence saying what to fix. A form that holds long text
(notes) keeps a sealed draft while it is being written. Actions that seal new
text need the case's key, which a coordinator not assigned to the case holds only
after opening it for work with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from corridor.accounts import sessions
from corridor.accounts.models import Approval, Staff
from corridor.cases.access import access_protocol_for_form, may_hold_key, record_case_view
from corridor.cases.models import (
    Case,
    ClosureReason,
    ConsentSource,
    ExpenseCategory,
    Flag,
    Incident,
    IncidentKind,
    LegKind,
    LinkKind,
    MilestoneKind,
    Phase,
    Relation,
    TravelMode,
)
from corridor.cases.services import (
    assignment,
    closing,
    consent,
    corrections,
    costs,
    erasure,
    logistics,
    opening,
    progress,
    safety,
    work,
)
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.pathways import applications, plan_choices
from corridor.pathways.models import ApplicationStatus
from corridor.people.models import Person
from corridor.shelters.services import move_placement, place_people
from corridor.web import application_forms as af
from corridor.web import case_forms as f
from corridor.web.decorators import current_staff, staff_required
from corridor.web.drafts import forget_draft, initial_from_draft
from corridor.web.views.cases import case_for, case_page_context, session_key_of

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

SAVE = _("Save")
OPEN_FIRST = _("Open the case for work first: this change needs the case's key.")
SELF_ASSIGN_ASKED = _(
    "Another coordinator has been asked to approve. Once they have, assign yourself again."
)
INCIDENT_RAISED = _("An incident was raised; every coordinator has been alerted.")

Run = Callable[[Staff, Case, Any], object]


@dataclass(frozen=True)
class CaseAction:
    """One change to a case: its page, its form, the service it calls, who may use it."""

    name: str
    path: str
    title: StrPromise
    form: Callable[..., forms.Form]
    run: Run
    done: StrPromise
    coordinators_only: bool = False
    needs_key: bool = False
    drafts: bool = False
    help: StrPromise | None = None
    template: str = "web/cases/action.html"
    # Where to go once done; an erased case has no page to go back to.
    done_url: str = "web:case"
    # The submit button says what it does (None: "Save").
    button: StrPromise | None = None
    # What the form starts from, read (and audited) through an access function.
    prefill: Callable[[HttpRequest, Staff, Case], dict[str, object]] | None = None
    # The case page's section this action is done from (`_section_<name>.html`): with
    # JavaScript its form opens inside that section and a save swaps in only the section.
    section: str = ""


def _member(actor: Staff, case: Case, form: f.AddMemberForm) -> object:
    return opening.add_member(
        actor=actor,
        case=case,
        data=form.person_input(),
        relation=Relation(form.cleaned_data["relation"]),
    )


def _milestone(actor: Staff, case: Case, form: f.MilestoneForm) -> object:
    data = form.cleaned_data
    return progress.record_milestone(
        actor=actor,
        case=case,
        person=data["person"],
        kind=MilestoneKind(data["kind"]),
        reached_on=data["reached_on"],
    )


def _phase(actor: Staff, case: Case, form: f.PhaseForm) -> object:
    data = form.cleaned_data
    return progress.advance_phase(
        actor=actor,
        case=case,
        to=Phase(data["to"]),
        setback_reason=data["setback_reason"],
        version=data["version"],
    )


def _raise_flag(actor: Staff, case: Case, form: f.RaiseFlagForm) -> object:
    data = form.cleaned_data
    return progress.raise_flag(
        actor=actor, case=case, flag=Flag(data["flag"]), reason=data["reason"]
    )


def _clear_flag(actor: Staff, case: Case, form: f.ClearFlagForm) -> object:
    data = form.cleaned_data
    progress.clear_flag(actor=actor, case=case, flag=Flag(data["flag"]), reason=data["reason"])
    return None


def _close(actor: Staff, case: Case, form: f.CloseForm) -> object:
    data = form.cleaned_data
    return closing.close_case(
        actor=actor,
        case=case,
        reason=ClosureReason(data["reason"]),
        version=data["version"],
        dispositions=form.dispositions(),
        also_running=form.applications,
        sharing_confirmed=data["sharing_confirmed"],
    )


def _consent(actor: Staff, case: Case, form: f.ConsentForm) -> object:
    data = form.cleaned_data
    return consent.record_consent(
        actor=actor,
        case=case,
        keep=data["keep"],
        share=data["share"],
        source=ConsentSource.STAFF,
        reason_text=data["reason"],
    )


def _reopen(actor: Staff, case: Case, form: f.ReopenForm) -> object:
    return closing.reopen_case(actor=actor, case=case, reason=form.cleaned_data["reason"])


def _erase_request(actor: Staff, case: Case, form: f.EraseRequestForm) -> object:
    return erasure.request_case_erasure(actor=actor, case=case, reason=form.cleaned_data["reason"])


def _erase(actor: Staff, case: Case, form: f.EraseForm) -> object:
    erasure.erase_granted_case(actor=actor, case=case)
    return None


def _correct_milestone(actor: Staff, case: Case, form: f.CorrectMilestoneForm) -> object:
    data = form.cleaned_data
    return corrections.correct_milestone(
        actor=actor,
        case=case,
        milestone=data["milestone"],
        reached_on=data["reached_on"],
        reason_text=data["reason"],
    )


def _retract_milestone(actor: Staff, case: Case, form: f.RetractMilestoneForm) -> object:
    data = form.cleaned_data
    corrections.retract_milestone(
        actor=actor, case=case, milestone=data["milestone"], reason_text=data["reason"]
    )
    return None


def _retract_status(actor: Staff, case: Case, form: af.RetractStatusForm) -> object:
    return applications.retract_status(
        actor=actor,
        application=form.cleaned_data["application"],
        reason_text=form.cleaned_data["reason"],
        version=form.expected_version(),
    )


def _assign(actor: Staff, case: Case, form: f.AssignForm) -> object:
    data = form.cleaned_data
    if data["staff"].pk == actor.pk and data["self_reason"] == f.ASK_APPROVAL:
        return assignment.request_self_assignment(actor=actor, case=case)
    return assignment.assign_case(
        actor=actor,
        case=case,
        staff=data["staff"],
        lead=data["lead"],
        reason=data["self_reason"],
        confirmed_at=form.confirmed_at,
    )


def _unassign(actor: Staff, case: Case, form: f.UnassignForm) -> object:
    assignment.unassign_case(actor=actor, case=case, staff=form.cleaned_data["staff"])
    return None


def _remove_member(actor: Staff, case: Case, form: f.RemoveMemberForm) -> object:
    opening.remove_member(actor=actor, case=case, person=form.cleaned_data["person"])
    return None


def _link(actor: Staff, case: Case, form: f.LinkForm) -> object:
    data = form.cleaned_data
    return opening.link_cases(
        actor=actor, case=case, other=data["other"], kind=LinkKind(data["kind"])
    )


def _risk(actor: Staff, case: Case, form: f.RiskForm) -> object:
    return work.assess_risk(actor=actor, case=case, answers=form.answers())


def _protocol(actor: Staff, case: Case, form: f.ProtocolForm) -> object:
    data = form.cleaned_data
    return safety.set_protocol(
        actor=actor,
        case=case,
        person=data["person"],
        channel=data["channel"],
        every_hours=data["every_hours"],
        safe_hours=data["safe_hours"],
        if_someone_else_answers=data["if_someone_else_answers"],
        check_in_word=data["check_in_word"],
        duress_word=data["duress_word"],
        portal_counts_as_check_in=data["portal_counts_as_check_in"],
    )


def _protocol_prefill(request: HttpRequest, staff: Staff, case: Case) -> dict[str, object]:
    person = request.GET.get("person") or next(iter(f.member_labels(case)), None)
    if person is None:
        return {}
    return access_protocol_for_form(
        staff, case, person_id=str(person), session_key=session_key_of(request)
    )


def _check_in(actor: Staff, case: Case, form: f.CheckInForm) -> object:
    data = form.cleaned_data
    return safety.record_contact(actor=actor, case=case, person=data["person"], words=data["words"])


def _add_task(actor: Staff, case: Case, form: f.TaskForm) -> object:
    data = form.cleaned_data
    return work.add_task(actor=actor, case=case, title=data["title"], due_on=data["due_on"])


def _complete_task(actor: Staff, case: Case, form: f.CompleteTaskForm) -> object:
    data = form.cleaned_data
    return work.complete_task(
        actor=actor, task=data["task"], next_title=data["next_title"], next_due=data["next_due"]
    )


def _add_note(actor: Staff, case: Case, form: f.NoteForm) -> object:
    return work.add_note(actor=actor, case=case, body=form.cleaned_data["body"])


def _add_expense(actor: Staff, case: Case, form: f.ExpenseForm) -> object:
    data = form.cleaned_data
    return costs.record_expense(
        actor=actor,
        case=case,
        category=ExpenseCategory(data["category"]),
        amount_minor=data["amount_minor"],
        currency=data["currency"],
        spent_on=data["spent_on"],
        funding_source=data["funding_source"],
    )


def _add_placement(actor: Staff, case: Case, form: f.PlacementForm) -> object:
    data = form.cleaned_data
    if data["shelter"] is not None:
        people = list(data["people"]) or list(
            Person.objects.filter(memberships__case=case, memberships__left_at__isnull=True)
        )
        return place_people(
            actor=actor,
            case=case,
            shelter=data["shelter"],
            people=people,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            pets=data["pets"],
            step_free=data["step_free"],
        )
    return logistics.record_placement(
        actor=actor,
        case=case,
        shelter_ref=data["shelter_ref"],
        address=data["address"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
    )


def _end_placement(actor: Staff, case: Case, form: f.EndPlacementForm) -> object:
    data = form.cleaned_data
    return logistics.end_placement(
        actor=actor, placement=data["placement"], ends_on=data["ends_on"]
    )


def _move_placement(actor: Staff, case: Case, form: f.MovePlacementForm) -> object:
    data = form.cleaned_data
    return move_placement(
        actor=actor, placement=data["placement"], shelter=data["shelter"], on=data["on"]
    )


def _add_leg(actor: Staff, case: Case, form: f.LegForm) -> object:
    data = form.cleaned_data
    return logistics.record_travel_leg(
        actor=actor,
        case=case,
        kind=LegKind(data["kind"]),
        from_place=data["from_place"],
        to_place=data["to_place"],
        mode=TravelMode(data["mode"]),
        travel_on=data["travel_on"],
        itinerary=data["itinerary"],
        completed_on=data["travel_on"] if data["completed"] else None,
    )


def _complete_leg(actor: Staff, case: Case, form: f.CompleteLegForm) -> object:
    data = form.cleaned_data
    return logistics.complete_travel_leg(actor=actor, leg=data["leg"], on=data["on"])


def _raise_incident(actor: Staff, case: Case, form: f.RaiseIncidentForm) -> object:
    data = form.cleaned_data
    return safety.raise_incident(
        actor=actor, case=case, kind=IncidentKind(data["kind"]), person=data["person"]
    )


def _start_application(actor: Staff, case: Case, form: af.StartApplicationForm) -> object:
    data = form.cleaned_data
    return applications.start_application(
        actor=actor,
        case=case,
        route_id=data["route"],
        authority=data["authority"],
        people=list(data["people"]),
        reference_number=data["reference_number"],
        deadline=data["deadline"],
        slot=data["slot"],
        started_on=data["started_on"],
        submitted=data["submitted"],
    )


def _choose_plan(actor: Staff, case: Case, form: af.ChoosePlanForm) -> object:
    return plan_choices.choose_plan(actor=actor, case=case, route_ids=form.route_ids())


def _application_status(actor: Staff, case: Case, form: af.ApplicationStatusForm) -> object:
    data = form.cleaned_data
    return applications.record_status(
        actor=actor,
        application=data["application"],
        status=ApplicationStatus(data["status"]),
        on=data["on"],
        denial_reason=data["denial_reason"],
        version=form.expected_version(),
    )


ACTIONS: tuple[CaseAction, ...] = (
    CaseAction(
        "add_member",
        "members/add",
        _("Add a person to the household"),
        f.AddMemberForm,
        _member,
        _("The person was added."),
        needs_key=True,
    ),
    CaseAction(
        "remove_member",
        "members/remove",
        _("Take a person out of the household"),
        f.RemoveMemberForm,
        _remove_member,
        _("The person left the case."),
        help=_("Their record stays; they can later join another case."),
    ),
    CaseAction(
        "milestone",
        "milestones/add",
        _("Record a milestone"),
        f.MilestoneForm,
        _milestone,
        _("The milestone was recorded."),
        section="milestones",
    ),
    CaseAction(
        "phase",
        "phase",
        _("Change the phase"),
        f.PhaseForm,
        _phase,
        _("The phase was changed."),
        help=_(
            "Phases follow the milestones by themselves. "
            "Move a case back only after a setback, with its reason."
        ),
    ),
    CaseAction(
        "raise_flag",
        "flags/raise",
        _("Raise a flag"),
        f.RaiseFlagForm,
        _raise_flag,
        _("The flag was raised."),
    ),
    CaseAction(
        "clear_flag",
        "flags/clear",
        _("Clear a flag"),
        f.ClearFlagForm,
        _clear_flag,
        _("The flag was cleared."),
    ),
    CaseAction(
        "close",
        "close",
        _("Close the case"),
        f.CloseForm,
        _close,
        _("The case was closed."),
        needs_key=True,
        help=_(
            "A case closes once everything still running is ended, or kept running with the "
            "reason why. Contact protocols stop when the case closes."
        ),
        template="web/cases/close.html",
    ),
    CaseAction(
        "reopen",
        "reopen",
        _("Reopen the case"),
        f.ReopenForm,
        _reopen,
        _("The case was reopened."),
        coordinators_only=True,
        help=_("Only coordinators reopen cases. Contact protocols start again from now."),
    ),
    CaseAction(
        "erase_request",
        "erase/request",
        _("Ask to erase the case"),
        f.EraseRequestForm,
        _erase_request,
        _("Asked. A second coordinator decides under Approvals; then you can erase the case."),
        coordinators_only=True,
        button=_("Ask to erase"),
        help=_(
            "Erasing deletes everything about the case and the requests accepted into it: "
            "names, story, notes, the conversation with the person, and their codename. "
            "A second coordinator must agree first."
        ),
    ),
    CaseAction(
        "erase",
        "erase",
        _("Erase the case"),
        f.EraseForm,
        _erase,
        _("The case was erased."),
        coordinators_only=True,
        button=_("Erase the case for good"),
        done_url="web:home",
    ),
    CaseAction(
        "correct_milestone",
        "milestones/correct",
        _("Correct a milestone's date"),
        f.CorrectMilestoneForm,
        _correct_milestone,
        _("The milestone's date was corrected."),
        needs_key=True,
    ),
    CaseAction(
        "retract_milestone",
        "milestones/retract",
        _("Retract a milestone recorded by mistake"),
        f.RetractMilestoneForm,
        _retract_milestone,
        _("The milestone was retracted; reports no longer count it."),
        needs_key=True,
        help=_("Retract later steps first: “Arrived” before “Left the country”."),
    ),
    CaseAction(
        "assign",
        "assign",
        _("Assign the case"),
        f.AssignForm,
        _assign,
        _("The case was assigned."),
        coordinators_only=True,
    ),
    CaseAction(
        "unassign",
        "unassign",
        _("Take someone off the case"),
        f.UnassignForm,
        _unassign,
        _("They are no longer on the case."),
        coordinators_only=True,
    ),
    CaseAction(
        "link",
        "link",
        _("Link to another case"),
        f.LinkForm,
        _link,
        _("The cases were linked."),
        coordinators_only=True,
        help=_(
            "Only coordinators see links. Cases linked by family, shelter or travel are "
            "flagged compromised when one of them has an incident."
        ),
    ),
    CaseAction(
        "risk",
        "risk",
        _("Assess the risk"),
        f.RiskForm,
        _risk,
        _("The risk was assessed."),
        needs_key=True,
    ),
    CaseAction(
        "protocol",
        "protocol",
        _("Set the contact protocol"),
        f.ProtocolForm,
        _protocol,
        _("The contact protocol was saved."),
        needs_key=True,
        prefill=_protocol_prefill,
        help=_(
            "The check-in and duress words are stored encrypted and compared only as keyed "
            "hashes. They are heard in portal messages and in every contact you record: in any "
            "form of the word, in Latin letters, and with one typo in words of five letters or "
            "more."
        ),
    ),
    CaseAction(
        "check_in",
        "check-in",
        _("Record a check-in"),
        f.CheckInForm,
        _check_in,
        _("The check-in was recorded."),
    ),
    CaseAction(
        "add_task",
        "tasks/add",
        _("Add a next action"),
        f.TaskForm,
        _add_task,
        _("The next action was added."),
        needs_key=True,
        section="tasks",
    ),
    CaseAction(
        "complete_task",
        "tasks/done",
        _("Mark an action done"),
        f.CompleteTaskForm,
        _complete_task,
        _("The action was marked done."),
        needs_key=True,
        section="tasks",
    ),
    CaseAction(
        "add_note",
        "notes/add",
        _("Add a note"),
        f.NoteForm,
        _add_note,
        _("The note was saved."),
        needs_key=True,
        drafts=True,
        help=_("What you type is kept, encrypted, if your session ends before you save."),
        section="notes",
    ),
    CaseAction(
        "add_expense",
        "expenses/add",
        _("Record an expense"),
        f.ExpenseForm,
        _add_expense,
        _("The expense was recorded."),
        section="costs",
    ),
    CaseAction(
        "add_placement",
        "placements/add",
        _("Record a placement"),
        f.PlacementForm,
        _add_placement,
        _("The placement was recorded."),
        needs_key=True,
        section="logistics",
    ),
    CaseAction(
        "end_placement",
        "placements/end",
        _("End a placement"),
        f.EndPlacementForm,
        _end_placement,
        _("The placement was ended."),
        section="logistics",
    ),
    CaseAction(
        "move_placement",
        "placements/move",
        _("Move to another shelter"),
        f.MovePlacementForm,
        _move_placement,
        _("The placement was moved."),
        needs_key=True,
        section="logistics",
    ),
    CaseAction(
        "add_leg",
        "legs/add",
        _("Plan a journey"),
        f.LegForm,
        _add_leg,
        _("The journey was recorded."),
        needs_key=True,
        section="logistics",
    ),
    CaseAction(
        "complete_leg",
        "legs/done",
        _("Record a completed journey"),
        f.CompleteLegForm,
        _complete_leg,
        _("The journey was recorded as completed."),
        section="logistics",
    ),
    CaseAction(
        "start_application",
        "applications/start",
        _("Start an application"),
        af.StartApplicationForm,
        _start_application,
        _("The application was started."),
        needs_key=True,
        help=_(
            "The reference number is stored encrypted; the route, authority and status "
            "are plain so the applications board can show them."
        ),
    ),
    CaseAction(
        "choose_plan",
        "plans/choose",
        _("Choose the plan for this case"),
        af.ChoosePlanForm,
        _choose_plan,
        _("The plan was chosen. If its route is paused, closed or changed, you will be alerted."),
        help=_(
            "Only the route (and the country to pass through) is stored, no fact about the "
            "person. Choosing another plan replaces this one."
        ),
    ),
    CaseAction(
        "application_status",
        "applications/status",
        _("Record what happened to an application"),
        af.ApplicationStatusForm,
        _application_status,
        _("The application's new status was recorded."),
        help=_(
            "Record each step on the day it happened. A denial needs its reason: our "
            "outcomes rank the routes for everyone's next case."
        ),
    ),
    CaseAction(
        "retract_application_status",
        "applications/retract",
        _("Withdraw a status recorded by mistake"),
        af.RetractStatusForm,
        _retract_status,
        _("The status was withdrawn; the application is back at the one before."),
        needs_key=True,
        help=_(
            "The application's last status is withdrawn. A grant withdrawn also takes back "
            "“Visa or permit granted” where no other grant covers the person."
        ),
    ),
    CaseAction(
        "consent",
        "consent",
        _("Change what the person agreed to"),
        f.ConsentForm,
        _consent,
        _("Their new answer is recorded; the earlier one stays in its history."),
        needs_key=True,
        help=_(
            "Record only what the person told us. Referrals and hand-overs to partners "
            "follow this answer."
        ),
    ),
    CaseAction(
        "raise_incident",
        "incidents/raise",
        _("Raise an incident"),
        f.RaiseIncidentForm,
        _raise_incident,
        INCIDENT_RAISED,
    ),
)


def _initial(request: HttpRequest, action: CaseAction) -> dict[str, object]:
    initial: dict[str, object] = dict.fromkeys(
        getattr(action.form, "TODAY_FIELDS", ()), clock.today()
    )
    for name in ("task", "placement", "leg", "person", "route", "application", "milestone"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    if action.drafts:
        initial.update(initial_from_draft(request))
    return initial


def action_view(action: CaseAction) -> Callable[..., HttpResponseBase]:
    """The page of one action: GET shows the form, POST runs the service.

    Asked from inside its section of the case page (staff.js sends `X-Corridor-Section`),
    the same view answers with fragments instead: the form alone, the form again with
    its errors (400), or, once saved, the section as it is now; where it would redirect
    (the case must be opened first, a re-authentication, a logout) it says where to go.
    Without JavaScript nothing changes: a page of its own, then back to the case."""

    @require_http_methods(["GET", "HEAD", "POST"])
    @staff_required
    def view(request: HttpRequest, ref: str) -> HttpResponseBase:
        staff = current_staff(request)
        case = case_for(request, ref, page=action.name, coordinators_only=action.coordinators_only)
        in_section = _in_section(request, action)
        if action.needs_key and not may_hold_key(staff, case):
            messages.info(request, OPEN_FIRST)
            return redirect("web:case_open", ref=case.ref)
        posted = request.method == "POST"
        initial = None if posted else _initial(request, action)
        if initial is not None and action.prefill is not None:
            initial = {**action.prefill(request, staff, case), **initial}
        form = action.form(request.POST if posted else None, case=case, initial=initial)
        # When this session last confirmed password and factor (break-glass actions read it).
        if isinstance(form, f.CaseForm):
            form.confirmed_at = sessions.recent_auth_at(request)
        if form.is_valid():
            before = _elsewhere(case) if in_section else None
            try:
                result = action.run(staff, case, form)
            except assignment.SelfAssignReauthNeeded:
                return sessions.reauth_redirect(request)
            except CorridorError as problem:
                form.add_error(None, str(problem))
            else:
                if action.drafts:
                    forget_draft(request)
                # What was done but deserves a second look (a placement overlapping another
                # of the same person): said on the case page, so not saved inside the section.
                warnings = [str(w) for w in getattr(result, "warnings", None) or []]
                for warning in warnings:
                    messages.warning(request, warning)
                if (
                    in_section
                    and not warnings
                    and not isinstance(result, Incident | Approval)
                    and _only_in_section(action, before, _elsewhere(case))
                ):
                    return _section_saved(request, staff, case, action)
                if isinstance(result, Incident):
                    messages.warning(request, INCIDENT_RAISED)
                elif isinstance(result, Approval):
                    messages.info(request, SELF_ASSIGN_ASKED)
                else:
                    messages.success(request, action.done)
                if action.done_url != "web:case":
                    return redirect(action.done_url)
                return redirect("web:case", ref=case.ref)
        record_case_view(staff, case, page=action.name)
        context = {"case": case, "action": action, "form": form, "button": action.button or SAVE}
        template = "web/cases/action_in_section.html" if in_section else action.template
        response = render(request, template, context, status=400 if form.errors else 200)
        if in_section:
            response[PARTIAL_HEADER] = "form"
        return response

    view.__name__ = view.__qualname__ = f"case_{action.name}"
    return _redirects_said_to_sections(view)


# Sent by staff.js: the name of the case page's section a form was opened from.
SECTION_HEADER = "X-Corridor-Section"
# Answered: what the fragment is ("form" or "section"), or, with no body, where to go.
PARTIAL_HEADER = "X-Corridor-Partial"
GO_HEADER = "X-Corridor-Go"


def _in_section(request: HttpRequest, action: CaseAction) -> bool:
    asked = request.headers.get(SECTION_HEADER, "")
    return bool(action.section) and asked == action.section


def _elsewhere(case: Case) -> tuple[str, int]:
    """What a save may change beyond its own section: the case's phase (in the page's
    head) and its milestones (a placement or a completed journey records them)."""
    phase = Case.objects.filter(pk=case.pk).values_list("phase", flat=True).first() or ""
    return phase, case.milestones.count()


def _only_in_section(
    action: CaseAction, before: tuple[str, int] | None, after: tuple[str, int]
) -> bool:
    """True when swapping in the action's section alone shows everything the save changed;
    otherwise the whole page is loaded again (a journey completed moves the phase)."""
    if before is None or before[0] != after[0]:
        return False
    return before[1] == after[1] or action.section == "milestones"


def _section_saved(
    request: HttpRequest, staff: Staff, case: Case, action: CaseAction
) -> HttpResponseBase:
    """The section the save was made from, as the case page would now show it."""
    context = case_page_context(request, staff, case, whole=False)
    context["section_template"] = f"web/cases/_section_{action.section}.html"
    context["done"] = action.done
    response = render(request, "web/cases/section_saved.html", context)
    response[PARTIAL_HEADER] = "section"
    return response


def _redirects_said_to_sections(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A redirect asked for from inside a section (login, re-authentication, opening the
    case first) is said as a header, so the script goes there itself and the messages
    queued for the next page are read by that page, not by a fetch nobody shows."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if request.headers.get(SECTION_HEADER):
            patch_vary_headers(response, (SECTION_HEADER,))
            if response.status_code in (301, 302, 303, 307, 308):
                said = HttpResponse(status=204)
                said[GO_HEADER] = response["Location"]
                patch_vary_headers(said, (SECTION_HEADER,))
                return said
        return response

    return wrapped


def action_urls() -> list[URLPattern]:
    return [
        path(f"cases/<caseref:ref>/{action.path}/", action_view(action), name=f"case_{action.name}")
        for action in ACTIONS
    ]
