"""Portal pages: write to us, keep the codename, come back, read the replies and answer.

Russian at the portal's root, English under `en/` (docs/decisions/0004). Every form
posts, then redirects (303) to a page that is safe to reload; a form that fails comes
back with what was typed still in it (except a codename, which is never echoed).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from corridor.core import audience
from corridor.core.actors import RequesterActor
from corridor.core.exceptions import InvalidInput
from corridor.intake.access import access_thread_by_session
from corridor.intake.errors import (
    CodenameUnavailable,
    FormAlreadyUsed,
    MessageInvalid,
    PortalBusy,
    PortalSaturated,
    RequesterSessionGone,
    TooManyAttempts,
)
from corridor.intake.models import Stage
from corridor.intake.organisation import portal_info
from corridor.intake.selectors import sent_files
from corridor.intake.services.codenames import (
    confirm_codename,
    issue_codename,
    replace_codename,
    sign_in_with_codename,
    skip_codename_check,
)
from corridor.intake.services.deletion import ask_for_deletion, cancel_deletion
from corridor.intake.services.files import portal_uploads_allowed, send_requester_file
from corridor.intake.services.messages import check_message_text, send_requester_message
from corridor.intake.services.requests import check_portal_open, receive_portal_request
from corridor.intake.services.sessions import end_requester_session
from corridor.intake.services.sharing import record_sharing_answer
from corridor.intake.sources import client_source, shared_budget_dry
from corridor.portal.cookies import PortalCookie, delete_cookie
from corridor.portal.forms import (
    ATTACHMENTS_REFUSED,
    UNREADABLE_REMOVED,
    CodenameForm,
    MessageForm,
    RequestForm,
    SharingForm,
    scrub,
)
from corridor.portal.requests import TOKEN_FIELD, Portal, portal_view, see_other

# The queue page asks the browser to come back after at most this many seconds.
QUEUE_SECONDS = 10
FORM_EXPIRED = _(
    "For your safety this form had expired. Nothing was sent. Your text is still below: "
    "check it and send it again."
)
TOO_MANY = ngettext_lazy(
    "Too many attempts from this network or this browser right now. Nothing was sent. "
    "Please try again in %(minutes)s minute.",
    "Too many attempts from this network or this browser right now. Nothing was sent. "
    "Please try again in %(minutes)s minutes.",
    "minutes",
)
SATURATED = ngettext_lazy(
    "Many people are using this site right now. Nothing was sent and nothing is lost: "
    "your text is still below. Please send it again in %(seconds)s second.",
    "Many people are using this site right now. Nothing was sent and nothing is lost: "
    "your text is still below. Please send it again in %(seconds)s seconds.",
    "seconds",
)
BUSY = ngettext_lazy(
    "Right now more people are writing to us than we can read. Please try again in "
    "%(hours)s hour. Nothing you send is lost once it is sent, but now we cannot take it.",
    "Right now more people are writing to us than we can read. Please try again in "
    "%(hours)s hours. Nothing you send is lost once it is sent, but now we cannot take it.",
    "hours",
)
WRONG_CODENAME = _(
    "We did not find this codename. Check each word and the four digits, and try again. "
    "Small typos are forgiven."
)
WRONG_TYPED_BACK = _(
    "This is not the codename shown above. Check it and type it again, or get a new one."
)
CODENAME_LATER = _(
    "Your request is saved. We cannot make your codename right this minute. Please reload "
    "this page in a few minutes; do not send the form again."
)
SESSION_ENDED = ngettext_lazy(
    "For your safety you were signed out after %(minutes)s minute without activity. "
    "Enter your codename again; your message below is kept and will be sent.",
    "For your safety you were signed out after %(minutes)s minutes without activity. "
    "Enter your codename again; your message below is kept and will be sent.",
    "minutes",
)
RECENT_MESSAGES = 5
PAGES = (
    "start", "codename", "codename_new", "codename_skip", "enter", "thread", "sharing", "deletion",
    "leave",
)  # fmt: skip


def _requester(request: HttpRequest) -> RequesterActor:
    """The requester, with the network source its limits count against (never stored)."""
    return RequesterActor(source=client_source(request))


def _queue(request: HttpRequest, portal: Portal, limit: str, purpose: str) -> HttpResponse | None:
    """While everyone together used up `limit`, a page that opens the form by itself a
    few seconds later (no JavaScript), instead of a form that would be refused."""
    wait = shared_budget_dry(limit)
    if not wait:
        return None
    return _waiting(request, portal, purpose, wait)


def _waiting(request: HttpRequest, portal: Portal, purpose: str, wait: int) -> HttpResponse:
    """The queue page: it opens `request.path` again by itself after a few seconds."""
    seconds = min(wait, QUEUE_SECONDS)
    context = {"refresh_after": seconds, "wait_url": request.path}
    return _page(
        request,
        portal,
        "portal/wait.html",
        context,
        purpose=purpose,
        status=503,
        retry_after=seconds,
    )


def _saturated(
    request: HttpRequest,
    portal: Portal,
    template: str,
    context: dict[str, Any],
    purpose: str,
    busy: PortalSaturated,
) -> HttpResponse:
    """Everyone together used the shared budget: the same page, the text kept, no refusal."""
    seconds = min(busy.retry_after, QUEUE_SECONDS)
    context["notice"] = SATURATED % {"seconds": seconds}
    return _page(
        request, portal, template, context, purpose=purpose, status=503, retry_after=seconds
    )


def _form_problem(form: CodenameForm) -> str:
    """The sentence to show for a codename form that did not validate (never its text)."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return ""


