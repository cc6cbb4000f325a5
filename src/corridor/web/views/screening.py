"""Hotline calls, verification decisions and the coordinators' watchlist.

Each view: access (through the intake services, which check roles) → form → service →
redirect; nothing personal goes into a URL or a message.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from corridor.accounts.key_failures import record_key_failure
from corridor.accounts.roles import Role
from corridor.core.exceptions import CorridorError, KeyFailure
from corridor.intake.access import access_watchlist
from corridor.intake.errors import RequestNotFound, WatchEntryNotFound
from corridor.intake.models import Outcome
from corridor.intake.selectors import SCREENING_ROLES, requests_visible_to
from corridor.intake.services.decisions import record_decision
from corridor.intake.services.hotline import record_hotline_request
from corridor.intake.services.watchlist import add_watch_entry, remove_watch_entry
from corridor.vault.errors import VaultError
from corridor.web.decorators import current_staff, role_required
from corridor.web.drafts import forget_draft, initial_from_draft
from corridor.web.screening_forms import DecisionForm, HotlineForm, WatchEntryForm

CALL_RECORDED = _("The call is recorded as %(ref)s. Screening starts now.")
CALL_ESCALATED = _("The call is recorded as %(ref)s and the coordinators are alerted.")
DECISION_RECORDED = _("Decision recorded.")
ACCEPTED = _(
    "Accepted: %(ref)s is now case %(case)s. From here its team reads it through the case."
)
ATTACHED = _(
    "%(ref)s joined case %(case)s. The codename given with %(ref)s stays valid; the "
    "codenames of the case's earlier requests no longer open anything."
)
WATCH_ADDED = _("Added to the watchlist.")
WATCH_REMOVED = _("Removed from the watchlist; its key is destroyed.")
KEYS_UNAVAILABLE = _("The key service is sealed or unreachable; nothing was saved. Try again.")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.HOTLINE_OPERATOR)
def hotline_call(request: HttpRequest) -> HttpResponse:
    """The live-call form; what is typed survives a session timeout as a draft."""
    form = HotlineForm(
        request.POST if request.method == "POST" else None, initial=initial_from_draft(request)
    )
    key_failed = False
    if request.method == "POST" and form.is_valid():
        escalate = "escalate" in request.POST
        try:
            recorded = record_hotline_request(
                actor=current_staff(request),
                answers=form.answers(),
                escalate=escalate,
                conflict=form.cleaned_data["conflict"],
            )
        except KeyFailure as failure:
            # The call's notes stay on the page (503, audited): the operator must not
            # have to ask a frightened caller everything again.
            record_key_failure(actor=current_staff(request), failure=failure, page="hotline_call")
            form.add_error(None, str(KEYS_UNAVAILABLE))
            key_failed = True
        except VaultError:
            form.add_error(None, str(KEYS_UNAVAILABLE))
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            forget_draft(request)
            done = CALL_ESCALATED if escalate else CALL_RECORDED
            messages.success(request, done % {"ref": recorded.reference})
            return redirect("web:hotline_call")
    status = 503 if key_failed else 400 if request.method == "POST" else 200
    return render(request, "web/inbox/hotline.html", {"form": form}, status=status)


@require_POST
@role_required(*SCREENING_ROLES)
def request_decide(request: HttpRequest, request_id: UUID) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("web:request_detail", request_id=request_id)
    data = form.cleaned_data
    try:
        decided = record_decision(
            actor=current_staff(request),
            request_id=request_id,
            outcome=data["outcome"],
            methods=data["methods"],
            note=data["note"],
            message=data["message"],
            case_ref=data["case_ref"],
            sharing_confirmed=data["sharing_confirmed"],
        )
    except RequestNotFound:
        raise Http404 from None
    except VaultError:
        messages.error(request, KEYS_UNAVAILABLE)
    except CorridorError as problem:
        messages.error(request, str(problem))
    else:
        if data["outcome"] == Outcome.ATTACH and decided.case is not None:
            messages.success(
                request, ATTACHED % {"ref": decided.reference, "case": decided.case.ref}
            )
        elif data["outcome"] == Outcome.ACCEPT and decided.case is not None:
            messages.success(
                request, ACCEPTED % {"ref": decided.reference, "case": decided.case.ref}
            )
        else:
            messages.success(request, DECISION_RECORDED)
        # Accepted into a case they are not on, the request is the case team's now.
        if not requests_visible_to(current_staff(request)).filter(pk=request_id).exists():
            return redirect("web:inbox")
    return redirect("web:request_detail", request_id=request_id)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(Role.COORDINATOR)
def watchlist(request: HttpRequest) -> HttpResponse:
    staff = current_staff(request)
    form = WatchEntryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        details = {k: v for k, v in form.cleaned_data.items() if k != "kind"}
        try:
            add_watch_entry(actor=staff, kind=form.cleaned_data["kind"], details=details)
        except VaultError:
            form.add_error(None, str(KEYS_UNAVAILABLE))
        except CorridorError as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, WATCH_ADDED)
            return redirect("web:watchlist")
    try:
        entries = access_watchlist(staff)
    except VaultError:
        entries = []
        messages.error(request, KEYS_UNAVAILABLE)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/inbox/watchlist.html", {"form": form, "entries": entries}, status=status
    )


@require_POST
@role_required(Role.COORDINATOR)
def watch_remove(request: HttpRequest, entry_id: UUID) -> HttpResponse:
    try:
        remove_watch_entry(actor=current_staff(request), entry_id=entry_id)
    except WatchEntryNotFound:
        raise Http404 from None
    messages.success(request, WATCH_REMOVED)
    return redirect("web:watchlist")
