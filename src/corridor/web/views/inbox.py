"""The requests inbox: portal requests for verifiers and coordinators; hotline operators see
the requests they recorded. Opening a request the first time unseals it (the key
provider re-seals it under the request's own key); every reading of its answers and
thread goes through intake.access, which records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts import sessions
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.access import may_see_case
from corridor.cases.services.insider import step_up_needed
from corridor.core import clock
from corridor.core.exceptions import CorridorError
from corridor.intake.access import (
    access_opened_request_by_id,
    access_request_by_id,
)
from corridor.intake.carryover import preview_lines
from corridor.intake.errors import RequestNotFound
from corridor.intake.models import Request, RequestFlag, Signal, Status
from corridor.intake.questions import describe_answers
from corridor.intake.replies import Situation, reply_text
from corridor.intake.selectors import (
    INBOX_ROLES,
    SCREENING_ROLES,
    flags_by_request,
    list_inbox,
    requests_visible_to,
)
from corridor.intake.services.bulk import decline_many
from corridor.intake.services.decisions import DECIDABLE
from corridor.intake.services.deletion import cancel_deletion
from corridor.intake.services.flood import dismiss_flood, flood_requests
from corridor.intake.services.messages import file_requester_messages, send_team_reply
from corridor.intake.services.opening import open_request
from corridor.vault.errors import VaultError
from corridor.web.decorators import current_staff, role_required
from corridor.web.drafts import forget_draft, initial_from_draft
from corridor.web.forms import ReplyForm
from corridor.web.screening_forms import BulkDeclineForm, DecisionForm, InboxFilterForm

DELETION_CANCELLED = _("The deletion is cancelled; the person sees it in their conversation.")
REPLY_SENT = _("Reply sent. The person reads it when they come back with their codename.")
UNKNOWN_FLAG = _("A screening signal this version does not describe")
KEYS_UNAVAILABLE = _(
    "The request cannot be opened now: the key service is sealed or unreachable. "
    "Ask an operator to unseal it."
)


# One page of the inbox: more than this is a flood, which has its own action.
INBOX_PAGE = 200


@dataclass(frozen=True)
class FlagLine:
    """A screening flag as the reader sees it: the words, and the request or case it
    matched only when the reader may open that (otherwise no reference at all)."""

    code: str
    words: str
    link: str = ""
    label: str = ""
    hidden_match: bool = False


@dataclass(frozen=True)
class InboxRow:
    item: Request
    flags: list[FlagLine]
    age_days: int
    decidable: bool


def _flag_lines(staff: Staff, flags: list[RequestFlag], visible: set[UUID]) -> list[FlagLine]:
    lines = []
    for flag in flags:
        words = str(Signal(flag.code).label) if flag.code in Signal.values else str(UNKNOWN_FLAG)
        other = flag.other
        if other is None:
            lines.append(FlagLine(code=flag.code, words=words))
        elif other.pk in visible:
            link = reverse("web:request_by_reference", args=[other.reference])
            lines.append(FlagLine(code=flag.code, words=words, link=link, label=other.reference))
        elif other.case is not None and may_see_case(staff, other.case):
            link = reverse("web:case", args=[other.case.ref])
            lines.append(FlagLine(code=flag.code, words=words, link=link, label=other.case.ref))
        else:
            lines.append(FlagLine(code=flag.code, words=words, hidden_match=True))
    return lines


def request_flag_lines(staff: Staff, item: Request) -> list[FlagLine]:
    """One request's flags in words, each naming what it matched when `staff` may open it."""
    flags = flags_by_request([item.pk]).get(item.pk, [])
    others = {row.other_id for row in flags if row.other_id}
    visible = set(requests_visible_to(staff).filter(pk__in=others).values_list("pk", flat=True))
    return _flag_lines(staff, flags, visible)


def inbox_rows(staff: Staff, *, flag: str = "", status: str = "") -> list[InboxRow]:
    """The inbox's rows, danger first, each with its flags in words and their links."""
    items = list(list_inbox(staff, flag=flag, status=status)[:INBOX_PAGE])
    flags = flags_by_request([item.pk for item in items])
    others = {row.other_id for found in flags.values() for row in found if row.other_id}
    visible = set(requests_visible_to(staff).filter(pk__in=others).values_list("pk", flat=True))
    today = clock.today()
    screening = bool(roles_of(staff) & SCREENING_ROLES)
    return [
        InboxRow(
            item=item,
            flags=_flag_lines(staff, flags.get(item.pk, []), visible),
            age_days=max((today - item.received_on).days, 0),
            decidable=screening and item.status in DECIDABLE,
        )
        for item in items
    ]


@require_http_methods(["GET", "HEAD"])
@role_required(*INBOX_ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    filters = InboxFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = inbox_rows(staff, flag=chosen.get("flag", ""), status=chosen.get("status", ""))
    screening = bool(roles_of(staff) & SCREENING_ROLES)
    flood = len(flood_requests(staff)) if screening else 0
    context = {
        "rows": rows,
        "flood_count": flood,
        "filters": filters,
        "bulk_form": BulkDeclineForm() if screening and any(r.decidable for r in rows) else None,
        "situations": [
            (code, label, reply_text(Situation(code))) for code, label in Situation.choices
        ],
        "filtered": bool(chosen.get("flag") or chosen.get("status")),
    }
    return render(request, "web/inbox/list.html", context)


@require_POST
@role_required(*SCREENING_ROLES)
def inbox_decline(request: HttpRequest) -> HttpResponse:
    """Decline (or redirect) the ticked requests with one reply template, each on its own
    decision and audit entry."""
    form = BulkDeclineForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("web:inbox")
    try:
        done = decline_many(
            actor=current_staff(request),
            request_ids=form.cleaned_data["requests"],
            situation=form.cleaned_data["situation"],
        )
    except VaultError:
        messages.error(request, KEYS_UNAVAILABLE)
        return redirect("web:inbox")
    except CorridorError as problem:
        messages.error(request, str(problem))
        return redirect("web:inbox")
    if done.declined:
        count = len(done.declined)
        messages.success(
            request,
            ngettext(
                "%(count)s request declined, the reply sent: %(refs)s.",
                "%(count)s requests declined, the reply sent to each: %(refs)s.",
                count,
            )
            % {"count": count, "refs": ", ".join(done.declined)},
        )
    if done.skipped:
        messages.warning(
            request,
            _("Left as they were (decided meanwhile, or not screened yet): %(refs)s.")
            % {"refs": ", ".join(done.skipped)},
        )
    return redirect("web:inbox")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*INBOX_ROLES, Role.CASEWORKER)
def request_by_reference(request: HttpRequest, reference: str) -> HttpResponseBase:
    """`/requests/RQ-XXXX-XXXX/`: the request page under the reference read out on the
    phone. Unknown and not-yours look the same (404)."""
    found = Request.objects.filter(reference=reference).values_list("pk", flat=True).first()
    if found is None:
        raise Http404
    return request_detail(request, found)


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
        "signals": request_flag_lines(staff, item) if screening else None,
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
