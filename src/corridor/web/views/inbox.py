"""The requests inbox: portal requests for verifiers and coordinators; hotline operators see
the requests they recorded. Opening a request the first time unseals it (the key
provider re-seals it under the request's own key); every reading of its answers and
thread goes through intake.access, which records it.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import sessions
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.services.insider import step_up_needed
from corridor.core.exceptions import CorridorError
from corridor.intake.access import (
    access_opened_request_by_id,
    access_request_by_id,
)
from corridor.intake.carryover import preview_lines
from corridor.intake.errors import RequestNotFound
from corridor.intake.models import Signal, Status
from corridor.intake.questions import describe_answers
from corridor.intake.selectors import INBOX_ROLES, SCREENING_ROLES, list_flags, list_inbox
from corridor.intake.services.decisions import DECIDABLE
from corridor.intake.services.deletion import cancel_deletion
from corridor.intake.services.flood import dismiss_flood, flood_requests
from corridor.intake.services.messages import file_requester_messages, send_team_reply
from corridor.intake.services.opening import open_request
from corridor.vault.errors import VaultError
from corridor.web.decorators import current_staff, role_required
from corridor.web.drafts import forget_draft, initial_from_draft
from corridor.web.forms import ReplyForm
from corridor.web.screening_forms import DecisionForm

DELETION_CANCELLED = _("The deletion is cancelled; the person sees it in their conversation.")
REPLY_SENT = _("Reply sent. The person reads it when they come back with their codename.")
KEYS_UNAVAILABLE = _(
    "The request cannot be opened now: the key service is sealed or unreachable. "
    "Ask an operator to unseal it."
)


@require_http_methods(["GET", "HEAD"])
@role_required(*INBOX_ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    rows = list(list_inbox(staff)[:200])
    flood = len(flood_requests(staff)) if roles_of(staff) & SCREENING_ROLES else 0
    return render(request, "web/inbox/list.html", {"rows": rows, "flood_count": flood})


@require_POST
@role_required(*SCREENING_ROLES)
def flood_dismiss(request: HttpRequest) -> HttpResponse:
    """Decline every waiting request flagged `flood` (each audited on its own)."""
    count = dismiss_flood(actor=current_staff(request))
    messages.success(
        request,
        ngettext(
            "%(count)s request from a flood was declined.",
            "%(count)s requests from a flood were declined.",
            count,
        )
        % {"count": count},
    )
    return redirect("web:inbox")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*INBOX_ROLES, Role.CASEWORKER)
def request_detail(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """The request's answers and thread, and the reply form (which posts here)."""
    staff = current_staff(request)
    try:
        item = access_request_by_id(staff, request_id)
    except RequestNotFound:
        raise Http404 from None
    if item.sealed_answers is not None:
        may_cancel = Role.COORDINATOR in roles_of(staff)
        context = {"item": item, "may_cancel_deletion": may_cancel}
        return render(request, "web/inbox/sealed.html", context)
    form = ReplyForm(
        request.POST if request.method == "POST" else None, initial=initial_from_draft(request)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                send_team_reply(actor=staff, request_id=item.id, text=form.cleaned_data["text"])
                forget_draft(request)
                messages.success(request, REPLY_SENT)
                return redirect("web:request_detail", request_id=item.id)
            except CorridorError as problem:
                form.add_error("text", str(problem))
        status = 400
    # As before opening a case: while an insider alert stands against this person, each
    # reading of a request's answers and thread waits for their password and code again.
    if step_up_needed(staff, confirmed_at=sessions.recent_auth_at(request)):
        return sessions.reauth_redirect(request)
    try:
        file_requester_messages(actor=staff, request_id=item.id)
        opened = access_opened_request_by_id(staff, item.id)
    except VaultError:
        messages.error(request, KEYS_UNAVAILABLE)
        return redirect("web:inbox")
    screening = bool(roles_of(staff) & SCREENING_ROLES)
    context = {
        "item": item,
        "answers": describe_answers(opened.answers),
        "thread": opened.thread,
        "reachable": opened.reachable and item.status != Status.SUSPECTED,
        "form": form,
        "signals": [(code, Signal(code).label) for code in list_flags(item)] if screening else None,
        "decision_form": DecisionForm() if screening and item.status in DECIDABLE else None,
        # What accepting would write into a case, from the answers just read (and audited).
        "carry_over": preview_lines(opened.answers)
        if screening and item.status in DECIDABLE
        else None,
        "waiting": item.case_id is not None and item.carried_at is None,
        "may_cancel_deletion": Role.COORDINATOR in roles_of(staff),
    }
    return render(request, "web/inbox/detail.html", context, status=status)


@require_POST
@role_required(*INBOX_ROLES)
def request_open(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """Open a sealed request for the team (the first reading)."""
    try:
        open_request(actor=current_staff(request), request_id=request_id)
    except RequestNotFound:
        raise Http404 from None
    except VaultError:
        messages.error(request, KEYS_UNAVAILABLE)
        return redirect("web:inbox")
    return redirect("web:request_detail", request_id=request_id)


@require_POST
@role_required(Role.COORDINATOR)
def request_cancel_deletion(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """A coordinator stops a deletion the person was perhaps forced to ask for."""
    staff = current_staff(request)
    try:
        item = access_request_by_id(staff, request_id)
        cancel_deletion(actor=staff, request_id=item.id)
        messages.success(request, DELETION_CANCELLED)
    except RequestNotFound:
        raise Http404 from None
    except CorridorError as problem:
        messages.error(request, str(problem))
    return redirect("web:request_detail", request_id=request_id)
