"""The first page after login: what needs this person's attention, danger first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from corridor.accounts import approvals
from corridor.accounts.roles import Role
from corridor.accounts.selectors import open_alerts, roles_of
from corridor.cases.dashboards import list_my_cases_by_danger
from corridor.intake.selectors import INBOX_ROLES, count_unread_requests
from corridor.web.case_forms import FindCaseForm
from corridor.web.decorators import current_staff


def dashboard(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    roles = roles_of(staff)
    works_cases = bool(roles & {Role.CASEWORKER, Role.COORDINATOR})
    context = {
        "roles": sorted(role.label for role in roles),
        "alerts": list(open_alerts(staff)[:20]),
        "pending_approvals": approvals.pending_for(staff).count(),
        "waiting_requests": count_unread_requests(staff) if roles & INBOX_ROLES else 0,
        "works_cases": works_cases,
        "my_cases": list_my_cases_by_danger(staff) if works_cases else [],
        "find_form": FindCaseForm(),
    }
    return render(request, "web/dashboard.html", context)
