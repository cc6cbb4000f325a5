"""The administrator's pages: accounts, roles, and the gated account changes.

An administrator sees usernames, roles and factors, never personal data.
Granting or removing a data role or the auditor's, switching their holder off or
on, and resetting their password or factors each need a coordinator's granted
approval, with no emergency path; the page asks for one, then carries it out once
granted. Suspending an account is at once (and alerts every coordinator and
auditor); coordinators suspend from the standby page (web/views/standby.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import approvals
from corridor.accounts import services as accounts
from corridor.accounts.access import StaffNotFound, access_staff_by_id
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, Staff
from corridor.accounts.roles import TWO_PERSON_GRANTS, TWO_PERSON_ROLES, Role
from corridor.accounts.selectors import factors_of, held_roles, list_staff, roles_of
from corridor.core.exceptions import CorridorError
from corridor.web.decorators import current_staff, role_required
from corridor.web.forms import CreateStaffForm, DeviceForm, GatedActionForm, RoleForm

REQUESTED = _("Approval requested. A second person must grant it before it takes effect.")
DONE = _("Done.")
EMERGENCY_DONE = _("Done on your approval alone. A coordinator must review it within 24 hours.")
SUSPENDED = _("The account is suspended. Every coordinator and auditor has been alerted.")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = current_staff(request)
    form = CreateStaffForm(request.POST if request.method == "POST" else None)
    created: tuple[Staff, str, str | None] | None = None
    if form.is_valid():
        try:
            created = accounts.create_staff_with_temporary_password(
                actor=actor, username=form.cleaned_data["username"]
            )
        except (CorridorError, ValidationError) as problem:
            form.add_error("username", _message(problem))
    rows = [(staff, sorted(r.label for r in roles_of(staff))) for staff in list_staff()]
    status = 400 if form.errors else 200
    context = {"rows": rows, "form": form, "created": created}
    return render(request, "web/staff/list.html", context, status=status)


@require_http_methods(["GET", "HEAD"])
@role_required(Role.ADMIN)
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    target = _target(request, staff_id)
    granted = Approval.objects.filter(
        requested_by=current_staff(request),
        target_type="staff",
        target_id=str(target.pk),
        status__in=[ApprovalStatus.PENDING, ApprovalStatus.GRANTED],
    ).order_by("-created_at")
    context = {
        "target": target,
        "roles": sorted(held_roles(target), key=lambda r: r.value),
        "all_roles": list(Role),
        "guarded": bool(held_roles(target) & TWO_PERSON_ROLES),
        "factors": factors_of(target),
        "approvals": list(granted),
        "role_form": RoleForm(),
        "gated_form": GatedActionForm(),
    }
    return render(request, "web/staff/detail.html", context)


@require_POST
@role_required(Role.ADMIN)
def staff_role(request: HttpRequest, staff_id: int, action: str) -> HttpResponse:
    if action not in ("grant", "revoke"):
        raise Http404
    actor, target = current_staff(request), _target(request, staff_id)
    form = RoleForm(request.POST)
    gated = GatedActionForm(request.POST)
    if not (form.is_valid() and gated.is_valid()):
        messages.error(request, _("Choose a role."))
        return redirect("web:staff_detail", staff_id=target.pk)
    role = Role(form.cleaned_data["role"])
    kind = ApprovalKind.GRANT_DATA_ROLE if action == "grant" else ApprovalKind.REVOKE_DATA_ROLE
    approval_id = _approval_id(gated)
    try:
        two_person = TWO_PERSON_GRANTS if action == "grant" else TWO_PERSON_ROLES
        if role in two_person and approval_id is None:
            approvals.request_approval(
                actor=actor,
                kind=kind,
                target_type="staff",
                target_id=str(target.pk),
                payload={"role": role.value},
                reason="role_change",
            )
            messages.info(request, REQUESTED)
        elif action == "revoke":
            accounts.revoke_role(actor=actor, staff=target, role=role, approval_id=approval_id)
            messages.success(request, DONE)
        else:
            accounts.grant_role(actor=actor, staff=target, role=role, approval_id=approval_id)
            messages.success(request, DONE)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:staff_detail", staff_id=target.pk)


@require_POST
@role_required(Role.ADMIN)
def staff_active(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Switch an account off or on; for a data role's holder (or to undo a suspension)
    ask a coordinator first, then carry it out once granted."""
    actor, target = current_staff(request), _target(request, staff_id)
    gated = GatedActionForm(request.POST)
    active = request.POST.get("active") == "1"
    approval_id = _approval_id(gated) if gated.is_valid() else None
    needs_second = bool(held_roles(target) & TWO_PERSON_ROLES) or (
        active and target.suspended_at is not None
    )
    try:
        if needs_second and approval_id is None:
            approvals.request_approval(
                actor=actor,
                kind=ApprovalKind.SET_ACTIVE,
                target_type="staff",
                target_id=str(target.pk),
                payload={"active": int(active)},
                reason="account_support",
            )
            messages.info(request, REQUESTED)
        else:
            accounts.set_active(actor=actor, staff=target, active=active, approval_id=approval_id)
            messages.success(request, DONE)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:staff_detail", staff_id=target.pk)