def _name(request: HttpRequest, name: str) -> str:
    english = audience.portal_language(request) == "en"
    return f"portal:{name}_en" if english else f"portal:{name}"


def _url(request: HttpRequest, name: str) -> str:
    return reverse(_name(request, name))


def _other_language(request: HttpRequest) -> str:
    match = request.resolver_match
    name = match.url_name if match is not None and match.url_name else "start"
    base = name.removesuffix("_en")
    if base == "exit":
        base = "start"
    return reverse(f"portal:{base}" if name.endswith("_en") else f"portal:{base}_en")


def _page(
    request: HttpRequest,
    portal: Portal,
    template: str,
    context: dict[str, Any],
    *,
    purpose: str,
    status: int = 200,
    retry_after: int | None = None,
) -> HttpResponse:
    common = {
        "urls": {name: _url(request, name) for name in PAGES},
        "exit_url": reverse("portal:exit"),
        "other_language_url": _other_language(request),
        "info": portal_info(),
        "token_field": TOKEN_FIELD,
        # Made last, for the cookie this response carries (it may have just changed).
        "token": portal.token(purpose),
        "idle_minutes": settings.CORRIDOR_PORTAL_IDLE_MINUTES,
        "keep_declined_days": settings.CORRIDOR_SCREENING_ERASE_DAYS,
        "deletion_delay_days": settings.CORRIDOR_PORTAL_DELETION_DELAY_DAYS,
        "signed_in": portal.session is not None and portal.session.stage != Stage.CODENAME_DUE,
        "onion_address": _onion_for(request),
    }
    response = render(request, template, common | context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _onion_for(request: HttpRequest) -> str:
    """The portal's onion address for someone on the clear web; nothing over Tor itself."""
    address = str(settings.CORRIDOR_PORTAL_ONION)
    host = request.get_host().rsplit(":", 1)[0] if address else ""
    return "" if not address or host.endswith(".onion") else address


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def _refused(
    request: HttpRequest,
    portal: Portal,
    template: str,
    context: dict[str, Any],
    purpose: str,
    refusal: TooManyAttempts,
) -> HttpResponse:
    """A rate limit said no: the same page, what was typed kept, and when to come back."""
    context["notice"] = TOO_MANY % {"minutes": _minutes(refusal.retry_after)}
    return _page(
        request,
        portal,
        template,
        context,
        purpose=purpose,
        status=429,
        retry_after=refusal.retry_after,
    )


@portal_view(methods=("GET", "HEAD", "POST"))
def start(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The first page: what we can do, what we never ask, and the request form."""
    context: dict[str, Any] = {"form": RequestForm()}
    if request.method != "POST":
        queued = _queue(request, portal, "submit", "request")
        if queued is not None:
            return queued
        try:
            check_portal_open()
        except PortalBusy as busy:
            context["busy"] = BUSY % {"hours": busy.retry_after // 3600}
        return _page(request, portal, "portal/start.html", context, purpose="request")
    data, removed = scrub(request.POST)
    form = RequestForm(data)
    context["form"] = form
    if request.FILES:
        context["notice"] = ATTACHMENTS_REFUSED
    elif not portal.posted_ok("request"):
        context["notice"] = FORM_EXPIRED
    elif removed:
        context["notice"] = UNREADABLE_REMOVED
    elif form.is_valid():
        return _receive(request, portal, form, context)
    return _page(request, portal, "portal/start.html", context, purpose="request", status=400)


def _receive(
    request: HttpRequest, portal: Portal, form: RequestForm, context: dict[str, Any]
) -> HttpResponseBase:
    try:
        receive_portal_request(
            actor=_requester(request),
            answers=form.answers(),
            session_digest=portal.cookie.digest,
            form_token=portal.posted_token(),
        )
    except PortalBusy as busy:
        context["busy"] = BUSY % {"hours": busy.retry_after // 3600}
        return _page(
            request,
            portal,
            "portal/start.html",
            context,
            purpose="request",
            status=503,
            retry_after=busy.retry_after,
        )
    except TooManyAttempts as refusal:
        return _refused(request, portal, "portal/start.html", context, "request", refusal)
    except PortalSaturated as busy_now:
        return _saturated(request, portal, "portal/start.html", context, "request", busy_now)
    except FormAlreadyUsed:
        pass  # sent twice (a double tap): the first one is stored and bound to this cookie
    return see_other(_url(request, "codename"))


# No HEAD: a HEAD request would make the codename and show it to nobody.
@portal_view(methods=("GET", "POST"))
def codename(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Shows the codename once, then asks for it to be typed back (retry or skip)."""
    session = portal.session
    if session is None:
        return see_other(_url(request, "start"))
    if session.stage == Stage.SIGNED_IN:
        return see_other(_url(request, "thread"))
    context: dict[str, Any] = {"form": CodenameForm()}
    if request.method != "POST":
        if session.stage == Stage.CODENAME_DUE:
            try:
                context["codename"] = issue_codename(
                    actor=_requester(request), session=session, holder=portal.cookie.holder
                )
            except CodenameUnavailable:
                context["notice"] = CODENAME_LATER
                return _page(
                    request,
                    portal,
                    "portal/codename.html",
                    context,
                    purpose="codename",
                    status=503,
                    retry_after=300,
                )
            except RequesterSessionGone:
                pass  # another tab showed it a moment ago
            except PortalSaturated as busy:
                # Every derivation slot is taken: this page makes the codename by itself
                # once it reloads, a few seconds later.
                return _waiting(request, portal, "codename", busy.retry_after)
        return _page(request, portal, "portal/codename.html", context, purpose="codename")
    form = CodenameForm(request.POST)
    status = 400
    if not portal.posted_ok("codename"):
        context["notice"] = FORM_EXPIRED
    elif not form.is_valid():
        context["notice"] = _form_problem(form)
    else:
        try:
            if confirm_codename(
                actor=_requester(request), session=session, typed=form.cleaned_data["codename"]
            ):
                return see_other(_url(request, "thread"))
            context["notice"] = WRONG_TYPED_BACK
        except TooManyAttempts as refusal:
            return _refused(request, portal, "portal/codename.html", context, "codename", refusal)
        except PortalSaturated as busy:
            return _saturated(request, portal, "portal/codename.html", context, "codename", busy)
        except CodenameUnavailable:
            context["notice"] = CODENAME_LATER
            status = 503
        except RequesterSessionGone:
            return see_other(_url(request, "codename"))
    return _page(
        request, portal, "portal/codename.html", context, purpose="codename", status=status
    )


@portal_view(methods=("POST",))
def codename_new(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Before the codename was written down: forget it and show a new one."""
    session = portal.session
    if (
        session is not None
        and session.stage == Stage.CODENAME_SHOWN
        and portal.posted_ok("codename")
    ):
        try:
            replace_codename(actor=_requester(request), session=session)
        except TooManyAttempts as refusal:
            context = {"form": CodenameForm()}
            return _refused(request, portal, "portal/codename.html", context, "codename", refusal)
        except PortalSaturated as busy:
            context = {"form": CodenameForm()}
            return _saturated(request, portal, "portal/codename.html", context, "codename", busy)
    return see_other(_url(request, "codename"))


@portal_view(methods=("POST",))
def codename_skip(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Go on to the conversation without typing the codename back."""
    session = portal.session
    if session is not None and portal.posted_ok("codename"):
        skip_codename_check(actor=_requester(request), session=session)
    return see_other(_url(request, "thread"))


@portal_view(methods=("GET", "HEAD", "POST"))
def enter(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Come back with the codename; a message written before the session ended is kept."""
    context: dict[str, Any] = {"form": CodenameForm(), "message_form": MessageForm()}
    if request.method != "POST":
        queued = _queue(request, portal, "codename", "enter")
        return queued or _page(request, portal, "portal/enter.html", context, purpose="enter")
    form = CodenameForm(request.POST)
    message_data, removed = scrub(request.POST)
    context["message_form"] = MessageForm(message_data)
    text = str(message_data.get("message", "")).strip()
    if not portal.posted_ok("enter"):
        context["notice"] = FORM_EXPIRED
        return _page(request, portal, "portal/enter.html", context, purpose="enter", status=400)
    if not form.is_valid():
        context["form"] = form
        context["notice"] = _form_problem(form)
        return _page(request, portal, "portal/enter.html", context, purpose="enter", status=400)
    # A kept message that could not be sent must come back before the sign-in, not be
    # dropped after it: the text stays in the form, cleaned, with a sentence saying why.
    problem: str | None = str(UNREADABLE_REMOVED) if removed else None
    if problem is None and text:
        try:
            check_message_text(text)
        except MessageInvalid as invalid:
            problem = str(invalid)
    if problem is not None:
        context["notice"] = problem
        return _page(request, portal, "portal/enter.html", context, purpose="enter", status=400)
    previous = portal.session
    cookie = PortalCookie.new()
    try:
        session = sign_in_with_codename(
            actor=_requester(request),
            attempt_digest=portal.cookie.digest,
            session_digest=cookie.digest,
            holder=cookie.holder,
            typed=form.cleaned_data["codename"],
        )
    except TooManyAttempts as refusal:
        return _refused(request, portal, "portal/enter.html", context, "enter", refusal)
    except PortalSaturated as busy:
        return _saturated(request, portal, "portal/enter.html", context, "enter", busy)
    except CodenameUnavailable:
        context["notice"] = CODENAME_LATER
        return _page(
            request,
            portal,
            "portal/enter.html",
            context,
            purpose="enter",
            status=503,
            retry_after=300,
        )
    if session is None:
        context["notice"] = WRONG_CODENAME
        return _page(request, portal, "portal/enter.html", context, purpose="enter", status=401)
    posted = portal.posted_token()
    portal.replace_cookie(cookie)
    if previous is not None:
        end_requester_session(actor=_requester(request), digest=previous.digest)
    if text:
        # If it cannot be sent now, the thread page is where to write it again.
        with suppress(MessageInvalid, TooManyAttempts, PortalSaturated, FormAlreadyUsed):
            send_requester_message(
                actor=_requester(request),
                session=session,
                holder=cookie.holder,
                text=text,
                form_token=posted,
            )
    return see_other(_url(request, "thread"))


@portal_view(methods=("GET", "HEAD", "POST"))
def thread(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The requester's conversation with the team, and a form to answer."""
    session = portal.session
    if request.method == "POST" and (session is None or session.stage == Stage.CODENAME_DUE):
        return _ask_codename_keeping_message(request, portal)
    if session is None:
        return see_other(_url(request, "enter"))
    if session.stage == Stage.CODENAME_DUE:
        return see_other(_url(request, "codename"))
    context: dict[str, Any] = {
        "message_form": MessageForm(),
        "sharing_form": SharingForm(),
        "sharing_token": portal.token("sharing"),
        "sharing_saved": request.GET.get("saved") == "sharing",
        "deletion_due": session.request.deletion_due_at,
        "deletion_token": portal.token("deletion"),
        "deletion_unconfirmed": request.GET.get("deletion") == "unconfirmed",
        "uploads": portal_uploads_allowed(),
        "file_sent": request.GET.get("sent") == "file",
        "sent_files": list(sent_files(session.request_id)),
        "file_limit_mb": int(settings.CORRIDOR_MAX_DOCUMENT_BYTES) // (1024 * 1024),
    }
    status, retry_after = 200, None
    if request.method == "POST":
        data, removed = scrub(request.POST)
        context["message_form"] = MessageForm(data)
        status = 400
        upload = request.FILES.get("file")
        if request.FILES and (upload is None or not portal_uploads_allowed()):
            context["notice"] = ATTACHMENTS_REFUSED
        elif not portal.posted_ok("message"):
            context["notice"] = FORM_EXPIRED
        elif removed:
            context["notice"] = UNREADABLE_REMOVED
        else:
            try:
                if upload is not None:
                    send_requester_file(
                        actor=_requester(request),
                        session=session,
                        holder=portal.cookie.holder,
                        data=upload.read(),
                        text=str(data.get("message", "")),
                        form_token=portal.posted_token(),
                    )
                    return see_other(_url(request, "thread") + "?sent=file")
                send_requester_message(
                    actor=_requester(request),
                    session=session,
                    holder=portal.cookie.holder,
                    text=str(data.get("message", "")),
                    form_token=portal.posted_token(),
                )
                return see_other(_url(request, "thread"))
            except FormAlreadyUsed:
                return see_other(_url(request, "thread"))
            except MessageInvalid as problem:
                context["notice"] = str(problem)
            except TooManyAttempts as refusal:
                context["notice"] = TOO_MANY % {"minutes": _minutes(refusal.retry_after)}
                status, retry_after = 429, refusal.retry_after
            except PortalSaturated as busy:
                seconds = min(busy.retry_after, QUEUE_SECONDS)
                context["notice"] = SATURATED % {"seconds": seconds}
                status, retry_after = 503, seconds
            except RequesterSessionGone:
                return _signed_out(request, portal)
    try:
        thread = access_thread_by_session(_requester(request), session, holder=portal.cookie.holder)
    except RequesterSessionGone:
        return _signed_out(request, portal)
    # The latest messages only, unless asked: a long conversation must not make every
    # page heavy on a slow phone (the page stays under 50 KB).
    shown = thread.thread if request.GET.get("all") == "1" else thread.thread[-RECENT_MESSAGES:]
    context.update(
        thread=thread,
        entries=shown,
        earlier=len(thread.thread) - len(shown),
        unconfirmed=session.stage == Stage.CODENAME_SHOWN,
    )
    return _page(
        request,
        portal,
        "portal/thread.html",
        context,
        purpose="message",
        status=status,
        retry_after=retry_after,
    )


@portal_view(methods=("POST",))
def sharing(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The person changes their answer on sharing; back to the conversation either way."""
    session = portal.session
    if session is None or session.stage == Stage.CODENAME_DUE:
        return see_other(_url(request, "enter"))
    form = SharingForm(request.POST)
    if portal.posted_ok("sharing") and form.is_valid():
        try:
            record_sharing_answer(
                actor=_requester(request),
                session=session,
                share=form.cleaned_data["consent_share"],
                form_token=portal.posted_token(),
            )
        except FormAlreadyUsed:
            pass
        except RequesterSessionGone:
            return _signed_out(request, portal)
        return see_other(_url(request, "thread") + "?saved=sharing")
    return see_other(_url(request, "thread"))


@portal_view(methods=("POST",))
def deletion(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The person asks us to delete everything (it happens after the promised delay), or
    cancels that; back to the conversation either way."""
    session = portal.session
    if session is None or session.stage == Stage.CODENAME_DUE:
        return see_other(_url(request, "enter"))
    back = _url(request, "thread")
    if not portal.posted_ok("deletion"):
        return see_other(back + "#deletion")
    try:
        if request.POST.get("action") == "cancel":
            cancel_deletion(actor=_requester(request), request_id=session.request_id)
        elif request.POST.get("confirm") != "yes":
            return see_other(back + "?deletion=unconfirmed#deletion")
        else:
            ask_for_deletion(
                actor=_requester(request), session=session, form_token=portal.posted_token()
            )
    except (FormAlreadyUsed, InvalidInput):
        pass
    except RequesterSessionGone:
        return _signed_out(request, portal)
    return see_other(back + "#deletion")


def _ask_codename_keeping_message(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """The session ended while a message was being written: ask for the codename, with
    the message in the same form, so signing in sends it."""
    data, _removed = scrub(request.POST)
    context = {
        "form": CodenameForm(),
        "message_form": MessageForm(data),
        "notice": SESSION_ENDED % {"minutes": settings.CORRIDOR_PORTAL_IDLE_MINUTES},
    }
    return _page(request, portal, "portal/enter.html", context, purpose="enter", status=401)


def _signed_out(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    end_requester_session(actor=_requester(request), digest=portal.cookie.digest)
    return see_other(_url(request, "enter"))


@portal_view(methods=("POST",))
def leave(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Sign out: the session and the key it holds are deleted, the cookie too.

    No token is needed: leaving must always work, and a forged "leave" only signs out.
    """
    end_requester_session(actor=_requester(request), digest=portal.cookie.digest)
    response = see_other(_url(request, "start"))
    delete_cookie(request, response)
    portal.leave_cookie_alone()
    return response


@portal_view()
def exit_now(request: HttpRequest, portal: Portal) -> HttpResponseBase:
    """Quick exit: end the session, clear this site's data in the browser, go elsewhere."""
    if not portal.cookie_changed:
        end_requester_session(actor=_requester(request), digest=portal.cookie.digest)
    response = HttpResponse(status=303)
    response["Location"] = settings.CORRIDOR_PORTAL_QUICK_EXIT_URL
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    delete_cookie(request, response)
    portal.leave_cookie_alone()
    return response
