"""Standby accounts and suspension, for coordinators (and administrators).

One page: suspend a colleague at once; register a standby (asked here, granted by a
second coordinator on the approvals page, then carried out here); put a registered
standby on duty for a few hours, or take them off it. Every one-person act on this
page alerts every coordinator and auditor.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import approvals, standby
from corridor.accounts import services as accounts
from corridor.accounts.models import (
    Approval,
    ApprovalKind,
    ApprovalStatus,
    Staff,
    Standby,
    StandbyActivation,
)
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.core.exceptions import CorridorError
from corridor.web.decorators import current_staff, role_required
from corridor.web.forms import ActivateStandbyForm, RegisterStandbyForm, SuspendForm

SUSPENDED = _("The account is suspended. Every coordinator and auditor has been alerted.")
ASKED = _("Approval requested. Another coordinator must grant it before it takes effect.")
REGISTERED = _("The standby is registered. It holds no role until someone puts it on duty.")
ON_DUTY = _("The standby is on duty. Every coordinator and auditor has been alerted.")
OFF_DUTY = _("The standby is off duty and their sessions have ended.")


def _active_staff() -> QuerySet[Staff]:
    return Staff.objects.filter(is_active=True).order_by("username")


@require_http_methods(["GET", "HEAD"])
@role_required(Role.COORDINATOR, Role.ADMIN)
def standby_page(request: HttpRequest) -> HttpResponse:
    actor = current_staff(request)
    people = _active_staff()
    granted = Approval.objects.filter(
        kind=ApprovalKind.REGISTER_STANDBY, requested_by=actor, status=ApprovalStatus.GRANTED
    ).order_by("-created_at")
    names = {str(person.pk): person.username for person in Staff.objects.all()}
    context = {
        "suspend_form": SuspendForm(people=people),
        "register_form": RegisterStandbyForm(people=people),
        "activate_form": ActivateStandbyForm(),
        "standbys": list(standby.list_standbys()),
        "on_duty": list(standby.on_duty()),
        "granted": [(approval, names.get(approval.target_id, "")) for approval in granted],
        "is_coordinator": Role.COORDINATOR in roles_of(actor),
    }
    return render(request, "web/standby.html", context)


@require_POST
@role_required(Role.COORDINATOR, Role.ADMIN)
def standby_suspend(request: HttpRequest) -> HttpResponse:
    form = SuspendForm(request.POST, people=_active_staff())
    if not form.is_valid():
        messages.error(request, _("Choose an account."))
        return redirect("web:standby")
    try:
        accounts.suspend_staff(actor=current_staff(request), staff=form.cleaned_data["staff"])
        messages.warning(request, SUSPENDED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:standby")


@require_POST
@role_required(Role.COORDINATOR, Role.ADMIN)
def standby_register(request: HttpRequest) -> HttpResponse:
    """Ask for a registration, or carry out one a second coordinator has granted."""
    actor = current_staff(request)
    form = RegisterStandbyForm(request.POST, people=Staff.objects.order_by("username"))
    if not form.is_valid():
        messages.error(request, _("Choose an account and a role."))
        return redirect("web:standby")
    person, role = form.cleaned_data["staff"], Role(form.cleaned_data["role"])
    approval = form.cleaned_data.get("approval")
    try:
        if approval:
            standby.register_standby(
                actor=actor, staff=person, role=role, approval_id=str(approval)
            )
            messages.success(request, REGISTERED)
        else:
            approvals.request_approval(
                actor=actor,
                kind=ApprovalKind.REGISTER_STANDBY,
                target_type="staff",
                target_id=str(person.pk),
                payload={"role": role.value},
                reason="standby",
            )
            messages.info(request, ASKED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:standby")


@require_POST
@role_required(Role.COORDINATOR)
def standby_activate(request: HttpRequest, standby_id: UUID) -> HttpResponse:
    registered = Standby.objects.filter(pk=standby_id).first()
    if registered is None:
        raise Http404
    form = ActivateStandbyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how long and why."))
        return redirect("web:standby")
    try:
        standby.activate_standby(
            actor=current_staff(request),
            standby=registered,
            hours=form.cleaned_data["hours"],
            reason=form.cleaned_data["reason"],
        )
        messages.warning(request, ON_DUTY)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:standby")


@require_POST
@role_required(Role.COORDINATOR)
def standby_end(request: HttpRequest, activation_id: UUID) -> HttpResponse:
    activation = StandbyActivation.objects.filter(pk=activation_id).first()
    if activation is None:
        raise Http404
    standby.end_standby(actor=current_staff(request), activation=activation)
    messages.success(request, OFF_DUTY)
    return redirect("web:standby")
