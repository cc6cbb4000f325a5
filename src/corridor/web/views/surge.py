"""Evacuation nights: a coordinator lifts, for a few hours, the case-key limit and the insider
threshold of the people listed (accounts.surges)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import surges as nights
from corridor.accounts.models import Staff
from corridor.accounts.roles import DATA_ROLES, Role
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.web.decorators import current_staff, role_required
from corridor.web.forms import SurgeForm

OPENED = _("The evacuation night is open. The other coordinators have been told.")
CLOSED = _("The evacuation night is closed; everyone is back to the usual limit.")


def _people() -> QuerySet[Staff]:
    return (
        Staff.objects.filter(is_active=True, groups__name__in=[role.value for role in DATA_ROLES])
        .distinct()
        .order_by("username")
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def surges(request: HttpRequest) -> HttpResponse:
    form = SurgeForm(request.POST or None, people=_people())
    if request.method == "POST" and form.is_valid():
        try:
            nights.open_surge(
                actor=current_staff(request),
                name=form.cleaned_data["name"],
                reason=form.cleaned_data["reason"],
                members=list(form.cleaned_data["members"]),
                hours=form.cleaned_data["hours"],
                threshold=form.cleaned_data["threshold"],
            )
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, OPENED)
            return redirect("web:surges")
    context = {
        "form": form,
        "surges": list(nights.list_recent_surges()),
        "now": clock.now(),
    }
    return render(request, "web/surges.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def surge_close(request: HttpRequest, surge_id: UUID) -> HttpResponse:
    surge = nights.get_surge(surge_id)
    if surge is None:
        raise Http404
    try:
        nights.close_surge(actor=current_staff(request), surge=surge)
        messages.success(request, CLOSED)
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:surges")
