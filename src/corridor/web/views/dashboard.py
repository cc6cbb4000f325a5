"""The first page after login: what needs this person's attention."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from corridor.accounts import approvals
from corridor.accounts.selectors import open_alerts, roles_of
from corridor.intake.selectors import INBOX_ROLES, count_unread_requests
from corridor.web.decorators import current_staff


def dashboard(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    roles = roles_of(staff)
    context = {
        "roles": sorted(role.label for role in roles),
        "alerts": list(open_alerts(staff)[:20]),
        "pending_approvals": approvals.pending_for(staff).count(),
        "waiting_requests": count_unread_requests(staff) if roles & INBOX_ROLES else 0,
    }
    return render(request, "web/dashboard.html", context)
