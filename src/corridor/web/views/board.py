"""The coordinator's board: incidents first, people in motion, every open case by phase,
the unassigned queue, workload, approvals, insider alerts and running evacuation nights.

Everything here is codes, counts and references: the board decrypts nothing.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import approvals, surges
from corridor.accounts.roles import Role
from corridor.cases import dashboards
from corridor.cases.models import Phase
from corridor.cases.services import insider
from corridor.core import clock
from corridor.intake.selectors import list_overdue_requests
from corridor.web.board_rows import board_rows
from corridor.web.case_forms import AlertReviewForm, FindCaseForm
from corridor.web.decorators import current_staff, role_required
from corridor.web.outcomes import carry_out

ALERT_REVIEWED = _("Review recorded.")


@require_http_methods(["GET", "HEAD"])
@role_required(Role.COORDINATOR)
def board(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    phase = request.GET.get("phase", "")
    listing = None
    if phase:
        if phase not in Phase.values:
            raise Http404
        after = request.GET.get("after", "")[:20]
        listing = dashboards.list_cases_in_phase(Phase(phase), after=after)
    context = {
        "rows": board_rows(dashboards.coordinator_board()),
        "phase": Phase(phase) if phase else None,
        "listing": listing,
        "page_size": dashboards.PHASE_PAGE,
        # The board only counts them (up to 20); the approvals page shows them.
        "waiting": list(approvals.pending_for(staff).values_list("pk", flat=True)[:20]),
        "emergencies": list(
            approvals.emergencies_awaiting_review().values_list("pk", flat=True)[:20]
        ),
        "review_form": AlertReviewForm(),
        "find_form": FindCaseForm(),
        "threshold": surges.normal_threshold(),
        # Provisional acceptances past full verification and suspected requests past
        # their second review: references and deadlines only.
        "overdue_requests": list(list_overdue_requests(clock.now())[:50]),
    }
    return render(request, "web/board.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def alert_review(request: HttpRequest, alert_id: UUID) -> HttpResponse:
    alert = insider.get_insider_alert(alert_id)
    if alert is None:
        raise Http404
    form = AlertReviewForm(request.POST)
    outcome = form.cleaned_data["outcome"] if form.is_valid() else ""
    carry_out(
        request,
        lambda: insider.review_insider_alert(
            actor=current_staff(request), alert=alert, outcome=outcome
        ),
        done=ALERT_REVIEWED,
    )
    return redirect("web:board")
