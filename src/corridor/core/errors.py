"""Error pages for both audiences: a clear sentence, a way back, and never any detail.

Nothing from the request or the exception reaches these pages, so a failing
form cannot echo what a person typed into an error page or a log.
"""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from corridor.core import audience
from corridor.core.disk_full import is_disk_full

# The contract: staff are told the cause and that their input is safe.
DISK_FULL_STAFF = gettext_lazy("The server's disk is full; nothing you entered was lost.")


def _render(request: HttpRequest, *, status: int, title: str, message: str) -> HttpResponse:
    portal = audience.is_portal_request(request)
    context = {
        "status": status,
        "title": title,
        "message": message,
        "back_url": audience.portal_root(request) if portal else "/",
        "stylesheet": "portal/portal.css" if portal else "web/staff.css",
    }
    # No RequestContext: an error page must render even when the failure came
    # from a context processor or the session.
    body = loader.get_template("core/error.html").render(context)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    return _render(
        request,
        status=400,
        title=_("The request could not be understood"),
        message=_("Go back, check what you entered and try again."),
    )


def request_too_large(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        status=413,
        title=_("What you sent is too large"),
        message=_("Go back and send less text at once, or split it into several messages."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(
        request,
        status=403,
        title=_("You cannot open this page"),
        message=_("If you need it for your work, ask a coordinator."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(
        request,
        status=404,
        title=_("Page not found"),
        message=_("The address may be mistyped, or the page is not available to you."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, so the exception is still at hand. A full
    # disk fails every page (a staff read writes an audit event): say so instead of "500".
    if is_disk_full(sys.exc_info()[1]):
        return disk_full(request)
    return _render(
        request,
        status=500,
        title=_("Something went wrong on our side"),
        message=_("Nothing you sent has been shown to anyone. Please try again in a few minutes."),
    )


def disk_full(request: HttpRequest) -> HttpResponse:
    """503: a write failed because the disk is full; the browser still holds what was typed.

    Staff are told the cause; a requester is told to keep their text and come back, and
    that what they sent before is safe (it was committed before the disk filled).
    """
    if audience.is_portal_request(request):
        title = _("We cannot save anything right now")
        message = _(
            "The server has run out of space. What you sent before is kept safe. Copy what "
            "you typed, keep it somewhere safe and send it again in a few hours."
        )
    else:
        title = _("The server's disk is full")
        message = "{} {}".format(
            DISK_FULL_STAFF,
            _(
                "Go back with your browser: what you typed is still there. Send it again once "
                "the person who runs the server has freed space."
            ),
        )
    return _render(request, status=503, title=title, message=message)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security token was missing or stale: say how to recover without losing text."""
    return _render(
        request,
        status=403,
        title=_("This form has expired"),
        message=_(
            "For your safety, forms stop working after a while or when sent from another "
            "page. Go back with your browser, copy what you typed, reload the page and send "
            "it again."
        ),
    )


def key_failure(request: HttpRequest, *, kind: str, rate_limited: bool = False) -> HttpResponse:
    """503 (429 over the hourly limit): this page needs a key it could not have, or a
    stored value failed its check. Never a 400 (nothing typed caused it) nor a 500.

    Staff are told which of the four it was and what to do; a requester on the portal is
    told only to come back. `kind` is one of core.exceptions.KEY_FAILURE_KINDS.
    """
    status = 503
    if audience.is_portal_request(request):
        title = _("This page is not available right now")
        message = _("Please try again in a few hours. What you sent before is kept safe.")
    elif kind == "sealed":
        title = _("Sealed: the keys are locked")
        message = _(
            "This page needs a case key, and the key service is sealed (for example after "
            "a restart). Ask your trustees to unseal it. Pages that need no key keep working."
        )
    elif kind == "unavailable":
        title = _("The key service is not running")
        message = _(
            "This page needs a case key, and the key service cannot be reached. Ask the "
            "person who runs the server to start it. Pages that need no key keep working."
        )
    elif kind == "integrity":
        title = _("A stored value failed its integrity check")
        message = _(
            "Something this page needs did not pass its check: it may have been altered or "
            "copied back from an old version. Nothing was shown or changed. The coordinators "
            "have been told; tell the person who runs the server too. Other cases keep working."
        )
    elif rate_limited:
        status = 429
        title = _("You have opened many cases in a short time")
        message = _(
            "For everyone's safety the key service limits how many case keys one person "
            "gets in an hour. The coordinators have been told; ask one of them if you need "
            "more now (they can open an evacuation night)."
        )
    else:
        title = _("The key service refused this case")
        message = _(
            "The key service would not give you this case's key: you are not assigned to "
            "it, or your access to it has ended. The refusal is recorded and the coordinators "
            "have been told. If you need it for your work, ask a coordinator."
        )
    return _render(request, status=status, title=title, message=message)