@require_POST
@role_required(Role.ADMIN)
def staff_suspend(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Cut the account off now; undoing it needs a coordinator's approval."""
    actor, target = current_staff(request), _target(request, staff_id)
    try:
        accounts.suspend_staff(actor=actor, staff=target)
        messages.warning(request, SUSPENDED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:staff_detail", staff_id=target.pk)


@require_POST
@role_required(Role.ADMIN)
def staff_gated(request: HttpRequest, staff_id: int, kind: str) -> HttpResponse:
    """Reset password, reset factors, or revoke a device: ask, or carry out once granted."""
    actor, target = current_staff(request), _target(request, staff_id)
    if kind not in (
        ApprovalKind.RESET_PASSWORD,
        ApprovalKind.RESET_FACTORS,
        ApprovalKind.REVOKE_DEVICE,
    ):
        raise Http404
    form = (
        DeviceForm(request.POST)
        if kind == ApprovalKind.REVOKE_DEVICE
        else GatedActionForm(request.POST)
    )
    if not form.is_valid():
        messages.error(request, _("Something in the form was not valid; reload and try again."))
        return redirect("web:staff_detail", staff_id=target.pk)
    payload = {"device": form.cleaned_data["device"]} if "device" in form.cleaned_data else {}
    try:
        if not _has_go_ahead(form):
            approvals.request_approval(
                actor=actor,
                kind=kind,
                target_type="staff",
                target_id=str(target.pk),
                payload=payload,
                reason="account_support",
            )
            messages.info(request, REQUESTED)
            return redirect("web:staff_detail", staff_id=target.pk)
        if kind == ApprovalKind.RESET_PASSWORD:
            password = accounts.reset_password(actor=actor, staff=target, **_go_ahead(form))
            return render(
                request,
                "web/staff/one_time_password.html",
                {"target": target, "password": password},
            )
        if kind == ApprovalKind.RESET_FACTORS:
            code = accounts.reset_factors(actor=actor, staff=target, **_go_ahead(form))
            if code:
                # keyd's enrolment code for the new factor: shown once, as a password is.
                return render(
                    request,
                    "web/staff/one_time_password.html",
                    {"target": target, "password": None, "enrolment_code": code},
                )
        else:
            accounts.revoke_device(
                actor=actor, staff=target, device=payload["device"], **_go_ahead(form)
            )
        messages.success(request, _done_message(form))
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:staff_detail", staff_id=target.pk)


def _target(request: HttpRequest, staff_id: int) -> Staff:
    try:
        return access_staff_by_id(current_staff(request), staff_id)
    except StaffNotFound:
        raise Http404 from None


def _approval_id(form: GatedActionForm) -> str | None:
    approval = form.cleaned_data.get("approval")
    return str(approval) if approval else None


def _has_go_ahead(form: GatedActionForm) -> bool:
    return bool(form.cleaned_data.get("approval") or form.cleaned_data.get("emergency"))


def _go_ahead(form: GatedActionForm) -> dict[str, str | None]:
    approval = form.cleaned_data.get("approval")
    return {
        "approval_id": str(approval) if approval else None,
        "emergency_reason": form.cleaned_data.get("emergency") or None,
    }


def _done_message(form: GatedActionForm) -> str:
    return str(EMERGENCY_DONE if form.cleaned_data.get("emergency") else DONE)


def _message(problem: Exception) -> str:
    if isinstance(problem, ValidationError):
        return " ".join(problem.messages)
    return str(problem)
