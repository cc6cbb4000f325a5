"""Approvals: requests waiting for me, my own requests, emergencies to review, on-call pools."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, OnCallMembership
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.core.exceptions import CorridorError
from corridor.web.approval_words import ApprovalWords, describe_approval
from corridor.web.decorators import current_staff, role_required
from corridor.web.forms import RefuseForm, ReviewForm

GRANTED = _("Granted. The person who asked can now carry it out.")
REFUSED = _("Refused.")
REVIEWED = _("Review recorded.")


def _worded(rows: Iterable[Approval]) -> list[tuple[Approval, ApprovalWords]]:
    return [(approval, describe_approval(approval)) for approval in rows]


@require_http_methods(["GET", "HEAD"])
@role_required(Role.ADMIN, Role.COORDINATOR)
def approval_list(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    mine = Approval.objects.filter(requested_by=staff).order_by("-created_at")[:50]
    is_coordinator = Role.COORDINATOR in roles_of(staff)
    context = {
        "waiting": _worded(approvals.pending_for(staff).select_related("requested_by")),
        "mine": _worded(mine),
        "emergencies": _worded(
            approvals.emergencies_awaiting_review().select_related("requested_by")
        )
        if is_coordinator
        else [],
        "refuse_form": RefuseForm(),
        "review_form": ReviewForm(),
        "kinds": ApprovalKind.choices,
        "my_pools": set(
            OnCallMembership.objects.filter(staff=staff).values_list("kind", flat=True)
        ),
        "statuses": ApprovalStatus,
    }
    return render(request, "web/approvals.html", context)


@require_POST
@role_required(Role.ADMIN, Role.COORDINATOR)
def approval_decide(request: HttpRequest, approval_id: UUID, decision: str) -> HttpResponse:
    staff = current_staff(request)
    if decision not in ("grant", "refuse"):
        raise Http404
    try:
        if decision == "grant":
            approvals.grant_approval(actor=staff, approval_id=str(approval_id))
            messages.success(request, GRANTED)
        else:
            form = RefuseForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else "not_expected"
            approvals.refuse_approval(actor=staff, approval_id=str(approval_id), reason=reason)
            messages.success(request, REFUSED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:approvals")


@require_POST
@role_required(Role.COORDINATOR)
def approval_review(request: HttpRequest, approval_id: UUID) -> HttpResponse:
    form = ReviewForm(request.POST)
    try:
        if not form.is_valid():
            raise CorridorError(str(_("Choose an outcome.")))
        approvals.review_emergency(
            actor=current_staff(request),
            approval_id=str(approval_id),
            outcome=form.cleaned_data["outcome"],
        )
        messages.success(request, REVIEWED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:approvals")


@require_POST
@role_required(Role.ADMIN, Role.COORDINATOR)
def on_call(request: HttpRequest) -> HttpResponse:
    """Join or leave the on-call pool for one kind of approval."""
    staff = current_staff(request)
    kind = request.POST.get("kind", "")
    if kind in ApprovalKind.values:
        approvals.set_on_call(actor=staff, kind=kind, on=request.POST.get("on") == "1")
    return redirect("web:approvals")
