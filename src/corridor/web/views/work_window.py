"""The work window: how long working on a case keeps its opening open (coordinators)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from corridor.accounts.roles import Role
from corridor.cases.services.openings import (
    WORK_WINDOW_CEILING,
    set_work_window,
    work_window,
)
from corridor.core.exceptions import CorridorError
from corridor.web.decorators import current_staff, role_required
from corridor.web.forms import WorkWindowForm


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def work_window_settings(request: HttpRequest) -> HttpResponse:
    current = _minutes(work_window())
    form = WorkWindowForm(
        request.POST if request.method == "POST" else None, initial={"minutes": current}
    )
    if form.is_valid():
        minutes = form.cleaned_data["minutes"]
        try:
            set_work_window(actor=current_staff(request), minutes=minutes)
        except CorridorError as problem:
            form.add_error("minutes", str(problem))
        else:
            saved = ngettext(
                "Saved: openings now stay open up to %(minutes)s minute while people work.",
                "Saved: openings now stay open up to %(minutes)s minutes while people work.",
                minutes,
            )
            messages.success(request, saved % {"minutes": minutes})
            return redirect("web:work_window")
    context = {"form": form, "current": current, "ceiling": _minutes(WORK_WINDOW_CEILING)}
    status = 400 if form.errors else 200
    return render(request, "web/settings/work_window.html", context, status=status)
