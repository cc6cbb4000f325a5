"""The administrator's pages: accounts, roles, and the gated account changes.

An administrator sees usernames, roles and factors, never personal data.
Granting a data role, resetting someone's password or factors and revoking
their device each need a granted approval from a second person (or the
emergency path); the page asks for one, then carries it out once granted.
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
from corridor.accounts.roles import DATA_ROLES, Role
from corridor.accounts.selectors import factors_of, list_staff, roles_of
from corridor.core.exceptions import CorridorError
from corridor.web.decorators import current_staff, role_required
from corridor.web.forms import CreateStaffForm, DeviceForm, GatedActionForm, RoleForm

REQUESTED = _("Approval requested. A second person must grant it before it takes effect.")
DONE = _("Done.")
EMERGENCY_DONE = _("Done on your approval alone. A coordinator must review it within 24 hours.")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.ADMIN)
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = current_staff(request)
    form = CreateStaffForm(request.POST if request.method == "POST" else None)
    created: tuple[Staff, str] | None = None
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
        "roles": sorted(roles_of(target), key=lambda r: r.value),
        "all_roles": list(Role),
        "data_roles": DATA_ROLES,
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
    try:
        if action == "revoke":
            accounts.revoke_role(actor=actor, staff=target, role=role)
            messages.success(request, DONE)
        elif role in DATA_ROLES and not _has_go_ahead(gated):
            approvals.request_approval(
                actor=actor,
                kind=ApprovalKind.GRANT_DATA_ROLE,
                target_type="staff",
                target_id=str(target.pk),
                payload={"role": role.value},
                reason="role_change",
            )
            messages.info(request, REQUESTED)
        else:
            accounts.grant_role(actor=actor, staff=target, role=role, **_go_ahead(gated))
            messages.success(request, _done_message(gated))
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:staff_detail", staff_id=target.pk)


@require_POST
@role_required(Role.ADMIN)
def staff_active(request: HttpRequest, staff_id: int) -> HttpResponse:
    actor, target = current_staff(request), _target(request, staff_id)
    try:
        accounts.set_active(actor=actor, staff=target, active=request.POST.get("active") == "1")
        messages.success(request, DONE)
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
            accounts.reset_factors(actor=actor, staff=target, **_go_ahead(form))
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
