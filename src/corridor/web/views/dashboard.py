"""The first page after login: what needs this person's attention, danger first."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from corridor.accounts import approvals, oncall
from corridor.accounts.alerts import DISMISS_REASON_NEEDED, concerns, dismiss_alert
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.danger import Tier
from corridor.cases.dashboards import list_my_cases_by_danger
from corridor.intake.selectors import INBOX_ROLES, count_unread_requests
from corridor.web.case_forms import FindCaseForm
from corridor.web.decorators import current_staff, staff_required
from corridor.web.forms import AlertDismissForm
from corridor.web.outcomes import carry_out

# Alerts and cases a dashboard lists before folding the rest under their number (every
# case with a reason to act now shows).
SHOWN_FIRST = 10
ALERT_DISMISSED = _("The alert is dismissed. The audit log records who did it and why.")


def dashboard(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    roles = roles_of(staff)
    works_cases = bool(roles & {Role.CASEWORKER, Role.COORDINATOR})
    waiting = [
        (alert, oncall.severity(alert.code), not concerns(alert, staff))
        for alert in oncall.waiting_alerts(staff)
    ]
    my_cases = list_my_cases_by_danger(staff) if works_cases else []
    # Danger first: every case with a reason to act now shows, then up to SHOWN_FIRST; the
    # calmer rest fold, so a phone does not scroll through fifty stacked rows.
    shown = max(SHOWN_FIRST, sum(1 for row in my_cases if row.tier < Tier.PAST_TARGET))
    context = {
        "roles": sorted(role.label for role in roles),
        # Every waiting alert, danger first; each with its severity and whether this person
        # may acknowledge or dismiss it (never one that concerns them). Acknowledged ones
        # are not waiting, and routine ones nobody took expire into the digest; past the
        # first SHOWN_FIRST the rest are folded under their number, never left out.
        "alerts": waiting[:SHOWN_FIRST],
        "more_alerts": waiting[SHOWN_FIRST:],
        "is_coordinator": Role.COORDINATOR in roles,
        "dismiss_form": AlertDismissForm(),
        "pending_approvals": approvals.pending_for(staff).count(),
        "waiting_requests": count_unread_requests(staff) if roles & INBOX_ROLES else 0,
        "works_cases": works_cases,
        "my_cases": my_cases[:shown],
        "more_cases": my_cases[shown:],
        "find_form": FindCaseForm(),
    }
    return render(request, "web/dashboard.html", context)


@require_POST
@staff_required
def alert_dismiss(request: HttpRequest, alert_id: UUID) -> HttpResponse:
    """Dismiss one of one's own alerts with a reason (accounts.alerts.dismiss_alert refuses
    one about oneself or one's own act)."""
    form = AlertDismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, DISMISS_REASON_NEEDED)
        return redirect("web:home")
    staff = current_staff(request)
    reason = form.cleaned_data["reason"]
    carry_out(
        request,
        lambda: dismiss_alert(actor=staff, alert_id=str(alert_id), reason=reason),
        done=ALERT_DISMISSED,
    )
    return redirect("web:home")
